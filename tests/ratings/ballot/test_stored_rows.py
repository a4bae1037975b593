"""What the database holds of a ballot: nothing before the cast, and after voting ends nothing of the
order of casting (the files themselves: test_disk_scrub.py).

The ballot lives in its page until it is sent: from the code to the receipt no session is made and no
row is added anywhere before the cast, at a terminal or on a phone; the cast adds the ballot, its grades
and nominations, and burns the code.
"""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from meetings import services as meeting_services
from portal.models import AuditEntry
from ratings.ballot import scrub
from ratings.models import Ballot, BallotCode, BallotGrade, BallotNomination
from tests.ratings.ballot.doors import (
    arm,
    ballot_post,
    begin,
    cast,
    phone_begin,
    phone_url,
    url,
)
from tests.worlds import build_kiosk_world, build_world


def rows_per_table() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before[table] for table in after if after[table] != before[table]}


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=3, codes=2, phones_allowed=True)


def test_a_whole_kiosk_ballot_makes_no_session_and_writes_nothing_before_the_cast(world):
    terminal = arm(Client(), world)
    responses = [terminal.get(url("kiosk"))]
    start = rows_per_table()

    responses.append(begin(terminal, world.codes[0]))
    responses.append(terminal.get(url("kiosk-ballot")))
    responses.append(cast(terminal, world, {}))  # sent back once, incomplete
    responses.append(terminal.post(url("kiosk-heartbeat"), {"state": "idle", "clears": 0}))
    responses.append(terminal.get(url("kiosk-ballot")))
    assert rows_per_table() == start

    data = ballot_post(world, households=world.households[:2])
    responses.append(cast(terminal, world, data))
    responses.append(terminal.get(url("kiosk-receipt")))

    assert added(start, rows_per_table()) == {
        Ballot._meta.db_table: 1,
        BallotGrade._meta.db_table: len(world.lines()),
        BallotNomination._meta.db_table: 2,
    }
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 1
    assert not Session.objects.exists()
    assert all("sessionid" not in response.cookies for response in responses)


def test_a_whole_phone_ballot_makes_no_session_and_writes_nothing_before_the_cast(world):
    phone = Client(REMOTE_ADDR="192.168.137.50")
    responses = [phone.get(phone_url("phone", world), {"code": world.codes[0]})]
    start = rows_per_table()

    responses.append(phone_begin(phone, world, world.codes[0]))
    responses.append(phone.get(phone_url("phone-ballot", world)))
    responses.append(phone.post(phone_url("phone-cast", world), {}))
    assert rows_per_table() == start

    responses.append(phone.post(phone_url("phone-cast", world), ballot_post(world)))
    responses.append(phone.get(phone_url("phone-receipt", world)))

    assert added(start, rows_per_table()) == {
        Ballot._meta.db_table: 1,
        BallotGrade._meta.db_table: len(world.lines()),
    }
    assert not Session.objects.exists()
    assert all("sessionid" not in response.cookies for response in responses)


def test_a_ballot_stopped_half_way_leaves_no_row(world):
    terminal = arm(Client(), world)
    start = rows_per_table()
    begin(terminal, world.codes[0])
    terminal.get(url("kiosk-ballot"))
    terminal.post(url("kiosk-reset"))  # the villager's own clear: audited, the terminal counts one more
    assert added(start, rows_per_table()) == {AuditEntry._meta.db_table: 1}
    assert not Session.objects.exists()


# --- when voting ends -------------------------------------------------------------------------------


@pytest.fixture
def voters(county):
    return build_world(county, codes=0, residents=6)


def contents(meeting) -> dict:
    return {
        ballot.receipt: sorted(
            (grade.cadre_id, grade.criterion_id or 0, grade.grade_id) for grade in ballot.grades.all()
        )
        for ballot in Ballot.objects.filter(meeting=meeting).prefetch_related("grades")
    }


def test_annulling_an_open_vote_shakes_the_box_and_voids_the_unused_codes(voters, county):
    for index, code in enumerate(voters.resident_codes[:4]):
        voters.cast(code, grade=("satisfied", "dissatisfied")[index % 2])
    ids_before = set(Ballot.objects.values_list("id", flat=True))
    codes_before = set(BallotCode.objects.values_list("id", flat=True))
    contents_before = contents(voters.meeting)

    meeting_services.meeting_annul(meeting=voters.meeting, reason="Wrong roll.", by=county.township_admin)

    assert ids_before.isdisjoint(Ballot.objects.values_list("id", flat=True))
    assert codes_before.isdisjoint(BallotCode.objects.values_list("id", flat=True))
    assert contents(voters.meeting) == contents_before  # kept for the record, whole
    codes = BallotCode.objects.filter(meeting=voters.meeting)
    assert sorted(codes.values_list("status", flat=True)) == ["used"] * 4 + ["voided"] * 2
    assert set(codes.values_list("holder_key", flat=True)) == {""}  # no code remembers its holder
    details = AuditEntry.objects.get(action="meeting_annul").details
    assert (details["ballots"], details["codes_voided"]) == (4, 2)


def test_the_file_scrub_waits_for_the_commit(voters, county, django_capture_on_commit_callbacks):
    voters.cast(voters.resident_codes[0])
    with django_capture_on_commit_callbacks() as callbacks:
        meeting_services.voting_close(meeting=voters.meeting, by=county.operator)
    # VACUUM cannot run inside the transaction that shook the box: it waits for the commit.
    assert [callback.func for callback in callbacks if hasattr(callback, "func")] == [scrub._scrub_and_log]
    # Run inside a transaction (the test's), it reports instead of failing the close that committed.
    scrubbed = scrub.files_scrub()
    assert not scrubbed.done and scrubbed.engine == connection.vendor
    assert scrubbed.problems == ["called inside a transaction"]
