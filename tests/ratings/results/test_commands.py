"""The results' two commands: `close_notices` (run daily from cron) and `verify_results` (the recount)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import QuerySet
from django.utils.translation import override

from meetings.models import Meeting
from ratings.models import Ballot, BallotGrade, ResultSnapshot
from ratings.results import services as results_services
from ratings.results import tally as results
from tests.worlds import certify, published_world, voted_world

pytestmark = pytest.mark.django_db

Status = ResultSnapshot.Status
PENDING = "Some objections still await a ruling."


def run(command: str, *args) -> str:
    out = StringIO()
    with override("en"):
        call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(command: str, *args) -> tuple[str, str]:
    """Run a command that must fail: (what it printed, the error)."""
    out = StringIO()
    with override("en"), pytest.raises(CommandError) as error:
        call_command(command, *args, stdout=out, stderr=StringIO())
    assert error.value.returncode != 0
    return out.getvalue(), str(error.value)


def on(date: datetime.date) -> str:
    return f"--date={date.isoformat()}"


@pytest.fixture
def two_meetings(county):
    """Two meetings under notice: Bostan's with nothing pending, Yulghun's with an objection pending."""
    admin = county.township_admin
    _world, due = published_world(county, ["satisfied"] * 3)
    _other, blocked = published_world(
        county, ["satisfied"] * 3, village=county.neighbour, admin=admin, operator=admin
    )
    results_services.objection_lodge(snapshot=blocked, text="Recount please", sender_address="192.0.2.1")
    return due, blocked


# --- close_notices -----------------------------------------------------------------------------------------


def test_close_notices_finalizes_what_is_due_and_says_why_the_rest_waits(two_meetings):
    due, blocked = two_meetings
    output = run("close_notices", on(due.notice_ends + datetime.timedelta(days=1)))
    assert output.splitlines() == [
        f"Final: meeting {due.meeting_id} (Bostan 2024), results v1.",
        f"Waiting: meeting {blocked.meeting_id} (Yulghun 2024), results v1: {PENDING}",
    ]
    due.refresh_from_db()
    blocked.refresh_from_db()
    assert (due.status, due.meeting.status) == (Status.FINAL, Meeting.Status.FINAL)
    assert (blocked.status, blocked.meeting.status) == (Status.PUBLISHED, Meeting.Status.UNDER_NOTICE)


def test_close_notices_twice_is_harmless(two_meetings):
    due, blocked = two_meetings
    after = on(due.notice_ends + datetime.timedelta(days=1))
    run("close_notices", after)
    finalized_at = ResultSnapshot.objects.get(pk=due.pk).finalized_at
    output = run("close_notices", after)
    assert output.splitlines() == [
        f"Waiting: meeting {blocked.meeting_id} (Yulghun 2024), results v1: {PENDING}"
    ]
    assert ResultSnapshot.objects.get(pk=due.pk).finalized_at == finalized_at


def test_close_notices_beaten_to_it_by_another_run(two_meetings, monkeypatch):
    """Two runs at once: the other one makes the results final between our list and our lock."""
    due, blocked = two_meetings
    finalize = results_services.results_finalize

    def raced(*, snapshot, today=None, by=None):
        finalize(snapshot=snapshot, today=today)  # the other run, a moment earlier
        return finalize(snapshot=snapshot, today=today, by=by)

    monkeypatch.setattr(results_services, "results_finalize", raced)
    output = run("close_notices", on(due.notice_ends + datetime.timedelta(days=1)))
    assert output.splitlines() == [
        f"Already final: meeting {due.meeting_id} (Bostan 2024), results v1.",
        f"Waiting: meeting {blocked.meeting_id} (Yulghun 2024), results v1: {PENDING}",
    ]
    assert ResultSnapshot.objects.get(pk=due.pk).status == Status.FINAL


def test_close_notices_leaves_a_notice_that_has_not_ended(two_meetings):
    due, _blocked = two_meetings
    # Today, and the last day of the notice: nothing has ended yet.
    assert run("close_notices") == "No notice period has ended: nothing to do.\n"
    assert run("close_notices", on(due.notice_ends)) == "No notice period has ended: nothing to do.\n"
    assert set(ResultSnapshot.objects.values_list("status", flat=True)) == {Status.PUBLISHED}


def test_close_notices_reports_an_upheld_objection(county):
    _world, snapshot = published_world(county, ["satisfied"] * 3)
    objection = results_services.objection_lodge(snapshot=snapshot, text="Wrong", sender_address="192.0.2.1")
    results_services.objection_rule(objection=objection, upheld=True, ruling="Yes", by=county.moderator)
    output = run("close_notices", on(snapshot.notice_ends + datetime.timedelta(days=3)))
    assert "Waiting:" in output
    assert "An objection was upheld: recount or annul the meeting." in output


@pytest.mark.parametrize("date", ["2025-13-01", "tomorrow", "1.12.2025", ""])
def test_close_notices_refuses_a_bad_date(db, date):
    _output, error = refused("close_notices", f"--date={date}")
    assert "YYYY-MM-DD" in error


# --- verify_results -----------------------------------------------------------------------------------------


def split(cadre: int, criterion: str) -> str:
    return "satisfied" if cadre == 0 else "basically_satisfied"


@pytest.fixture
def published(county):
    """Ten ballots: six split (cadre 0 satisfied, cadre 1 basically), two don't know, two dissatisfied."""
    return published_world(county, [split] * 6 + ["dont_know"] * 2 + ["dissatisfied"] * 2)


