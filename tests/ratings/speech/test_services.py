"""The spoken ballot's audio: made with espeak-ng when voting opens, replaced by an approved recording."""

import io
import wave

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from portal.models import AuditEntry
from ratings.ballot import schemes
from ratings.models import SpokenClip
from ratings.speech import services
from ratings.speech.services import storage
from tests.worlds import build_world

LANGUAGES = ("zh-hans", "ug")


def _seconds(content: bytes) -> float:
    with wave.open(io.BytesIO(content)) as audio:
        return audio.getnframes() / audio.getframerate()


def test_opening_the_vote_makes_every_cadres_name_and_post_in_both_languages(spoken_world):
    meeting = spoken_world.meeting
    for language in LANGUAGES:
        clips = SpokenClip.objects.of(meeting, language).voice()
        for cadre in spoken_world.cadres:
            clip = clips[cadre.name]
            assert clip.source == SpokenClip.Source.SYNTHESIZED and clip.approved
            content = storage().open(clip.file_name).read()
            assert content.startswith(b"RIFF") and len(content) == clip.size
            assert _seconds(content) > 0.2  # a name said, not an empty file
        with translation.override(language):
            for criterion in spoken_world.criteria:
                assert schemes.criterion_name(criterion) in clips
            for grade in spoken_world.grades.values():
                assert schemes.grade_label(grade) in clips
    # The same text in another language is another voice, another file.
    chinese = SpokenClip.objects.of(meeting, "zh-hans").get(text=spoken_world.cadres[0].name)
    uyghur = SpokenClip.objects.of(meeting, "ug").get(text=spoken_world.cadres[0].name)
    assert chinese.file_name != uyghur.file_name
    assert AuditEntry.objects.filter(action="speech_prepare").exists()


def test_making_the_voices_again_makes_nothing_twice(spoken_world, county):
    before = SpokenClip.objects.count()
    assert services.speech_prepare(meeting=spoken_world.meeting, by=county.operator) == 0
    assert SpokenClip.objects.count() == before


def test_a_meeting_without_a_spoken_ballot_makes_no_audio(county, espeak):
    world = build_world(county, cadres=1, codes=0)
    assert not SpokenClip.objects.filter(meeting=world.meeting).exists()


def test_without_the_synthesizer_the_vote_still_opens_without_audio(county, settings, caplog):
    settings.SPEECH_COMMAND = "no-such-speech-program"
    world = build_world(county, cadres=1, codes=0, spoken_ballot=True)
    assert world.meeting.status == world.meeting.Status.VOTING_OPEN
    assert not SpokenClip.objects.filter(meeting=world.meeting).exists()
    assert "no-such-speech-program is not installed" in caplog.text


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x01\x00" * 8000)
    return buffer.getvalue()


def test_an_approved_recording_replaces_the_synthetic_name(spoken_world, county):
    meeting, name = spoken_world.meeting, spoken_world.cadres[0].name
    recording = services.clip_record(
        meeting=meeting, language="ug", text=name, content=_wav(), by=county.operator
    )
    # Awaiting approval, the ballot still plays the synthetic voice.
    assert SpokenClip.objects.of(meeting, "ug").voice()[name].source == SpokenClip.Source.SYNTHESIZED
    with pytest.raises(PermissionDenied):
        services.clip_approve(clip=recording, by=county.operator)  # a clerk does not approve their own
    services.clip_approve(clip=recording, by=county.moderator)
    played = SpokenClip.objects.of(meeting, "ug").voice()[name]
    assert played.pk == recording.pk
    assert storage().open(played.file_name).read() == _wav()
    # Only in Uyghur: the Mandarin voice of the name is still the synthetic one.
    assert SpokenClip.objects.of(meeting, "zh-hans").voice()[name].source == SpokenClip.Source.SYNTHESIZED
    actions = AuditEntry.objects.filter(action__in=["clip_record", "clip_approve"]).order_by("pk")
    assert list(actions.values_list("action", flat=True)) == ["clip_record", "clip_approve"]


@pytest.mark.parametrize(
    ("text", "content", "message"),
    [
        ("Cadre 0", b"#!/bin/sh\nrm -rf /", "must be a WAV, WebM, Ogg or MP4"),
        ("Somebody else entirely", None, "not said by the meeting's ballot"),
    ],
)
def test_a_recording_that_is_not_sound_or_not_of_the_ballot_is_refused(
    spoken_world, county, text, content, message
):
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        services.clip_record(
            meeting=spoken_world.meeting,
            language="ug",
            text=text,
            content=content or _wav(),
            by=county.operator,
        )
