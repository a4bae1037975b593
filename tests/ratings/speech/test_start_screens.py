"""The spoken path from the first screen (issue 19): the kiosk's welcome and code screens and the phone's
start screen have the listen button, every text they mark to be said has its clip (their refusals and
the languages' names, each in its own voice, included), and a phone hears the start screen before its
code is checked, and nothing of the village."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting
from ratings.ballot import page, services
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import SpokenClip
from ratings.speech.texts import LOCKED_SAID, ballot_texts, marked_texts

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
    for response, door in [*((screen, "kiosk-speech") for screen in kiosk), (phone, "phone-speech")]:
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


def test_each_language_is_named_in_its_own_voice_on_both_doors(client, phones):
    """The welcome's buttons (and the phone's language links) say their names: a villager who does not
    read hears Uyghur said in Uyghur and Mandarin in Mandarin, whatever the page's language."""
    names = {code: translation.get_language_info(code)["name_local"] for code in ("ug", "zh-hans")}
    kiosk, phone = start_pages(client, phones, "zh-hans")
    for response in (kiosk[0], phone):
        html = response.content.decode()
        for code, name in names.items():
            assert f'data-say-language lang="{code}"' in html and name in html

    def heard_names(response):
        clips = response.json()["clips"]
        for language, name in names.items():
            clip = SpokenClip.objects.get(meeting=phones.meeting, file_name=clips[name].rsplit("/", 1)[1])
            assert clip.language == language and clip.text == name
            assert client.get(clips[name]).status_code == 200

    client.cookies[TERMINAL_COOKIE] = phones.token
    heard_names(client.get(reverse("ratings:kiosk-speech", args=["zh-hans"])))
    del client.cookies[TERMINAL_COOKIE]
    heard_names(client.get(reverse("ratings:phone-speech", args=[phones.meeting.pk, "zh-hans"])))


# The listen bar of a page that reads itself as it shows (Listen was pressed on the screen before).
LISTENING = re.compile(r'data-speech="[^"]+" data-listening')


def wrong_codes(client, world, times: int, **extra):
    client.cookies[TERMINAL_COOKIE] = world.token
    data = {"code": "ABCDEFGHJK", "language": "ug", "text_size": "normal", **extra}
    return [client.post(reverse("ratings:kiosk-code"), data) for _ in range(times)]


def test_the_code_screens_refusals_are_marked_to_be_said_and_have_their_clips(client, phones):
    voiced = set(SpokenClip.objects.of(phones.meeting, "ug").voice())
    refused, *_, locked = wrong_codes(client, phones, 5, listening="1")
    assert refused.status_code == 400 and locked.status_code == 429
    with translation.override("ug"):
        wrong = translation.gettext(services.WRONG_CODE)
        wait = translation.gettext(LOCKED_SAID)
    for response, spoken in ((refused, wrong), (locked, wait)):
        html = response.content.decode()
        assert spoken in marked_texts(html) and spoken in voiced
        # Listen was on: the page reads itself, its refusal first.
        assert LISTENING.search(html)
    # The lockout's wait, in seconds, is shown; what is said has no number to go stale.
    assert re.search(r"\d", wait) is None and "Retry-After" in locked
    # A code left empty (the phone's start) is said too.
    empty = client.post(reverse("ratings:phone", args=[phones.meeting.pk]), {"code": "", "language": "ug"})
    assert empty.status_code == 400
    assert set(marked_texts(empty.content.decode())) <= voiced
    assert not LISTENING.search(empty.content.decode())  # Listen was not pressed


def test_the_ballots_missing_line_alert_has_its_clip(client, phones):
    voiced = set(SpokenClip.objects.of(phones.meeting, "zh-hans").voice())
    with translation.override("zh-hans"):
        alert = translation.gettext(
            "Please choose an answer on every line. If you do not know, choose “Don't know”."
        )
        assert alert in marked_texts(page.body(phones.meeting))
    assert alert in voiced
