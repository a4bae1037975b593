"""The second door, a villager's own phone, through Django's test client (ratings.ballot.views.phone).

Only a meeting that allows phones, while its voting is open, takes ballots from them. The slip's QR
code opens the start page with the code filled in, which spends nothing; the villager's tap checks it,
and wrong codes are counted per network address. The ballot is the terminal's one page, cast once; a
code goes into the box once whatever the door; the ballot row knows the door and nothing of the phone;
after the cast, the browser's history brings back addresses, never the ballot.
"""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting
from ratings.models import Ballot, BallotCode, BallotNomination
from tests.ratings.ballot.doors import (
    PHONE_PASS,
    RECEIPT_COOKIE,
    allow_phones,
    arm,
    ballot_post,
    begin,
    box,
    dropped,
    grade_field,
    no_store,
    phone_begin,
    phone_url,
    phone_vote,
    posted_grades,
    stored_grades,
    url,
    vote,
)
from tests.worlds import build_kiosk_world, set_status, stored_code

PHONE_ADDRESS = "192.168.137.23"
PHONE_BROWSER = "Mozilla/5.0 (Linux; Android 9; Redmi-UNIQUE-7A) Mobile"


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=2, codes=4, phones_allowed=True)


@pytest.fixture
def phone(world):
    """A villager's phone on the venue's Wi-Fi, reading pages in English."""
    return Client(REMOTE_ADDR=PHONE_ADDRESS, HTTP_USER_AGENT=PHONE_BROWSER, HTTP_ACCEPT_LANGUAGE="en")


def start(phone, world, code: str):
    """The villager's tap on Start, with the code of the slip."""
    return phone.post(phone_url("phone", world), {"code": code, "language": "en", "text_size": "normal"})


# --- which meetings take ballots from phones ---------------------------------------------------------


def test_a_meeting_that_does_not_allow_phones_says_so_and_takes_nothing(phone, world):
    allow_phones(world, False)
    before = box(world.meeting)

    with translation.override("en"):
        pages = [
            phone.get(phone_url("phone", world), {"code": world.codes[0], "language": "en"}),
            start(phone, world, world.codes[0]),
        ]

    assert [page.status_code for page in pages] == [409, 409]
    assert "does not take ballots from phones" in pages[0].content.decode()
    assert all(no_store(page) for page in pages)
    assert PHONE_PASS not in pages[1].cookies or dropped(pages[1], PHONE_PASS)
    assert box(world.meeting) == before


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Meeting.Status.ANNOUNCED, "has not opened yet"),
        (Meeting.Status.VOTING_CLOSED, "Voting is closed"),
        (Meeting.Status.FINAL, "Voting is closed"),
    ],
)
def test_a_meeting_not_voting_is_a_409_at_every_step(phone, world, status, words):
    phone_begin(phone, world, world.codes[0])
    set_status(world.meeting, status)

    with translation.override("en"):
        sent = phone.post(phone_url("phone-cast", world), ballot_post(world))
        back = phone.get(phone_url("phone-ballot", world))
        start_page = phone.get(phone_url("phone", world), {"language": "en"})
        typed = start(phone, world, world.codes[1])

    assert sent.status_code == 409 and words in sent.content.decode()
    assert dropped(sent, PHONE_PASS)
    assert back.status_code == 302 and back.url == phone_url("phone", world)
    assert [start_page.status_code, typed.status_code] == [409, 409]
    assert all(no_store(response) for response in (sent, back, start_page, typed))
    assert not Ballot.objects.exists()
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 0


def test_the_start_page_says_why_in_the_language_the_villager_chose(phone, world):
    set_status(world.meeting, Meeting.Status.VOTING_CLOSED)
    page = phone.get(phone_url("phone", world), {"language": "en"}).content.decode()
    assert 'lang="en"' in page and "Voting is not open" in page
    assert "Voting is closed. Thank you." in page  # the reason too, not in the server's default language


def test_phones_turned_off_while_a_villager_votes_cast_nothing(phone, world):
    phone_begin(phone, world, world.codes[0])
    allow_phones(world, False)

    response = phone.post(phone_url("phone-cast", world), ballot_post(world))

    assert response.status_code == 409
    assert dropped(response, PHONE_PASS)
    back = phone.get(phone_url("phone-ballot", world))
    assert back.status_code == 302 and back.url == phone_url("phone", world)
    assert not Ballot.objects.exists()
    # At a terminal the same code still votes.
    client = arm(Client(), world)
    vote(client, world, world.codes[0])
    assert Ballot.objects.get().door == Ballot.Door.TERMINAL