def test_an_untouched_meeting_verifies(published):
    world, snapshot = published
    for args in ((), ("--all",), ("--meeting", str(world.meeting.pk))):
        assert run("verify_results", *args) == (
            f"OK meeting {world.meeting.pk} (Bostan 2024): results v1 (published), 10 ballots, "
            f"sealed with SHA-256 {snapshot.ballots_sha256}\n"
        )


def test_final_results_verify_too(published):
    world, snapshot = published
    results_services.results_finalize(
        snapshot=snapshot, today=snapshot.notice_ends + datetime.timedelta(days=1)
    )
    assert run("verify_results").startswith(
        f"OK meeting {world.meeting.pk} (Bostan 2024): results v1 (final)"
    )


def test_one_changed_grade_is_caught_and_named(published):
    world, _snapshot = published
    cadre, de = world.cadres[1], world.criteria[0]
    line = BallotGrade.objects.filter(
        ballot__meeting=world.meeting, cadre=cadre, criterion=de, grade=world.grades["basically_satisfied"]
    ).first()
    BallotGrade.objects.filter(pk=line.pk).update(grade=world.grades["satisfied"])

    output, error = refused("verify_results")
    meeting = f"meeting {world.meeting.pk} (Bostan 2024)"
    assert meeting in error
    assert f"MISMATCH {meeting}: the ballots on the server have SHA-256 " in output
    assert f"MISMATCH {meeting}: counts.csv recounts to SHA-256 " in output
    # the counts kept at the close, which the published figures came from, still say what was cast
    kept = [line for line in output.splitlines() if "the counts kept at the close say" in line]
    assert [line.split(" say ")[1].split(",")[0].split(" group ")[1] for line in kept] == [
        "villager grade basically_satisfied",
        "villager grade satisfied",
    ]
    # The one count of counts.csv that moved, by its row, and the one it moved to.
    assert (
        f"MISMATCH {meeting}: counts.csv cadre {cadre.pk} criterion de group villager grade "
        "basically_satisfied: published 6, recounted 5"
    ) in output
    assert (
        f"MISMATCH {meeting}: counts.csv cadre {cadre.pk} criterion de group villager grade "
        "satisfied: published 0, recounted 1"
    ) in output
    assert f"MISMATCH {meeting}: cadre {cadre.pk} ({cadre.name}) criterion {de.code}: published " in output
    # The histograms as published and as recounted, so that anyone can see what moved.
    assert "{satisfied: 0, basically_satisfied: 6, dissatisfied: 2}" in output
    assert "{satisfied: 1, basically_satisfied: 5, dissatisfied: 2}" in output
    # Only that criterion of that cadre moved.
    assert "criterion neng" not in output
    assert f"cadre {world.cadres[0].pk} " not in output
    _output, error = refused("verify_results", "--meeting", str(world.meeting.pk))
    assert meeting in error


def test_a_deleted_ballot_is_caught_by_the_count_and_the_digest(published):
    world, _snapshot = published
    Ballot.objects.filter(pk=Ballot.objects.filter(meeting=world.meeting).first().pk).delete()
    output, _error = refused("verify_results")
    meeting = f"meeting {world.meeting.pk} (Bostan 2024)"
    assert f"MISMATCH {meeting}: 9 ballots in the box, 10 published" in output
    assert f"MISMATCH {meeting}: the ballots on the server have SHA-256 " in output
    assert f"MISMATCH {meeting}: receipts.txt recounts to SHA-256 " in output


