"""The phone's receipt is spoken (issue 19): the cast takes the phone's pass back, so its receipt page
carries a short-lived signed token that opens the receipt's clips (its fixed texts and the symbols it
is spelled with) and nothing else: no cadre, no screen of the ballot, nothing once it has expired, and
nothing from the browser's history, which brings back no receipt page."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting
from ratings.ballot import codes
from ratings.models import Ballot, SpokenClip
from ratings.speech import playlist
from ratings.speech.texts import AT_THE_RECEIPT, said
from tests.ratings.ballot.doors import phone_url, phone_vote
from tests.worlds import make_meeting


@pytest.fixture
def phones(spoken_world):
    Meeting.objects.filter(pk=spoken_world.meeting.pk).update(phones_allowed=True)
    return spoken_world


@pytest.fixture
def phone():
    return Client(REMOTE_ADDR="192.168.137.40", HTTP_ACCEPT_LANGUAGE="en")


def listen_address(receipt_page) -> str:
    found = re.search(r'data-speech="([^"]+)"', receipt_page.content.decode())
    assert found, "the receipt page has no listen button"
    return html.unescape(found.group(1))


def voted_then_phones_closed(phone, world, language: str = "ug") -> str:
    """A villager casts on their phone, then the clerk stops phones' voting: what the receipt page's
    listen button asks for is all the phone may still hear of the meeting."""
    address = listen_address(phone_vote(phone, world, world.codes[0], language=language))
    Meeting.objects.filter(pk=world.meeting.pk).update(phones_allowed=False)
    return address


def test_the_phones_receipt_is_heard_after_the_cast_and_nothing_else(phone, phones):
    address = voted_then_phones_closed(phone, phones)
    assert address.startswith(reverse("ratings:phone-speech", args=[phones.meeting.pk, "ug"]) + "?receipt=")
    clips = phone.get(address).json()["clips"]
    receipt = Ballot.objects.get().receipt
    with translation.override("ug"):
        fixed = [said(str(text)) for text in AT_THE_RECEIPT]
        start_only = translation.gettext("Ballot code")
    assert set(fixed) | set(receipt) <= set(clips)
    assert set(clips) == set(fixed) | set(codes.ALPHABET)  # every symbol: the list tells no receipt
    assert phones.cadres[0].name not in clips and start_only not in clips
    audio = phone.get(clips[receipt[0]])
    assert audio.status_code == 200
    assert b"".join(audio.streaming_content).startswith(b"RIFF")
    said_in = SpokenClip.objects.get(file_name=clips[fixed[0]].split("/")[-1].split("?")[0], language="ug")
    assert said_in.text == fixed[0]
    # A clip of the ballot itself, asked for with the receipt's token, is not served.
    name = SpokenClip.objects.get(meeting=phones.meeting, language="ug", text=phones.cadres[0].name).file_name
    token = address.split("?", 1)[1]
    cadre = reverse("ratings:phone-speech-clip", args=[phones.meeting.pk, name]) + "?" + token
    assert phone.get(cadre).status_code == 404


def test_without_the_token_or_from_the_history_the_phone_hears_nothing(phone, phones):
    address = voted_then_phones_closed(phone, phones)
    bare = address.split("?", 1)[0]
    assert phone.get(bare).status_code == 404
    assert phone.get(address + "x").status_code == 404  # a token altered by a single character
    # Back to the receipt: the address goes to the start, with no receipt and no listen button.
    again = phone.get(phone_url("phone-receipt", phones))
    assert again.status_code == 302 and again.url == phone_url("phone", phones)


def test_an_expired_token_or_one_of_another_meeting_opens_nothing(phone, phones, monkeypatch):
    address = voted_then_phones_closed(phone, phones)
    other = make_meeting(phones.meeting.village, year=phones.meeting.year - 1)
    Meeting.objects.filter(pk=other.pk).update(spoken_ballot=True)
    other.spoken_ballot = True
    with translation.override("ug"):
        others_token = playlist.receipt_manifest_url(other).split("?", 1)[1]
    assert phone.get(address.split("?", 1)[0] + "?" + others_token).status_code == 404
    assert phone.get(address).status_code == 200
    monkeypatch.setattr(playlist, "RECEIPT_LISTEN_SECONDS", -1)  # as if the villager came back later
    assert phone.get(address).status_code == 404


def test_a_meeting_without_speech_gives_the_receipt_no_listen_button(phone, phones):
    Meeting.objects.filter(pk=phones.meeting.pk).update(spoken_ballot=False)
    receipt = phone_vote(phone, phones, phones.codes[0], language="ug")
    assert "data-speech=" not in receipt.content.decode()