def test_an_unknown_meeting_is_a_404(phone, world):
    for name in ("phone", "phone-ballot", "phone-receipt"):
        assert phone.get(reverse(f"ratings:{name}", args=[world.meeting.pk + 1000])).status_code == 404


# --- the slip's QR code opens the start page ----------------------------------------------------------


def test_the_qr_codes_address_fills_in_the_code_and_spends_nothing(phone, world, settings):
    settings.PHONE_WRONG_CODES_PER_WINDOW = 2
    before = box(world.meeting)

    page = phone.get(phone_url("phone", world), {"code": world.codes[0], "language": "en"})
    for _visit in range(3):  # a wrong code in the address is not a wrong code typed
        assert phone.get(phone_url("phone", world), {"code": "0000000000"}).status_code == 200

    assert page.status_code == 200
    assert f'value="{world.codes[0]}"' in page.content.decode()
    assert no_store(page)
    assert PHONE_PASS not in page.cookies
    assert box(world.meeting) == before
    assert start(phone, world, world.codes[0]).status_code == 302  # not locked out by the visits


def test_the_start_page_speaks_the_language_chosen_and_keeps_the_code_across(phone, world):
    page = phone.get(phone_url("phone", world), {"code": world.codes[0], "language": "ug"})
    text = page.content.decode()
    assert 'lang="ug" dir="rtl"' in text and page["Content-Language"] == "ug"
    # The links to the other languages carry the code along.
    assert f"?language=zh-hans&amp;code={world.codes[0]}" in text
    assert 'lang="zh-hans"' in phone.get(phone_url("phone", world)).content.decode()  # the default


