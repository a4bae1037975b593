"""The spoken path from the first screen (issue 19): the kiosk's welcome and code screens and the phone's
start screen have the listen button, every text they mark to be said has its clip, and a phone hears
the start screen before its code is checked, and nothing of the village."""

import pytest
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import SpokenClip
from ratings.speech.texts import ballot_texts, marked_texts

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def phones(spoken_world):
    Meeting.objects.filter(pk=spoken_world.meeting.pk).update(phones_allowed=True)
    return spoken_world


def start_pages(client, world, language):
    """The three screens before the ballot, as a terminal and a phone see them in `language`."""
    client.cookies[TERMINAL_COOKIE] = world.token
    kiosk = [
        client.get(reverse("ratings:kiosk"), {"language": language}),
        client.get(reverse("ratings:kiosk-code"), {"language": language}),
    ]
    del client.cookies[TERMINAL_COOKIE]
    phone = client.get(reverse("ratings:phone", args=[world.meeting.pk]), {"language": language})
    return kiosk, phone


@pytest.mark.parametrize("language", ["ug", "zh-hans"])
def test_every_text_the_start_screens_say_has_its_clip(client, phones, language):
    kiosk, phone = start_pages(client, phones, language)
    with translation.override(language):
        made = set(ballot_texts(phones.meeting))
    voiced = set(SpokenClip.objects.of(phones.meeting, language).voice())
    for response, door in [*((page, "kiosk-speech") for page in kiosk), (phone, "phone-speech")]:
        assert response.status_code == 200
        html = response.content.decode()
        args = [language] if door == "kiosk-speech" else [phones.meeting.pk, language]
        assert f'data-speech="{reverse(f"ratings:{door}", args=args)}"' in html
        said = marked_texts(html)
        assert len(said) >= 4
        assert set(said) <= made <= voiced
    # The keypad's words and every symbol of a code are voiced too.
    with translation.override(language):
        assert {translation.gettext("Delete"), translation.gettext("Clear"), "7", "Z"} <= voiced


def test_a_phone_hears_the_start_screen_before_its_code_and_nothing_of_the_village(client, phones):
    meeting = phones.meeting
    response = client.get(reverse("ratings:phone-speech", args=[meeting.pk, "ug"]))
    assert response.status_code == 200
    clips = response.json()["clips"]
    with translation.override("ug"):
        assert translation.gettext("Ballot code") in clips
    assert "7" in clips
    assert phones.cadres[0].name not in clips
    audio = client.get(clips["7"])
    assert audio.status_code == 200
    assert b"".join(audio.streaming_content).startswith(b"RIFF")
    # A clip of the ballot itself, asked for by its address, is not served before the code.
    name = SpokenClip.objects.get(meeting=meeting, language="ug", text=phones.cadres[0].name).file_name
    assert client.get(reverse("ratings:phone-speech-clip", args=[meeting.pk, name])).status_code == 404


def test_no_start_screen_audio_where_phones_do_not_vote(client, phones):
    meeting = phones.meeting
    Meeting.objects.filter(pk=meeting.pk).update(phones_allowed=False)
    assert client.get(reverse("ratings:phone-speech", args=[meeting.pk, "ug"])).status_code == 404
    Meeting.objects.filter(pk=meeting.pk).update(phones_allowed=True, status=Meeting.Status.VOTING_CLOSED)
    assert client.get(reverse("ratings:phone-speech", args=[meeting.pk, "ug"])).status_code == 404


def test_a_meeting_without_speech_has_no_listen_button_on_the_start_screens(client, phones):
    Meeting.objects.filter(pk=phones.meeting.pk).update(spoken_ballot=False)
    kiosk, phone = start_pages(client, phones, "ug")
    for response in [*kiosk, phone]:
        assert response.status_code == 200
        assert "data-speech=" not in response.content.decode()
