"""The demo's vote (ratings/demo.py): last year's meeting of each village was voted through the kiosk's
services, counted, published with its honor roll and made final, and recounts to the same results."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from meetings.demo import PANEL_SEATS
from meetings.models import Attendance, Meeting
from portal.audit import verify_chain
from portal.models import AuditEntry, Village
from ratings import demo as ratings_demo
from ratings.models import (
    Ballot,
    BallotCode,
    HonorCandidate,
    HonorNomination,
    PollBookEntry,
    ResultSnapshot,
    Terminal,
    VoterGroup,
)

LAST_YEAR = 2025


@pytest.fixture
def last_year(seeded_once, db) -> list[Meeting]:
    """Last year's meeting of each demo village, in the order of the villages' codes."""
    return list(Meeting.objects.filter(year=LAST_YEAR).select_related("village").order_by("village__code"))


def test_each_village_voted_last_year_with_a_few_hundred_ballots(last_year):
    assert len(last_year) == Village.objects.count() == 3
    for meeting in last_year:
        ballots = Ballot.objects.filter(meeting=meeting)
        present = Attendance.objects.filter(meeting=meeting).count()
        # Two thirds of the roll signed in, each with a code; nearly all of them cast a ballot.
        assert present == meeting.roll_size * 2 // 3
        assert PollBookEntry.objects.filter(meeting=meeting).count() == present
        # Villagers' codes, plus the township panel's printed ones.
        assert BallotCode.objects.filter(meeting=meeting).count() == present + PANEL_SEATS
        panel = ballots.filter(group__kind=VoterGroup.Kind.TOWNSHIP_PANEL).count()
        assert panel == PANEL_SEATS
        assert 200 <= ballots.count() - panel <= 280
        assert present - 15 <= ballots.count() - panel <= present
        assert (
            BallotCode.objects.filter(meeting=meeting, status=BallotCode.Status.USED).count()
            == ballots.count()
        )
        assert set(ballots.values_list("cast_on", flat=True)) == {datetime.date(LAST_YEAR, 12, 12)}
        # The terminals were disarmed after the vote.
        assert Terminal.objects.filter(meeting=meeting).count() == 2
        assert not Terminal.objects.filter(meeting=meeting, disarmed_at__isnull=True).exists()


def test_each_village_has_final_results_of_its_ballots(last_year):
    for meeting in last_year:
        assert meeting.status == Meeting.Status.FINAL
        snapshot = ResultSnapshot.objects.get(meeting=meeting)
        assert (snapshot.status, snapshot.version) == (ResultSnapshot.Status.FINAL, 1)
        assert snapshot.ballots == Ballot.objects.filter(meeting=meeting).count()
        assert snapshot.finalized_at is not None and snapshot.notice_ends is not None
        turnout = snapshot.data["turnout"]
        assert turnout["quorum_met"] and turnout["ballots"] == snapshot.ballots
        cadres = snapshot.data["cadres"]
        assert len(cadres) == meeting.cadres.count()
        assert all(cadre["verdict"] and cadre["rank"] for cadre in cadres)
        assert sorted(cadre["rank"] for cadre in cadres)[0] == 1
        # Everyone graded every cadre: some "don't know", most satisfied.
        overall = [cadre["overall"] for cadre in cadres]
        assert all(figures["abstained"] > 0 for figures in overall)
        assert all(figures["histogram"]["dissatisfied"] > 0 for figures in overall)
        assert all(figures["satisfaction"] > 0.75 for figures in overall)


def test_one_cadre_is_clearly_weaker_so_the_verdicts_differ(last_year):
    verdicts = {
        (meeting.village.code, cadre["name"]): cadre["verdict"]
        for meeting in last_year
        for cadre in ResultSnapshot.objects.get(meeting=meeting).data["cadres"]
    }
    weaker = {place for place, verdict in verdicts.items() if verdict != "excellent"}
    assert weaker == ratings_demo.CRITICIZED
    assert verdicts[next(iter(ratings_demo.CRITICIZED))] == "competent"
    assert not any(verdict == "incompetent" for verdict in verdicts.values())


def test_each_village_has_an_honor_roll_with_awards(last_year):
    for meeting in last_year:
        roll = ResultSnapshot.objects.get(meeting=meeting).data["honor_roll"]
        assert ratings_demo.HONOR_ROLL_SIZE <= len(roll) <= ratings_demo.HONOR_ROLL_SIZE + 2
        assert all(row["award"] and row["award_amount"] in {"500.00", "1000.00"} for row in roll)
        assert [row["rank"] for row in roll] == sorted(row["rank"] for row in roll)
        assert roll[0]["votes"] >= 20
        # Two households put forward by the committees, both accepted with their reasons.
        assert HonorNomination.objects.filter(meeting=meeting).count() == 2
        assert sum(bool(row["committee_reason"]) for row in roll) == 2
        candidates = HonorCandidate.objects.of_meeting(meeting)
        assert not candidates.pending().exists()
        declined = candidates.filter(status=HonorCandidate.Status.DECLINED)
        assert declined.exists()
        assert not declined.filter(review_note="").exists()


def test_the_results_recount_to_what_was_published(last_year):
    out = StringIO()
    call_command("verify_results", "--all", stdout=out)  # raises CommandError on any mismatch
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"OK meeting {meeting.pk} ({meeting.village.name} {LAST_YEAR})" for meeting in last_year
    ]


def test_the_vote_is_in_the_audit_log_and_the_chain_holds(last_year):
    assert verify_chain().intact
    issued = AuditEntry.objects.filter(action="code_issue").count()
    assert issued == PollBookEntry.objects.count()
    finalized = AuditEntry.objects.filter(action="results_finalize")
    assert finalized.count() == 3
    assert set(finalized.values_list("actor_name", flat=True)) == {"system"}
    assert set(AuditEntry.objects.filter(action="results_publish").values_list("actor_name", flat=True)) == {
        "township-admin"
    }


def test_seeding_again_casts_nothing_more(last_year):
    before = (Ballot.objects.count(), ResultSnapshot.objects.count(), AuditEntry.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Ballot.objects.count(), ResultSnapshot.objects.count(), AuditEntry.objects.count()) == before


def test_the_demos_open_data_recounts_with_the_standalone_recount(last_year):
    from ratings.recount import recount
    from ratings.results import display, opendata
    from ratings.results import tally as results

    for meeting in last_year:
        snapshot = ResultSnapshot.objects.get(meeting=meeting)
        counts = opendata.published_counts_csv(snapshot.data)
        published = display.public_document(snapshot.data)
        assert recount(counts, published, results.receipts_file(meeting)) == []


def test_the_demo_holds_a_household_decided_last_year_and_one_on_this_years_agenda(client, seeded_once, db):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from meetings.demo import TOUR_VILLAGE
    from ratings.evaluations import register
    from ratings.models import HouseholdProposal, HouseholdStatusChange

    village = Village.objects.get(code=TOUR_VILLAGE)
    decided = HouseholdProposal.objects.get(meeting__year=LAST_YEAR)
    assert decided.village == village
    assert decided.status == HouseholdProposal.Status.COUNTY_APPROVED
    assert decided.decided_on.year == LAST_YEAR and decided.decided_on <= decided.decision_due
    assert decided.ballots == decided.meeting.ballots.count() and decided.passed
    assert decided.confirmed_at is not None
    steps = HouseholdStatusChange.objects.filter(proposal=decided)
    assert {step.at.year for step in steps} == {LAST_YEAR}
    assert register.monitoring_of(decided.household).since == decided.decided_on
    pending = HouseholdProposal.objects.get(meeting__year=2026)
    assert (pending.household, pending.kind, pending.status) == (
        decided.household,
        HouseholdProposal.Kind.MONITORING_EXIT,
        HouseholdProposal.Status.APPROVED,
    )
    client.force_login(get_user_model().objects.get(username="county"))
    page = client.get(reverse("ratings:household-register-township", args=[village.township.code]))
    assert decided.head_name in page.content.decode()