def test_a_code_sent_empty_keeps_the_villagers_language(phone, world):
    response = phone.post(phone_url("phone", world), {"code": "", "language": "ug", "text_size": "large"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'lang="ug" dir="rtl"' in page and 'name="language" value="ug"' in page
    assert 'id="text-size-large" value="large" checked' in page


def test_another_slips_qr_code_on_a_phone_holding_a_pass_opens_that_slips_ballot(phone, world):
    """One phone, two villagers of a family: the first began and did not cast; the second scans their own
    slip. They must vote with their own code, never cast the first one's."""
    phone_begin(phone, world, world.codes[0])

    page = phone.get(phone_url("phone", world), {"code": world.codes[1], "language": "en"})

    assert page.status_code == 200
    assert f'value="{world.codes[1]}"' in page.content.decode()
    assert dropped(page, PHONE_PASS)
    phone_vote(phone, world, world.codes[1])
    used = BallotCode.objects.filter(status=BallotCode.Status.USED)
    assert [stored.code_hash for stored in used] == [stored_code(world.meeting, world.codes[1]).code_hash]


# --- the whole path -----------------------------------------------------------------------------------


def test_the_whole_path_casts_exactly_the_ballot_chosen(phone, world, settings):
    checked = start(phone, world, world.codes[0].lower())  # typing is forgiving
    assert checked.status_code == 302 and checked.url == phone_url("phone-ballot", world)
    ballot_pass = checked.cookies[PHONE_PASS]
    assert ballot_pass["httponly"] and ballot_pass["samesite"] == "Strict"
    assert ballot_pass["path"] == phone_url("phone", world)
    assert int(ballot_pass["max-age"]) == settings.PHONE_PASS_SECONDS

    page = phone.get(phone_url("phone-ballot", world))
    text = page.content.decode()
    assert page.status_code == 200 and no_store(page)
    assert all(cadre.name in text for cadre in world.cadres)
    assert f'name="{grade_field(world.cadres[1], world.criteria[4])}"' in text
    assert f'action="{phone_url("phone-cast", world)}"' in text
    assert f'action="{phone_url("phone-reset", world)}"' in text
    assert world.codes[0] not in text

    def grade(cadre: int, line: str) -> str:
        return ("dissatisfied", "basically_satisfied")[cadre]

    data = ballot_post(world, grade, numbers=[world.households[1].number])
    sent = phone.post(phone_url("phone-cast", world), data)
    assert sent.status_code == 302 and sent.url == phone_url("phone-receipt", world)
    assert dropped(sent, PHONE_PASS) and no_store(sent)
    receipt_page = phone.get(phone_url("phone-receipt", world))

    ballot = Ballot.objects.get()
    assert ballot.receipt in receipt_page.content.decode()
    assert no_store(receipt_page)
    assert ballot.door == Ballot.Door.PHONE
    assert stored_grades() == posted_grades(world, data)
    assert list(BallotNomination.objects.values_list("household_id", flat=True)) == [world.households[1].pk]
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 1


def test_after_the_cast_the_history_brings_back_addresses_never_the_ballot(phone, world):
    phone_vote(phone, world, world.codes[0])
    receipt = Ballot.objects.get().receipt

    again = phone.get(phone_url("phone-receipt", world))
    assert again.status_code == 302 and again.url == phone_url("phone", world)
    back = phone.get(phone_url("phone-ballot", world))
    assert back.status_code == 302 and back.url == phone_url("phone", world)
    resent = phone.post(phone_url("phone-cast", world), ballot_post(world, "dissatisfied"))
    assert resent.status_code == 409
    assert "no longer open on this phone" in resent.content.decode()
    start_page = phone.get(phone_url("phone", world)).content.decode()
    assert receipt not in start_page and world.cadres[0].name not in start_page
    # The code, typed again from the slip, is refused there.
    used = start(phone, world, world.codes[0])
    assert used.status_code == 400
    assert PHONE_PASS not in used.cookies
    assert Ballot.objects.count() == 1


def test_the_receipt_is_shown_once_in_the_villagers_language(phone, world):
    phone_begin(phone, world, world.codes[0], language="ug", text_size="large")
    page = phone.get(phone_url("phone-ballot", world)).content.decode()
    assert 'lang="ug" dir="rtl"' in page and "kiosk-text-large" in page
    phone.post(phone_url("phone-cast", world), ballot_post(world))
    receipt = phone.get(phone_url("phone-receipt", world))
    assert 'lang="ug"' in receipt.content.decode() and "kiosk-text-large" in receipt.content.decode()
    assert dropped(receipt, RECEIPT_COOKIE)


def test_an_incomplete_ballot_comes_back_with_the_choices_kept(phone, world):
    phone_begin(phone, world, world.codes[0])
    data = ballot_post(world, "dissatisfied")
    del data[grade_field(world.cadres[0], world.criteria[0])]

    response = phone.post(phone_url("phone-cast", world), data)

    assert response.status_code == 400
    page = response.content.decode()
    errors = re.search(r'id="ballot-errors">(.*?)</div>', page, re.S).group(1)
    assert world.cadres[0].name in errors and world.cadres[1].name not in errors
    assert page.count(f'value="{world.grades["dissatisfied"].pk}" checked') == len(data)
    assert not Ballot.objects.exists() and not dropped(response, PHONE_PASS)
    data[grade_field(world.cadres[0], world.criteria[0])] = world.grades["satisfied"].pk
    assert phone.post(phone_url("phone-cast", world), data).url == phone_url("phone-receipt", world)


def test_stop_drops_the_pass_and_keeps_the_code(phone, world):
    phone_begin(phone, world, world.codes[0])

    response = phone.post(phone_url("phone-reset", world))

    assert response.status_code == 302 and response.url == phone_url("phone", world)
    assert dropped(response, PHONE_PASS) and no_store(response)
    assert phone.get(phone_url("phone-ballot", world)).url == phone_url("phone", world)
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 0
    phone_vote(phone, world, world.codes[0])  # the same code starts again


def test_the_phone_pages_check_the_csrf_token_and_a_get_cannot_cast(world):
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR=PHONE_ADDRESS)
    assert start(strict, world, world.codes[0]).status_code == 403
    phone = Client(REMOTE_ADDR=PHONE_ADDRESS)
    phone_begin(phone, world, world.codes[0])
    strict.cookies = phone.cookies
    assert strict.post(phone_url("phone-cast", world), ballot_post(world)).status_code == 403
    assert phone.get(phone_url("phone-cast", world), ballot_post(world)).status_code == 405
    assert not Ballot.objects.exists()


# --- wrong codes from one address -----------------------------------------------------------------


def test_wrong_codes_lock_the_address_out_after_the_limit(phone, world, settings):
    settings.PHONE_WRONG_CODES_PER_WINDOW = 3
    for _slip in range(3):
        response = start(phone, world, "0000000000")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()

    locked = start(phone, world, world.codes[0])  # even a good code waits

    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= settings.PHONE_WRONG_CODES_WINDOW_SECONDS
    assert "Too many wrong codes" in locked.content.decode()
    assert PHONE_PASS not in locked.cookies and no_store(locked)
    # Another phone of the venue, and the terminals, are not slowed down.
    other = Client(REMOTE_ADDR="192.168.137.24")
    phone_begin(other, world, world.codes[0])
    begin(arm(Client(REMOTE_ADDR=PHONE_ADDRESS), world), world.codes[1])


def test_good_codes_never_count_against_the_address(phone, world, settings):
    settings.PHONE_WRONG_CODES_PER_WINDOW = 2
    for _villager in range(4):  # one phone lent to one villager after another
        phone_begin(phone, world, world.codes[0])
        phone.post(phone_url("phone-reset", world))
    assert start(phone, world, "0000000000").status_code == 400


# --- one code, one ballot, whatever the door -----------------------------------------------------------


def test_a_code_cast_on_a_phone_is_refused_at_a_terminal(phone, world):
    terminal = arm(Client(), world)
    phone_vote(phone, world, world.codes[0])
    response = terminal.post(url("kiosk-code"), {"code": world.codes[0], "language": "en"})
    assert response.status_code == 400
    assert "has been used" in response.content.decode()
    assert Ballot.objects.count() == 1


def test_a_code_cast_at_a_terminal_is_refused_on_a_phone(phone, world):
    vote(arm(Client(), world), world, world.codes[0])
    response = start(phone, world, world.codes[0])
    assert response.status_code == 400
    assert "has been used" in response.content.decode()
    assert Ballot.objects.count() == 1


def test_a_code_begun_on_both_doors_is_cast_once(phone, world):
    terminal = arm(Client(), world)
    begin(terminal, world.codes[0])
    phone_begin(phone, world, world.codes[0])

    first = phone.post(phone_url("phone-cast", world), ballot_post(world))
    second = terminal.post(url("kiosk-cast"), ballot_post(world, "dissatisfied"))

    assert first.url == phone_url("phone-receipt", world)
    assert second.status_code == 409 and "has been used" in second.content.decode()
    assert Ballot.objects.get().door == Ballot.Door.PHONE
    assert set(stored_grades().values()) == {world.grades["satisfied"].pk}


def test_each_door_is_counted_on_the_operators_control_page(phone, world, county):
    phone_vote(phone, world, world.codes[0])
    vote(arm(Client(), world), world, world.codes[1])
    vote(arm(Client(), world, world.other_token), world, world.codes[2])

    assert sorted(Ballot.objects.values_list("door", flat=True)) == ["phone", "terminal", "terminal"]
    operator = Client(HTTP_ACCEPT_LANGUAGE="en")
    operator.force_login(county.operator)
    page = operator.get(reverse("meetings:staff-meeting", args=[world.meeting.pk])).content.decode()
    doors = re.search(r'id="ballot-doors">(.*?)</p>', page, re.S).group(1)
    counts = dict(re.findall(r"([^<>:]+): <span[^>]*>(\d+)</span>", doors))
    assert {html.unescape(label).strip(): int(count) for label, count in counts.items()} == {
        "Voting terminal": 2,
        "Villager's phone": 1,
        "Paper ballot": 0,
    }


# --- nothing of the phone is kept -----------------------------------------------------------------------


def text_in_database(*needles: str) -> list[str]:
    """The tables holding any of `needles` in a text column, searched row by row."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = connection.introspection.get_table_description(cursor, table)
            for column in columns:
                name = connection.ops.quote_name(column.name)
                for needle in needles:
                    table_name = connection.ops.quote_name(table)
                    cursor.execute(
                        f"SELECT 1 FROM {table_name} WHERE CAST({name} AS TEXT) LIKE %s", [f"%{needle}%"]
                    )
                    if cursor.fetchone():
                        found.append(f"{table}.{column.name}")
    return found


def test_no_phone_identity_is_stored_the_ballot_row_has_only_the_door(phone, world):
    phone_vote(phone, world, world.codes[0])

    ballot = Ballot.objects.values().get()
    assert set(ballot) == {"id", "meeting_id", "group_id", "receipt", "cast_on", "door"}
    assert ballot["door"] == "phone"
    assert text_in_database(PHONE_ADDRESS, "Redmi-UNIQUE") == []


def test_a_wrong_code_leaves_nothing_of_the_phone_in_the_database_either(phone, world):
    assert start(phone, world, "0000000000").status_code == 400
    assert text_in_database(PHONE_ADDRESS, "Redmi-UNIQUE") == []