def test_grades_swapped_between_two_ballots_are_caught_by_the_seal(published):
    """The counts do not change, so no published figure does: the seal of the server's file still moves."""
    world, snapshot = published
    cadre, de = world.cadres[0], world.criteria[0]
    lines = BallotGrade.objects.filter(ballot__meeting=world.meeting, cadre=cadre, criterion=de)
    satisfied = lines.filter(grade=world.grades["satisfied"]).first()
    dissatisfied = lines.filter(grade=world.grades["dissatisfied"]).first()
    BallotGrade.objects.filter(pk=satisfied.pk).update(grade=world.grades["dissatisfied"])
    BallotGrade.objects.filter(pk=dissatisfied.pk).update(grade=world.grades["satisfied"])

    output, _error = refused("verify_results")

    meeting = f"meeting {world.meeting.pk} (Bostan 2024)"
    assert output.splitlines() == [
        f"MISMATCH {meeting}: the ballots on the server have SHA-256 {results.ballots_seal(world.meeting)}, "
        f"the snapshot was sealed with {snapshot.ballots_sha256}"
    ]


def test_a_mismatch_in_one_meeting_does_not_hide_the_others(county, published):
    world, _snapshot = published
    admin = county.township_admin
    other, _ = published_world(
        county, ["satisfied"] * 3, village=county.neighbour, admin=admin, operator=admin
    )
    Ballot.objects.filter(pk=Ballot.objects.filter(meeting=other.meeting).first().pk).delete()
    output, error = refused("verify_results", "--all")
    assert f"OK meeting {world.meeting.pk} (Bostan 2024)" in output
    assert f"MISMATCH meeting {other.meeting.pk} (Yulghun 2024)" in output
    assert error.startswith("1 of 2 published result(s) do not match")
    # The good one alone still verifies.
    assert run("verify_results", "--meeting", str(world.meeting.pk)).startswith("OK ")


def test_a_recount_is_verified_against_the_version_under_notice(published, county):
    world, first = published
    objection = results_services.objection_lodge(snapshot=first, text="Recount", sender_address="192.0.2.1")
    results_services.objection_rule(objection=objection, upheld=True, ruling="Agreed", by=county.moderator)
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    results_services.results_publish(snapshot=draft, by=county.township_admin)
    assert run("verify_results").startswith(f"OK meeting {world.meeting.pk} (Bostan 2024): results v2")


def test_an_unknown_meeting_is_an_error(db):
    _output, error = refused("verify_results", "--meeting", "987654")
    assert error == "There is no meeting with the id 987654."


def test_a_meeting_without_published_results_says_so(county):
    world = voted_world(county, ["satisfied"] * 3)
    results_services.results_compute(meeting=world.meeting, by=county.township_admin)  # a draft only
    _output, error = refused("verify_results", "--meeting", str(world.meeting.pk))
    assert error.startswith(f"Meeting {world.meeting.pk} (Bostan 2024) has no published results")


def test_nothing_published_anywhere_is_not_an_error(db):
    assert run("verify_results") == "No published results to verify.\n"


def test_meeting_and_all_exclude_each_other(published):
    world, _snapshot = published
    with pytest.raises(CommandError):
        call_command("verify_results", "--all", "--meeting", str(world.meeting.pk), stdout=StringIO())


def test_verify_results_only_reads(published):
    _world, snapshot = published
    fields = ("status", "data", "ballots_sha256", "notice_ends", "finalized_at")
    before = ResultSnapshot.objects.values_list(*fields).get(pk=snapshot.pk)
    run("verify_results")
    assert ResultSnapshot.objects.values_list(*fields).get(pk=snapshot.pk) == before


def test_a_snapshot_from_before_counts_csv_still_verifies_and_catches_a_changed_grade(published):
    """Stored as an earlier version wrote it: no format, no counts; it is checked on what it published."""
    world, snapshot = published
    old = {
        key: value
        for key, value in snapshot.data.items()
        if key not in ("format", "disclosure", "counts", "counts_sha256", "receipts_sha256", "codebook")
    }
    QuerySet.update(ResultSnapshot.objects.filter(pk=snapshot.pk), data={**old, "ballots_sha256": "x" * 64})
    assert run("verify_results").startswith(f"OK meeting {world.meeting.pk} (Bostan 2024)")

    line = BallotGrade.objects.filter(
        ballot__meeting=world.meeting, grade=world.grades["dissatisfied"]
    ).first()
    BallotGrade.objects.filter(pk=line.pk).update(grade=world.grades["satisfied"])
    output, _error = refused("verify_results")
    assert "the ballots on the server have SHA-256" in output
    assert f"cadre {line.cadre_id} " in output and " histogram: published " in output
