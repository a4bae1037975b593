"""Who reaches the spoken ballot's audio: an armed terminal of the meeting, a phone holding a pass, and
the village's clerks and moderators; anyone else gets a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import SpokenClip

pytestmark = pytest.mark.usefixtures("english_pages")


def test_an_armed_terminal_gets_the_clips_of_its_meeting_with_a_long_cache(client, spoken_world):
    client.cookies[TERMINAL_COOKIE] = spoken_world.token
    response = client.get(reverse("ratings:kiosk-speech", args=["ug"]))
    assert response.status_code == 200
    clips = response.json()["clips"]
    address = clips[spoken_world.cadres[0].name]
    audio = client.get(address)
    assert audio.status_code == 200
    assert audio["Content-Type"] == "audio/wav"
    assert "immutable" in audio["Cache-Control"]
    assert b"".join(audio.streaming_content).startswith(b"RIFF")


def test_english_has_no_voice_and_a_browser_that_is_no_terminal_hears_nothing(client, spoken_world):
    client.cookies[TERMINAL_COOKIE] = spoken_world.token
    assert client.get(reverse("ratings:kiosk-speech", args=["en"])).status_code == 404
    client.cookies[TERMINAL_COOKIE] = "not-a-terminal"
    assert client.get(reverse("ratings:kiosk-speech", args=["ug"])).status_code == 404
    clip = SpokenClip.objects.filter(meeting=spoken_world.meeting).first()
    assert client.get(reverse("ratings:kiosk-speech-clip", args=[clip.file_name])).status_code == 404


def test_a_phone_without_a_ballot_pass_hears_nothing(client, spoken_world):
    meeting = spoken_world.meeting
    assert client.get(reverse("ratings:phone-speech", args=[meeting.pk, "ug"])).status_code == 404


def test_another_villages_clerk_gets_a_404_and_a_clerk_cannot_approve(client, spoken_world, county):
    meeting = spoken_world.meeting
    client.force_login(county.operator)
    page = client.get(reverse("ratings:speech", args=[meeting.pk]) + "?language=ug")
    assert page.status_code == 200
    assert spoken_world.cadres[0].name in page.content.decode()
    clip = SpokenClip.objects.filter(meeting=meeting).first()
    assert client.post(reverse("ratings:speech-approve", args=[meeting.pk, clip.pk])).status_code == 404
    client.force_login(county.nobody)
    assert client.get(reverse("ratings:speech", args=[meeting.pk])).status_code == 404


def test_a_recording_that_is_not_sound_is_refused_with_a_message(client, spoken_world, county):
    client.force_login(county.operator)
    response = client.post(
        reverse("ratings:speech-record", args=[spoken_world.meeting.pk]),
        {
            "language": "ug",
            "text": spoken_world.cadres[0].name,
            "recording": SimpleUploadedFile("name.wav", b"not a sound at all", "audio/wav"),
        },
    )
    assert response.status_code == 400
    assert "must be a WAV, WebM, Ogg or MP4" in response.content.decode()
