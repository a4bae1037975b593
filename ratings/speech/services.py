"""The spoken ballot's writes: making the meeting's audio when voting opens, a clerk's recording of a
text, a moderator's approval of it. Each checks permission again and is audited."""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from meetings.models import Meeting
from portal import audit, permissions
from portal.permissions import Capability
from ratings.models import SpokenClip
from ratings.speech import engine
from ratings.speech.texts import ballot_texts

logger = logging.getLogger(__name__)

# What a browser's MediaRecorder gives (WebM or Ogg with Opus, MP4 on Safari) or a WAV file: the first
# bytes of each, and how the file is named and served.
RECORDING_FORMATS = (
    (b"RIFF", "audio/wav", "wav"),
    (b"\x1aE\xdf\xa3", "audio/webm", "webm"),
    (b"OggS", "audio/ogg", "ogg"),
)
MP4_BRAND = b"ftyp"


def storage():
    return storages["speech"]


def _store(name: str, content: bytes) -> None:
    """Files are named by their digest: one already there holds the same bytes."""
    if not storage().exists(name):
        storage().save(name, ContentFile(content))


@transaction.atomic
def speech_prepare(*, meeting: Meeting, by) -> int:
    """Make the audio of every text the meeting's ballot says, in every language with a voice.

    Called when voting opens (meetings.services.voting_open), when the ballot is frozen; a clerk may
    also run it before, to hear the names. A text already made is not made again. Without the
    synthesizer the meeting goes on without audio: logged, nothing made. Returns the clips made.
    """
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    if not meeting.spoken_ballot:
        return 0
    if not engine.available():
        logger.warning(
            "Meeting %s has a spoken ballot but %s is not installed: its ballot has no audio.",
            meeting.pk,
            settings.SPEECH_COMMAND,
        )
        return 0
    made = []
    for language, voice in settings.SPEECH_VOICES.items():
        with translation.override(language):
            texts = ballot_texts(meeting)
        known = set(SpokenClip.objects.of(meeting, language).synthesized().values_list("digest", flat=True))
        for text in texts:
            digest = engine.digest(voice, text)
            if digest in known:
                continue
            known.add(digest)
            name = f"{digest}.{engine.EXTENSION}"
            if not storage().exists(name):
                try:
                    _store(name, engine.synthesize(text, voice))
                except engine.SpeechUnavailable:
                    logger.exception("No audio for a text of meeting %s in %s.", meeting.pk, language)
                    continue
            made.append(
                SpokenClip(
                    meeting=meeting,
                    language=language,
                    text=text,
                    digest=digest,
                    file_name=name,
                    content_type=engine.CONTENT_TYPE,
                    size=storage().size(name),
                    source=SpokenClip.Source.SYNTHESIZED,
                    approved=True,
                )
            )
    SpokenClip.objects.bulk_create(made)
    if made:
        audit.record(actor=by, action="speech_prepare", target=meeting, details={"clips": len(made)})
    return len(made)


def _recording_format(content: bytes) -> tuple[str, str]:
    if len(content) > settings.SPEECH_RECORDING_MAX_BYTES:
        raise ValidationError(
            _("The recording is too long: at most %(mb)s MB.")
            % {"mb": settings.SPEECH_RECORDING_MAX_BYTES // (1024 * 1024)}
        )
    for magic, content_type, extension in RECORDING_FORMATS:
        if content.startswith(magic):
            return content_type, extension
    if content[4:8] == MP4_BRAND:
        return "audio/mp4", "m4a"
    raise ValidationError(_("The recording must be a WAV, WebM, Ogg or MP4 sound file."))


@transaction.atomic
def clip_record(*, meeting: Meeting, language: str, text: str, content: bytes, by) -> SpokenClip:
    """A clerk's recording of one text of the ballot, played once a moderator approves it."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    if meeting.is_closed or meeting.status == Meeting.Status.VOTING_CLOSED:
        raise ValidationError(_("The vote is over: its spoken ballot can no longer change."))
    if engine.voice_of(language) is None:
        raise ValidationError(_("The spoken ballot does not speak this language."))
    with translation.override(language):
        said = text in ballot_texts(meeting)
    if not said:  # the refusal in the clerk's language, not the ballot's
        raise ValidationError(_("This text is not said by the meeting's ballot."))
    content_type, extension = _recording_format(content)
    digest = hashlib.sha256(content).hexdigest()
    name = f"{digest}.{extension}"
    _store(name, content)
    clip = SpokenClip.objects.create(
        meeting=meeting,
        language=language,
        text=text,
        digest=digest,
        file_name=name,
        content_type=content_type,
        size=len(content),
        source=SpokenClip.Source.RECORDED,
        recorded_by=by,
    )
    audit.record(
        actor=by, action="clip_record", target=meeting, details={"clip": clip.pk, "language": language}
    )
    return clip


@transaction.atomic
def clip_approve(*, clip: SpokenClip, by) -> SpokenClip:
    """A moderator has listened to a recording: from now on the ballot plays it for its text."""
    permissions.ensure(by, Capability.MODERATE, clip.meeting.village)
    clip = SpokenClip.objects.select_for_update().get(pk=clip.pk)
    if clip.source != SpokenClip.Source.RECORDED or clip.approved:
        raise ValidationError(_("Only a recording awaiting approval can be approved."))
    clip.approved, clip.approved_by = True, by
    clip.save(update_fields=["approved", "approved_by"])
    audit.record(actor=by, action="clip_approve", target=clip.meeting, details={"clip": clip.pk})
    return clip
