"""What a ballot page needs of the spoken ballot: where its list of clips is, and that list, cut to what
the browser asking may hear."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting
from ratings.models import SpokenClip
from ratings.speech import engine, texts

RECEIPT_SALT = "ratings.speech.receipt"
# Long enough to listen to the receipt again a few times; it opens only texts every villager hears.
RECEIPT_LISTEN_SECONDS = 10 * 60
# The form field (and query) that carries "the villager pressed Listen" to the next screen.
LISTENING_FIELD = "listening"


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


def receipt_manifest_url(meeting: Meeting) -> str:
    """The phone's receipt page's list of clips: its pass was taken back at the cast, so the address
    carries a short-lived signed token that opens the receipt's texts and symbols, nothing else. It
    names only the meeting: not the receipt, the ballot or the phone."""
    url = manifest_url(meeting, "phone")
    if not url:
        return ""
    return f"{url}?{urlencode({'receipt': signing.dumps(meeting.pk, salt=RECEIPT_SALT)})}"


def receipt_token_opens(token: str, meeting: Meeting) -> bool:
    try:
        return signing.loads(token, salt=RECEIPT_SALT, max_age=RECEIPT_LISTEN_SECONDS) == meeting.pk
    except signing.BadSignature:  # forged, of another salt, or expired (SignatureExpired)
        return False


def listening(data) -> bool:
    """Whether the villager pressed Listen on the screen before (the welcome, the code screen): the
    next one then reads itself, a refusal first."""
    return data.get(LISTENING_FIELD) == "1"


@dataclass(frozen=True)
class Hearing:
    """What a browser may hear of a meeting's ballot: all of it (an armed terminal, a phone holding its
    pass), or only the screens before the code (a phone while phones vote) and the receipt (a phone
    with the receipt page's token): texts that say nothing of the village or of a vote."""

    whole: bool = False
    start: bool = False
    receipt: bool = False

    def texts(self, language: str) -> set[str] | None:
        """The texts this browser may hear in `language`; None: every text of the ballot."""
        if self.whole:
            return None
        allowed = set()
        with translation.override(language):
            if self.start:
                allowed.update(texts.start_texts())
            if self.receipt:
                allowed.update(texts.receipt_texts())
        return allowed


WHOLE = Hearing(whole=True)


def clips(meeting: Meeting, language: str, clip_url, hearing: Hearing = WHOLE) -> dict[str, str]:
    """Each text the ballot says → the address of the clip that says it (`clip_url(file name)`), of
    what `hearing` allows; with each language's name said in its own voice, where the start is heard."""
    allowed = hearing.texts(language)
    heard = {
        text: clip_url(clip.file_name)
        for text, clip in SpokenClip.objects.of(meeting, language).voice().items()
        if allowed is None or text in allowed
    }
    heard.update(_language_names(meeting, clip_url, hearing))
    return heard


def _language_names(meeting: Meeting, clip_url, hearing: Hearing) -> dict[str, str]:
    """The language buttons of the start screens say each language's name in that language, so that a
    villager who does not read can pick theirs by ear: those clips come from each language's own."""
    names = {}
    for language in settings.SPEECH_VOICES:
        name = texts.own_name(language)
        allowed = hearing.texts(language)
        if allowed is not None and name not in allowed:
            continue
        clip = SpokenClip.objects.of(meeting, language).filter(text=name).voice().get(name)
        if clip is not None:
            names[name] = clip_url(clip.file_name)
    return names
