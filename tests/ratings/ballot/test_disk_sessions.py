"""When voting is over, the rows that remember the vote go: expired sessions, the kiosk's ballots in
progress, and the order of the ballots and codes (the files themselves: test_disk_scrub.py)."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from meetings import services as meeting_services
from portal.models import AuditEntry
from ratings.ballot import scrub
from ratings.ballot.session import KioskBallot
from ratings.models import Ballot, BallotCode
from tests.worlds import build_world


@pytest.fixture
def world(county):
    return build_world(county, codes=0, residents=6)


def end_vote(world, county, end: str) -> None:
    if end == "close":
        meeting_services.voting_close(meeting=world.meeting, by=county.operator)
    else:
        meeting_services.meeting_annul(meeting=world.meeting, reason="Wrong roll.", by=county.township_admin)


def session_with(data: dict | None = None, *, kiosk_for=None) -> str:
    session = SessionStore()
    session.update(data or {})
    if kiosk_for is not None:
        terminal, code = kiosk_for
        ballot = KioskBallot(
            terminal=terminal.pk, meeting=terminal.meeting_id, language="en", text_size="normal", code=code
        )
        ballot.set_grades(1, {"overall": 2})
        ballot.save(session)
    session.create()
    return session.session_key


@pytest.mark.parametrize("end", ["close", "annul"])
def test_the_end_of_the_vote_clears_expired_sessions_and_the_kiosks_ballots_in_progress(world, county, end):
    expired = session_with({"_auth_user_id": str(county.moderator.pk)})
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    half_done = session_with(kiosk_for=(world.terminal, world.resident_codes[0]))
    staff = session_with({"_auth_user_id": str(county.operator.pk)})
    elsewhere = build_world(
        county, village=county.neighbour, codes=0, residents=1, operator=county.township_admin
    )
    other_meeting = session_with(kiosk_for=(elsewhere.terminal, elsewhere.resident_codes[0]))

    end_vote(world, county, end)

    # The half-done ballot (its code in clear and its grades) and the expired session are gone; a staff
    # member stays signed in, and another meeting's voter keeps the ballot they are filling in.
    assert set(Session.objects.values_list("session_key", flat=True)) == {staff, other_meeting}
    assert {half_done, expired}.isdisjoint(Session.objects.values_list("session_key", flat=True))


def contents(meeting) -> dict:
    return {
        ballot.receipt: sorted(
            (grade.cadre_id, grade.criterion_id or 0, grade.grade_id) for grade in ballot.grades.all()
        )
        for ballot in Ballot.objects.filter(meeting=meeting).prefetch_related("grades")
    }


def test_annulling_an_open_vote_shakes_the_box_and_voids_the_unused_codes(world, county):
    for index, code in enumerate(world.resident_codes[:4]):
        world.cast(code, grade=("satisfied", "dissatisfied")[index % 2])
    ids_before = set(Ballot.objects.values_list("id", flat=True))
    codes_before = set(BallotCode.objects.values_list("id", flat=True))
    contents_before = contents(world.meeting)

    end_vote(world, county, "annul")

    assert ids_before.isdisjoint(Ballot.objects.values_list("id", flat=True))
    assert codes_before.isdisjoint(BallotCode.objects.values_list("id", flat=True))
    assert contents(world.meeting) == contents_before  # kept for the record, whole
    codes = BallotCode.objects.filter(meeting=world.meeting)
    assert sorted(codes.values_list("status", flat=True)) == ["used"] * 4 + ["voided"] * 2
    assert set(codes.values_list("holder_key", flat=True)) == {""}  # no code remembers its holder
    details = AuditEntry.objects.get(action="meeting_annul").details
    assert (details["ballots"], details["codes_voided"]) == (4, 2)


def test_the_file_scrub_waits_for_the_commit(world, county, django_capture_on_commit_callbacks):
    world.cast(world.resident_codes[0])
    with django_capture_on_commit_callbacks() as callbacks:
        meeting_services.voting_close(meeting=world.meeting, by=county.operator)
    # VACUUM cannot run inside the transaction that shook the box: it waits for the commit.
    assert [callback.func for callback in callbacks if hasattr(callback, "func")] == [scrub._scrub_and_log]
    # Run inside a transaction (the test's), it reports instead of failing the close that committed.
    scrubbed = scrub.files_scrub()
    assert not scrubbed.done and scrubbed.engine == connection.vendor
    assert scrubbed.problems == ["called inside a transaction"]
