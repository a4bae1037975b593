"""What a ballot page needs of the spoken ballot: where its list of clips is, and that list."""

from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting
from ratings.models import SpokenClip
from ratings.speech import engine, texts


def speaks(meeting: Meeting, language: str) -> bool:
    return meeting.spoken_ballot and engine.voice_of(language) is not None


def manifest_url(meeting: Meeting, door: str) -> str:
    """The address of the clips of the meeting's ballot in the active language through a door
    ("terminal" or "phone"), or "" where the ballot does not speak."""
    language = translation.get_language()
    if not speaks(meeting, language):
        return ""
    if door == "terminal":
        return reverse("ratings:kiosk-speech", args=[language])
    return reverse("ratings:phone-speech", args=[meeting.pk, language])


def clips(meeting: Meeting, language: str, clip_url, only=None) -> dict[str, str]:
    """Each text the ballot says → the address of the clip that says it (`clip_url(file name)`);
    `only`: the texts that may be heard (None: all)."""
    return {
        text: clip_url(clip.file_name)
        for text, clip in SpokenClip.objects.of(meeting, language).voice().items()
        if only is None or text in only
    }


def start_texts(language: str) -> set[str]:
    """What the screens before the ballot say in `language`: all a phone may hear before its code."""
    with translation.override(language):
        return set(texts.start_texts())
