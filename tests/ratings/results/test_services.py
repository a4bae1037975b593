"""The results services (ratings.results.services): compute → review → publish, the public notice,
objections, the honor roll, recounts and annulment; who may do each, and what the log keeps.

The worlds are voted through the kiosk's own service (tests/worlds.py). Dates of the
notice are handed to `results_finalize(today=…)` as the daily command does; the notice period starts
on the real today.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import override

from meetings import services as meeting_services
from meetings.models import Meeting
from portal.audit import verify_chain
from portal.models import AuditEntry, Role
from portal.ratelimit import RateLimited, sender_key
from portal.services.roles import role_grant
from ratings import aggregation
from ratings.models import BallotGrade, HonorCandidate, HonorNomination, Objection, ResultSnapshot
from ratings.results import opendata, verify
from ratings.results import services as results_services
from ratings.results import tally as results
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory
from tests.worlds import certify, published_world, vote_again, voted_world

pytestmark = pytest.mark.django_db

Status = ResultSnapshot.Status
TODAY = timezone.localdate
ADDRESS = "192.0.2.10"


def day(days: int) -> datetime.timedelta:
    return datetime.timedelta(days=days)


def message(error: ValidationError) -> str:
    return " ".join(error.messages)


def lodge(snapshot, text="The count of cadre 1 looks wrong.", address=ADDRESS, **fields):
    return results_services.objection_lodge(snapshot=snapshot, text=text, sender_address=address, **fields)


def refreshed(obj):
    obj.refresh_from_db()
    return obj


def accepted_candidate(county, **review) -> tuple:
    """A closed vote whose one nominated household the moderator collected and accepted."""
    world = voted_world(county, ["satisfied"] * 3, nominations=[[0]])
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    candidate = HonorCandidate.objects.get(meeting=world.meeting)
    results_services.honor_candidate_review(candidate=candidate, accept=True, by=county.moderator, **review)
    return world, candidate


@pytest.fixture
def neighbour_moderator(county):
    user = UserFactory(username="moderator2")
    role_grant(user=user, role=Role.VILLAGE_MODERATOR, village=county.neighbour, by=county.superuser)
    return user


@pytest.fixture
def voted(county):
    """Five ballots, all satisfied, voting closed; nothing computed yet."""
    return voted_world(county, ["satisfied"] * 5)


@pytest.fixture
def published(county):
    """Five ballots published under notice: (world, snapshot)."""
    return published_world(county, ["satisfied"] * 5)


# --- who may do what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "operator", "cadre", "nobody"])
def test_only_the_township_admin_computes_the_results(voted, county, who):
    with pytest.raises(PermissionDenied):
        results_services.results_compute(meeting=voted.meeting, by=getattr(county, who))
    assert not ResultSnapshot.objects.exists()
    assert results_services.results_compute(meeting=voted.meeting, by=county.township_admin).version == 1


@pytest.mark.parametrize("who", ["moderator", "operator", "cadre"])
def test_only_the_township_admin_publishes_the_results(voted, county, who):
    draft = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    with pytest.raises(PermissionDenied):
        results_services.results_publish(snapshot=draft, by=getattr(county, who))
    assert refreshed(draft).status == Status.DRAFT
    assert refreshed(voted.meeting).status == Meeting.Status.VOTING_CLOSED
    certify(draft.meeting, by=county.township_admin)
    results_services.results_publish(snapshot=draft, by=county.township_admin)
    assert refreshed(voted.meeting).status == Meeting.Status.UNDER_NOTICE


def test_only_the_township_admin_finalizes_by_hand(published, county):
    _world, snapshot = published
    later = snapshot.notice_ends + day(1)
    for who in (county.moderator, county.operator):
        with pytest.raises(PermissionDenied):
            results_services.results_finalize(snapshot=snapshot, today=later, by=who)
    results_services.results_finalize(snapshot=snapshot, today=later, by=county.township_admin)
    assert refreshed(snapshot).status == Status.FINAL


def test_moderators_rule_on_objections_and_review_the_honor_roll(county):
    world = voted_world(county, ["satisfied"] * 3, nominations=[[0], [0, 1]])
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    for candidate in HonorCandidate.objects.of_meeting(world.meeting):
        results_services.honor_candidate_review(
            candidate=candidate, accept=True, award="Certificate", by=county.moderator
        )
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    snapshot = results_services.results_publish(snapshot=draft, by=county.township_admin)
    objection = results_services.objection_rule(
        objection=lodge(snapshot), upheld=False, ruling="The tally was checked twice.", by=county.moderator
    )
    assert objection.status == Objection.Status.REJECTED
    assert objection.ruled_by == county.moderator


def test_an_operator_neither_reviews_the_honor_roll_nor_rules(county, published):
    world, snapshot = published
    with pytest.raises(PermissionDenied):
        results_services.honor_nominate(
            meeting=world.meeting, household=world.households[0], reason="Diligent", by=county.operator
        )
    with pytest.raises(PermissionDenied):
        results_services.objection_rule(
            objection=lodge(snapshot), upheld=True, ruling="Yes", by=county.operator
        )


def test_a_neighbour_villages_moderator_may_do_nothing_here(county, neighbour_moderator):
    world = voted_world(county, ["satisfied"] * 3, nominations=[[0]])
    meeting, moderator = world.meeting, neighbour_moderator
    with pytest.raises(PermissionDenied):
        results_services.honor_nominate(
            meeting=meeting, household=world.households[1], reason="Diligent", by=moderator
        )
    with pytest.raises(PermissionDenied):
        results_services.honor_candidates_collect(meeting=meeting, by=moderator)
    results_services.honor_candidates_collect(meeting=meeting, by=county.moderator)
    candidate = HonorCandidate.objects.get(meeting=meeting)
    with pytest.raises(PermissionDenied):
        results_services.honor_candidate_review(candidate=candidate, accept=True, by=moderator)
    results_services.honor_candidate_review(candidate=candidate, accept=True, by=county.moderator)
    draft = results_services.results_compute(meeting=meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    snapshot = results_services.results_publish(snapshot=draft, by=county.township_admin)
    objection = lodge(snapshot)
    with pytest.raises(PermissionDenied):
        results_services.objection_rule(objection=objection, upheld=True, ruling="Agreed", by=moderator)
    assert refreshed(objection).status == Objection.Status.PENDING
    assert refreshed(candidate).reviewed_by == county.moderator


# --- compute and publish --------------------------------------------------------------------------------


def test_results_wait_for_the_vote_to_close(county):
    world = voted_world(county, ["satisfied"] * 2)
    open_meeting = Meeting.objects.filter(pk=world.meeting.pk)
    open_meeting.update(status=Meeting.Status.VOTING_OPEN)
    with override("en"), pytest.raises(ValidationError, match="only after voting has closed"):
        results_services.results_compute(meeting=open_meeting.get(), by=county.township_admin)
    assert not ResultSnapshot.objects.exists()


def test_computing_again_replaces_the_draft(voted, county):
    first = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    second = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    # The draft's number goes on: the log never shows two different drafts under one version.
    assert list(ResultSnapshot.objects.values_list("pk", "status", "version")) == [
        (second.pk, Status.DRAFT, 2)
    ]
    assert not ResultSnapshot.objects.filter(pk=first.pk).exists()
    assert (second.ballots, second.data["ballots"]) == (5, 5)
    assert second.ballots_sha256 == results.ballots_seal(voted.meeting)
    assert "ballots_sha256" not in second.data  # the seal is the server's, not published
    assert second.computed_by == county.township_admin


def test_publishing_puts_the_meeting_under_notice_for_the_notice_period(voted, county):
    draft = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    snapshot = results_services.results_publish(snapshot=draft, by=county.township_admin)
    meeting = refreshed(voted.meeting)
    assert meeting.status == Meeting.Status.UNDER_NOTICE
    assert snapshot.status == Status.PUBLISHED
    assert snapshot.notice_ends == TODAY() + day(settings.RESULTS_NOTICE_DAYS) == TODAY() + day(7)
    assert snapshot.published_at is not None
    assert results_services.live_snapshot(meeting) == snapshot


def test_the_notice_period_can_be_chosen_within_bounds(voted, county, settings):
    draft = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    for days in (0, results_services.MAX_NOTICE_DAYS + 1):
        certify(draft.meeting, by=county.township_admin)
        with override("en"), pytest.raises(ValidationError, match="between 1 and 30 days"):
            results_services.results_publish(snapshot=draft, by=county.township_admin, days=days)
    settings.RESULTS_NOTICE_DAYS = 10
    certify(draft.meeting, by=county.township_admin)
    snapshot = results_services.results_publish(snapshot=draft, by=county.township_admin)
    assert snapshot.notice_ends == TODAY() + day(10)


def test_only_a_draft_is_published(published, county):
    _world, snapshot = published
    certify(snapshot.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError, match="Only a draft"):
        results_services.results_publish(snapshot=snapshot, by=county.township_admin)


def test_below_quorum_nothing_is_published(county):
    # Four more villagers on the roll who never come: 3 present of 7, and 4 are needed.
    household = HouseholdFactory(village=county.village)
    for _ in range(4):
        ResidentFactory(household=household)
    world = voted_world(county, ["satisfied"] * 3)
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    assert draft.data["turnout"] == {
        "ballots": 3,
        "codes_used": 3,
        "present": 3,
        "roll": 7,
        "quorum_required": 4,
        "quorum_met": False,
        "by_group": {"villager": 3},
        "rate": round(3 / 7, 4),
    }
    certify(draft.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError) as refused:
        results_services.results_publish(snapshot=draft, by=county.township_admin)
    assert message(refused.value) == ("Below quorum (3 present, 4 needed): the results cannot be published.")
    assert refreshed(draft).status == Status.DRAFT
    assert refreshed(draft).notice_ends is None
    assert refreshed(world.meeting).status == Meeting.Status.VOTING_CLOSED
    assert not AuditEntry.objects.filter(action="results_publish").exists()


def test_exactly_at_quorum_publishes(county):
    # 4 of 7 present: more than half.
    household = HouseholdFactory(village=county.village)
    for _ in range(3):
        ResidentFactory(household=household)
    world = voted_world(county, ["satisfied"] * 4)
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    assert (
        results_services.results_publish(snapshot=draft, by=county.township_admin).status == Status.PUBLISHED
    )


def test_pending_honor_candidates_block_publishing(county):
    world = voted_world(county, ["satisfied"] * 3, nominations=[[0], [1]])
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    first, second = HonorCandidate.objects.of_meeting(world.meeting).order_by("household__number")
    results_services.honor_candidate_review(candidate=first, accept=True, by=county.moderator)
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError, match="still await review"):
        results_services.results_publish(snapshot=draft, by=county.township_admin)
    # Reviewing the last one changes nothing of the accepted roll: the draft stands.
    results_services.honor_candidate_review(
        candidate=second, accept=False, note="Few votes", by=county.moderator
    )
    certify(draft.meeting, by=county.township_admin)
    assert (
        results_services.results_publish(snapshot=draft, by=county.township_admin).status == Status.PUBLISHED
    )


def test_a_committee_nomination_not_yet_collected_blocks_publishing(county):
    world, candidate = accepted_candidate(county)
    results_services.honor_nominate(
        meeting=world.meeting, household=world.households[2], reason="Paid off a loan", by=county.moderator
    )
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError, match="collect the nominations again"):
        results_services.results_publish(snapshot=draft, by=county.township_admin)


def test_a_ballot_changed_after_computing_blocks_publishing(voted, county):
    draft = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    line = BallotGrade.objects.filter(ballot__meeting=voted.meeting).first()
    BallotGrade.objects.filter(pk=line.pk).update(grade=voted.grades["dissatisfied"])
    certify(draft.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError, match="changed after the results were computed"):
        results_services.results_publish(snapshot=draft, by=county.township_admin)
    assert refreshed(draft).status == Status.DRAFT
    fresh = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    assert fresh.ballots_sha256 != draft.ballots_sha256
    certify(fresh.meeting, by=county.township_admin)
    assert (
        results_services.results_publish(snapshot=fresh, by=county.township_admin).status == Status.PUBLISHED
    )


def test_an_honor_roll_changed_after_computing_blocks_publishing(county):
    world, candidate = accepted_candidate(county, award="Plaque")
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    results_services.honor_candidate_review(
        candidate=candidate, accept=True, award="Plaque", award_amount=Decimal(500), by=county.moderator
    )
    certify(draft.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError, match="changed after the results were computed"):
        results_services.results_publish(snapshot=draft, by=county.township_admin)


# --- the notice and the end of it --------------------------------------------------------------------


def test_finalizing_waits_for_the_end_of_the_notice(published, county):
    world, snapshot = published
    with override("en"):
        assert results_services.finalize_blockers(snapshot, snapshot.notice_ends) == [
            f"The notice period runs until {snapshot.notice_ends.isoformat()}."
        ]
        with pytest.raises(ValidationError, match="runs until"):
            results_services.results_finalize(snapshot=snapshot, today=snapshot.notice_ends)
    assert refreshed(snapshot).status == Status.PUBLISHED
    assert refreshed(world.meeting).status == Meeting.Status.UNDER_NOTICE

    final = results_services.results_finalize(snapshot=snapshot, today=snapshot.notice_ends + day(1))
    assert final.status == Status.FINAL
    assert final.finalized_at is not None
    assert refreshed(world.meeting).status == Meeting.Status.FINAL
    with override("en"), pytest.raises(ValidationError, match="not under public notice"):
        results_services.results_finalize(snapshot=snapshot, today=snapshot.notice_ends + day(2))


def test_a_pending_objection_blocks_finalizing(published, county):
    _world, snapshot = published
    objection = lodge(snapshot)
    later = snapshot.notice_ends + day(1)
    with override("en"):
        assert results_services.finalize_blockers(snapshot, later) == [
            "Some objections still await a ruling."
        ]
        with pytest.raises(ValidationError):
            results_services.results_finalize(snapshot=snapshot, today=later)
    results_services.objection_rule(
        objection=objection, upheld=False, ruling="The count is right.", by=county.moderator
    )
    assert results_services.results_finalize(snapshot=snapshot, today=later).status == Status.FINAL


def test_an_upheld_objection_blocks_finalizing(published, county):
    _world, snapshot = published
    results_services.objection_rule(
        objection=lodge(snapshot), upheld=True, ruling="One ballot was misread.", by=county.moderator
    )
    with override("en"), pytest.raises(ValidationError) as refused:
        results_services.results_finalize(snapshot=snapshot, today=snapshot.notice_ends + day(1))
    assert message(refused.value) == "An objection was upheld: recount or annul the meeting."
    assert refreshed(snapshot).status == Status.PUBLISHED


def test_no_recount_without_an_upheld_objection(published, county):
    world, snapshot = published
    assert not results_services.may_recount(world.meeting)
    lodge(snapshot)  # pending is not enough
    with override("en"), pytest.raises(ValidationError, match="recount after an objection was upheld"):
        results_services.results_compute(meeting=world.meeting, by=county.township_admin)


def test_a_recount_after_an_upheld_objection_supersedes_and_restarts_the_notice(published, county):
    world, first = published
    results_services.objection_rule(
        objection=lodge(first), upheld=True, ruling="Recount the box.", by=county.moderator
    )
    assert results_services.may_recount(refreshed(world.meeting))
    recount = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    assert (recount.version, recount.status) == (2, Status.DRAFT)
    # Until the recount is published, the first version stays the one under notice.
    assert results_services.live_snapshot(world.meeting) == first

    certify(recount.meeting, by=county.township_admin)
    second = results_services.results_publish(snapshot=recount, by=county.township_admin, days=5)
    assert refreshed(first).status == Status.SUPERSEDED
    assert (second.status, second.notice_ends) == (Status.PUBLISHED, TODAY() + day(5))
    assert refreshed(world.meeting).status == Meeting.Status.UNDER_NOTICE
    publications = AuditEntry.objects.filter(action="results_publish").order_by("seq")
    assert [entry.details["supersedes"] for entry in publications] == [[], [1]]
    # The old version's objections are settled; the new notice runs on its own.
    assert results_services.finalize_blockers(second, second.notice_ends + day(1)) == []
    results_services.results_finalize(snapshot=second, today=second.notice_ends + day(1))
    assert refreshed(world.meeting).status == Meeting.Status.FINAL
    assert refreshed(first).status == Status.SUPERSEDED


def test_annulling_the_meeting_withdraws_its_results(published, county):
    world, snapshot = published
    results_services.objection_rule(
        objection=lodge(snapshot), upheld=True, ruling="Codes were handed out twice.", by=county.moderator
    )
    results_services.results_compute(meeting=world.meeting, by=county.township_admin)  # a recount's draft
    meeting_services.meeting_annul(
        meeting=world.meeting, reason="Codes handed out twice", by=county.township_admin
    )
    assert set(ResultSnapshot.objects.values_list("status", flat=True)) == {Status.WITHDRAWN}
    assert results_services.live_snapshot(world.meeting) is None
    assert AuditEntry.objects.get(action="results_withdraw").details == {"snapshots": 2}
    with override("en"), pytest.raises(ValidationError, match="not under public notice"):
        results_services.results_finalize(snapshot=snapshot, today=snapshot.notice_ends + day(1))


def test_notices_close_finalizes_what_is_due_and_reports_the_rest(county):
    admin = county.township_admin
    _world, due = published_world(county, ["satisfied"] * 3)
    _other, blocked = published_world(
        county, ["satisfied"] * 3, village=county.neighbour, admin=admin, operator=admin
    )
    lodge(blocked)
    with override("en"):
        finalized, waiting = results_services.notices_close(today=TODAY() + day(8))
    assert finalized == [due]
    assert waiting == [(blocked, ["Some objections still await a ruling."])]
    assert results_services.notices_close(today=TODAY() + day(7)) == ([], [])


# --- objections -------------------------------------------------------------------------------------------


def test_an_objection_is_lodged_pending_without_an_account(published):
    _world, snapshot = published
    objection = lodge(
        snapshot,
        text="  Household 3 was nominated by the committee without a reason.  ",
        subject=Objection.Subject.HONOR_ROLL,
        name="Aygul",
        contact="138 0000 0000",
    )
    assert (objection.status, objection.subject, objection.text) == (
        Objection.Status.PENDING,
        Objection.Subject.HONOR_ROLL,
        "Household 3 was nominated by the committee without a reason.",
    )
    assert objection.sender_key == sender_key(ADDRESS) != ADDRESS
    assert ADDRESS not in objection.sender_key


def test_objections_only_while_the_results_are_under_notice(voted, county):
    draft = results_services.results_compute(meeting=voted.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError, match="notice period is over"):
        lodge(draft)
    certify(draft.meeting, by=county.township_admin)
    snapshot = results_services.results_publish(snapshot=draft, by=county.township_admin)
    # The last day of the notice still takes objections; the day after does not.
    ResultSnapshot.objects.filter(pk=snapshot.pk).update(notice_ends=TODAY())
    lodge(snapshot)
    ResultSnapshot.objects.filter(pk=snapshot.pk).update(notice_ends=TODAY() - day(1))
    with override("en"), pytest.raises(ValidationError, match="notice period is over"):
        lodge(snapshot)
    assert Objection.objects.count() == 1


def test_no_objection_to_final_results(published):
    _world, snapshot = published
    results_services.results_finalize(snapshot=snapshot, today=snapshot.notice_ends + day(1))
    ResultSnapshot.objects.filter(pk=snapshot.pk).update(notice_ends=TODAY() + day(3))
    with pytest.raises(ValidationError):
        lodge(snapshot)


def test_three_objections_an_hour_per_browser_and_more_per_address(published, settings):
    _world, snapshot = published
    for number in range(3):
        lodge(snapshot, text=f"From one browser {number}", sender_browser="b" * 32)
    with override("en"), pytest.raises(RateLimited, match="Too many objections"):
        lodge(snapshot, text="A fourth one", sender_browser="b" * 32)
    lodge(snapshot, text="Another villager at the same address", sender_browser="c" * 32)
    assert Objection.objects.count() == 4


def test_the_address_cap_holds_whatever_the_browser(published, settings):
    settings.OBJECTIONS_PER_ADDRESS_PER_HOUR = 3
    _world, snapshot = published
    for number in range(3):
        lodge(snapshot, text=f"Objection {number}")
    with override("en"), pytest.raises(RateLimited, match="Too many objections"):
        lodge(snapshot, text="A fourth one")
    assert Objection.objects.count() == 3
    lodge(snapshot, text="From another connection", address="198.51.100.7")
    # An hour later the address may object again.
    Objection.objects.update(lodged_at=timezone.now() - datetime.timedelta(hours=1, seconds=1))
    lodge(snapshot, text="The next hour")
    assert Objection.objects.count() == 5


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": ""}, "Write what you object to."),
        ({"text": "   \n "}, "Write what you object to."),
        ({"text": "x" * 2001}, "The objection is too long (at most 2000 characters)."),
        ({"subject": "the weather"}, "Choose what the objection is about."),
        ({"name": "n" * 51}, "The name or the contact is too long."),
        ({"contact": "c" * 101}, "The name or the contact is too long."),
    ],
)
def test_an_objection_must_say_something_and_not_too_much(published, fields, expected):
    _world, snapshot = published
    with override("en"), pytest.raises(ValidationError) as refused:
        lodge(snapshot, **fields)
    assert message(refused.value) == expected
    assert not Objection.objects.exists()
    lodge(snapshot, text="x" * 2000)


def test_a_ruling_needs_a_reason_and_is_made_once(published, county):
    _world, snapshot = published
    objection = lodge(snapshot)
    for ruling in ("", "   ", "r" * 1001):
        with pytest.raises(ValidationError):
            results_services.objection_rule(
                objection=objection, upheld=False, ruling=ruling, by=county.moderator
            )
    assert refreshed(objection).status == Objection.Status.PENDING
    ruled = results_services.objection_rule(
        objection=objection,
        upheld=False,
        ruling=" Checked: correct. ",
        withhold_text=True,
        by=county.moderator,
    )
    assert (ruled.status, ruled.ruling, ruled.text_withheld) == (
        Objection.Status.REJECTED,
        "Checked: correct.",
        True,
    )
    assert ruled.ruled_at is not None
    with override("en"), pytest.raises(ValidationError, match="already been ruled on"):
        results_services.objection_rule(
            objection=objection, upheld=True, ruling="Changed my mind", by=county.moderator
        )
    assert refreshed(objection).status == Objection.Status.REJECTED


def test_a_recount_is_published_only_once_every_objection_is_ruled(published, county):
    world, first = published
    upheld, late = lodge(first), lodge(first, text="Another objection")
    results_services.objection_rule(objection=upheld, upheld=True, ruling="Recount.", by=county.moderator)
    recount = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(recount.meeting, by=county.township_admin)
    with override("en"), pytest.raises(ValidationError, match="Rule on every objection"):
        results_services.results_publish(snapshot=recount, by=county.township_admin)
    assert refreshed(first).status == Status.PUBLISHED
    results_services.objection_rule(
        objection=late, upheld=False, ruling="Covered by the recount.", by=county.moderator
    )
    certify(recount.meeting, by=county.township_admin)
    assert results_services.results_publish(snapshot=recount, by=county.township_admin).version == 2


def test_an_objection_to_withdrawn_results_still_gets_its_ruling(published, county):
    world, snapshot = published
    objection = lodge(snapshot)
    meeting_services.meeting_annul(meeting=world.meeting, reason="Irregular count", by=county.township_admin)
    ruled = results_services.objection_rule(
        objection=objection, upheld=True, ruling="The meeting was annulled.", by=county.moderator
    )
    assert ruled.status == Objection.Status.UPHELD
    with override("en"), pytest.raises(ValidationError, match="notice period is over"):
        lodge(snapshot, text="And another")


# --- the honor roll ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rounds", [1, 5])
def test_collect_counts_ballot_nominations_with_one_group_by(county, django_assert_num_queries, rounds):
    pattern = [[0, 1], [0], [0, 2], [1], [0], []]
    world = voted_world(county, ["satisfied"] * 6 * rounds, nominations=pattern * rounds, households=4)
    meeting = world.meeting
    # The permission, the locked meeting, the GROUP BY of the ballots' nominations, the committees'
    # reasons, the candidates already there, one INSERT per candidate (3 here), the audit entry (chain
    # head, entry, head update), the count returned: 12; and a savepoint and its release around the
    # service's transaction and around the audit's: 16, for 6 ballots or 30.
    with django_assert_num_queries(16) as captured:
        assert results_services.honor_candidates_collect(meeting=meeting, by=county.moderator) == 3
    reads_of_ballots = [
        query["sql"] for query in captured.captured_queries if "ratings_ballotnomination" in query["sql"]
    ]
    assert len(reads_of_ballots) == 1
    assert "GROUP BY" in reads_of_ballots[0]
    votes = dict(HonorCandidate.objects.of_meeting(meeting).values_list("household__number", "votes"))
    numbers = [household.number for household in world.households]
    assert votes == {numbers[0]: 4 * rounds, numbers[1]: 2 * rounds, numbers[2]: 1 * rounds}


def test_collect_merges_the_committees_nominations_and_keeps_reviews(county):
    world = voted_world(county, ["satisfied"] * 3, nominations=[[0], [0, 1], []])
    meeting, homes = world.meeting, world.households
    results_services.honor_nominate(
        meeting=meeting,
        household=homes[0],
        reason="  Greenhouse vegetables, doubled income ",
        by=county.moderator,
    )
    results_services.honor_nominate(
        meeting=meeting, household=homes[3], reason="Paid off a loan", by=county.moderator
    )
    assert results_services.honor_candidates_collect(meeting=meeting, by=county.moderator) == 3
    rows = {
        candidate.household_id: (candidate.votes, candidate.committee_reason, candidate.status)
        for candidate in HonorCandidate.objects.of_meeting(meeting)
    }
    assert rows == {
        homes[0].pk: (2, "Greenhouse vegetables, doubled income", HonorCandidate.Status.PENDING),
        homes[1].pk: (1, "", HonorCandidate.Status.PENDING),
        homes[3].pk: (0, "Paid off a loan", HonorCandidate.Status.PENDING),
    }
    accepted = HonorCandidate.objects.get(meeting=meeting, household=homes[0])
    results_services.honor_candidate_review(
        candidate=accepted, accept=True, award="Plaque", by=county.moderator
    )
    results_services.honor_candidates_collect(meeting=meeting, by=county.moderator)
    assert refreshed(accepted).status == HonorCandidate.Status.ACCEPTED
    assert HonorCandidate.objects.of_meeting(meeting).count() == 3


def test_the_committees_put_households_forward_with_a_reason(county):
    world = voted_world(county, ["satisfied"] * 2)
    meeting, home = world.meeting, world.households[0]
    with override("en"):
        with pytest.raises(ValidationError, match="Give the reason"):
            results_services.honor_nominate(meeting=meeting, household=home, reason="  ", by=county.moderator)
        with pytest.raises(ValidationError, match="too long"):
            results_services.honor_nominate(
                meeting=meeting, household=home, reason="r" * 1001, by=county.moderator
            )
        with pytest.raises(ValidationError, match="not on the village's roll"):
            results_services.honor_nominate(
                meeting=meeting, household=world.foreign_household, reason="Diligent", by=county.moderator
            )
        nomination = results_services.honor_nominate(
            meeting=meeting, household=home, reason="Diligent", by=county.moderator
        )
        with pytest.raises(ValidationError, match="already been put forward"):
            results_services.honor_nominate(
                meeting=meeting, household=home, reason="Again", by=county.moderator
            )
    assert nomination.nominated_by == county.moderator
    assert AuditEntry.objects.get(action="honor_nominate").details == {"household": home.pk}


def test_no_committee_nomination_once_the_results_are_published(published, county):
    world, _snapshot = published
    with override("en"), pytest.raises(ValidationError, match="only until the results are published"):
        results_services.honor_nominate(
            meeting=world.meeting, household=world.households[0], reason="Diligent", by=county.moderator
        )
    assert not HonorNomination.objects.exists()


def test_review_accepts_with_an_award_or_declines_with_a_note(county):
    world = voted_world(county, ["satisfied"] * 2, nominations=[[0, 1]])
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    first, second = HonorCandidate.objects.of_meeting(world.meeting).order_by("household__number")
    accepted = results_services.honor_candidate_review(
        candidate=first, accept=True, award=" 光荣牌 ", award_amount=Decimal("1000"), by=county.moderator
    )
    assert (accepted.status, accepted.award, accepted.award_amount) == (
        HonorCandidate.Status.ACCEPTED,
        "光荣牌",
        Decimal("1000"),
    )
    assert (accepted.reviewed_by, accepted.reviewed_at is not None) == (county.moderator, True)
    with override("en"), pytest.raises(ValidationError, match="Say why"):
        results_services.honor_candidate_review(candidate=second, accept=False, by=county.moderator)
    declined = results_services.honor_candidate_review(
        candidate=second, accept=False, note="Too few votes", award="ignored", by=county.moderator
    )
    assert (declined.status, declined.review_note, declined.award, declined.award_amount) == (
        HonorCandidate.Status.DECLINED,
        "Too few votes",
        "",
        None,
    )
    # Until the results are published a review may change: an accepted household declined after all.
    results_services.honor_candidate_review(
        candidate=first, accept=False, note="Moved away", by=county.moderator
    )
    assert refreshed(first).award_amount is None


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("-0.01"), Decimal(results_services.MAX_AWARD + 1)])
def test_an_award_amount_out_of_bounds_is_refused(county, amount):
    world = voted_world(county, ["satisfied"] * 2, nominations=[[0]])
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    candidate = HonorCandidate.objects.get(meeting=world.meeting)
    with override("en"), pytest.raises(ValidationError, match="award amount must be between 0 and"):
        results_services.honor_candidate_review(
            candidate=candidate, accept=True, award="Cash", award_amount=amount, by=county.moderator
        )
    assert refreshed(candidate).status == HonorCandidate.Status.PENDING


def test_the_published_honor_roll_holds_the_accepted_households_in_rank_order(county):
    # Five ballots: k of them, so that the nominations may be counted in public.
    world = voted_world(county, ["satisfied"] * 5, nominations=[[0, 1], [1], [1, 2], [0]], households=4)
    meeting, homes = world.meeting, world.households
    results_services.honor_nominate(
        meeting=meeting, household=homes[3], reason="Paid off a loan", by=county.moderator
    )
    results_services.honor_candidates_collect(meeting=meeting, by=county.moderator)
    for candidate in HonorCandidate.objects.of_meeting(meeting):
        accept = candidate.household != homes[2]
        results_services.honor_candidate_review(
            candidate=candidate,
            accept=accept,
            note="" if accept else "One vote",
            award="Certificate" if accept else "",
            award_amount=Decimal("500") if accept else None,
            by=county.moderator,
        )
    draft = results_services.results_compute(meeting=meeting, by=county.township_admin)
    roll = [
        (row["number"], row["votes"], row["rank"], row["award_amount"]) for row in draft.data["honor_roll"]
    ]
    assert roll == [
        (homes[1].number, 3, 1, "500.00"),
        (homes[0].number, 2, 2, "500.00"),
        (homes[3].number, 0, 3, "500.00"),
    ]
    assert draft.data["honor_roll"][2]["committee_reason"] == "Paid off a loan"
    assert draft.data["nominations"] == 6


# --- what a snapshot says, checked by hand ---------------------------------------------------------------


def ten_ballots(cadre: int, criterion: str, *, ballot: int) -> str:
    """Cadre 0: 7 satisfied, 2 basically satisfied, 1 don't know; cadre 1: 3, 1 and 6 dissatisfied."""
    if cadre == 0:
        return "satisfied" if ballot < 7 else "basically_satisfied" if ballot < 9 else "dont_know"
    return "satisfied" if ballot < 3 else "basically_satisfied" if ballot == 3 else "dissatisfied"


def ten_votes():
    return [
        lambda cadre, criterion, number=number: ten_ballots(cadre, criterion, ballot=number)
        for number in range(10)
    ]


def test_a_small_vote_counted_by_hand(county):
    world, snapshot = published_world(county, ten_votes())
    data = snapshot.data
    assert (snapshot.ballots, data["ballots"]) == (10, 10)
    assert data["turnout"] == {
        "ballots": 10,
        "codes_used": 10,
        "present": 10,
        "roll": 10,
        "quorum_required": 6,
        "quorum_met": True,
        "by_group": {"villager": 10},
        "rate": 1.0,
    }
    good, poor = data["cadres"]
    assert (good["id"], poor["id"]) == (world.cadres[0].pk, world.cadres[1].pk)

    # Cadre 0, on every criterion: 9 graded (7 × 100, 2 × 75), 1 abstention.
    de = good["criteria"]["de"]
    assert de["histogram"] == {"satisfied": 7, "basically_satisfied": 2, "dissatisfied": 0}
    assert (de["graded"], de["abstained"]) == (9, 1)
    assert de["mean"] == round(850 / 9, 4) == 94.4444
    assert de["trimmed_mean"] == round((850 - 100 - 75) / 7, 4)  # the highest and the lowest dropped
    assert de["satisfaction"] == 1.0
    assert de["median_grade"] == "satisfied"
    assert (
        de["wilson_lower"]
        == round(aggregation.wilson_lower_bound(9, 9), 4)
        == round(9 / (9 + 1.959964**2), 4)
    )
    assert set(good["criteria"]) == {"de", "neng", "qin", "ji", "lian"}
    assert good["overall"]["histogram"] == {"satisfied": 35, "basically_satisfied": 10, "dissatisfied": 0}
    assert (good["overall"]["graded"], good["overall"]["abstained"]) == (45, 5)
    assert good["overall"]["score"] == 94.4444
    assert (good["verdict"], good["rank"]) == ("excellent", 1)

    # Cadre 1: 3 × 100, 1 × 75, 6 × 55 on every criterion; 60% dissatisfied.
    lian = poor["criteria"]["lian"]
    assert lian["histogram"] == {"satisfied": 3, "basically_satisfied": 1, "dissatisfied": 6}
    assert lian["mean"] == 70.5
    assert lian["satisfaction"] == 0.4
    # Best first, the 10 grades are S S S B D D D D D D: the lower middle one (the 6th) is dissatisfied.
    assert lian["median_grade"] == "dissatisfied"
    assert poor["overall"]["bottom_share"] == 0.6
    assert (poor["verdict"], poor["rank"]) == ("incompetent", 2)
    assert poor["incompetent_two_years"] is False
    # Ten villagers' ballots, none of the township panel: no group under min_cell (5), so the breakdown
    # by group is shown.
    assert good["groups"]["villager"]["graded"] == 45
    assert good["groups"]["township_panel"]["graded"] == 0
    assert data["disclosure"] == {
        "k": 5,
        "figures_shown": True,
        "pooled": {},
        "ballots_by_group": {"villager": 10},
    }


def test_below_k_ballots_no_cadre_has_a_figure(county):
    _world, snapshot = published_world(county, ["satisfied"] * 4)
    assert snapshot.data["disclosure"] == {
        "k": 5,
        "figures_shown": False,
        "pooled": {},
        "ballots_by_group": {},
    }
    assert snapshot.data["counts"] == []
    for cadre in snapshot.data["cadres"]:
        assert [cadre[key] for key in ("criteria", "overall", "groups", "verdict", "rank")] == [None] * 5


def test_the_snapshot_is_sealed_with_the_digest_of_the_servers_ballot_file(published):
    world, snapshot = published
    assert snapshot.ballots_sha256 == results.sha256(results.ballots_csv(world.meeting))
    assert snapshot.data["counts_sha256"] == opendata.sha256(opendata.published_counts_csv(snapshot.data))
    assert snapshot.data["receipts_sha256"] == opendata.sha256(results.receipts_file(world.meeting))
    assert verify.recount_differences(snapshot) == []


# --- incompetent two years running ----------------------------------------------------------------------


def flags(snapshot) -> list[tuple[str, bool]]:
    return [(cadre["verdict"], cadre["incompetent_two_years"]) for cadre in snapshot.data["cadres"]]


def test_a_cadre_rated_incompetent_two_years_running_is_flagged(county):
    # 2023: cadre 0 satisfied, cadre 1 dissatisfied on every ballot.
    world, first = published_world(
        county, [lambda cadre, _c: "satisfied" if cadre == 0 else "dissatisfied"] * 6, year=2023
    )
    assert flags(first) == [("excellent", False), ("incompetent", False)]
    second = vote_again(world, 2024, "dissatisfied", admin=county.township_admin, operator=county.operator)
    # Both incompetent in 2024; only cadre 1 was in 2023 too.
    assert flags(second) == [("incompetent", False), ("incompetent", True)]


def test_no_flag_across_a_gap_year(county):
    world, _first = published_world(county, ["dissatisfied"] * 6, year=2022)
    later = vote_again(world, 2024, "dissatisfied", admin=county.township_admin, operator=county.operator)
    assert flags(later) == [("incompetent", False), ("incompetent", False)]


def test_no_flag_after_an_annulled_meeting(county):
    admin = county.township_admin
    world, _annulled = published_world(
        county, ["dissatisfied"] * 6, year=2023, village=county.neighbour, admin=admin, operator=admin
    )
    meeting_services.meeting_annul(meeting=world.meeting, reason="Codes handed out twice", by=admin)
    again = vote_again(world, 2024, "dissatisfied", admin=admin, operator=admin)
    assert flags(again) == [("incompetent", False), ("incompetent", False)]


# --- the audit log ------------------------------------------------------------------------------------------


def test_every_step_is_written_to_the_audit_log(county):
    world, candidate = accepted_candidate(county, award="Plaque", award_amount=Decimal("800"))
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(draft.meeting, by=county.township_admin)
    snapshot = results_services.results_publish(snapshot=draft, by=county.township_admin)
    results_services.objection_rule(
        objection=lodge(snapshot), upheld=False, ruling="Counted again: right.", by=county.moderator
    )
    results_services.notices_close(today=snapshot.notice_ends + day(1))

    def entry(action):
        return AuditEntry.objects.get(action=action)

    assert entry("honor_candidate_review").details == {"accepted": True, "award": "Plaque", "amount": "800"}
    computed = entry("results_compute")
    assert (computed.actor_name, computed.target_id) == ("admin1", str(snapshot.pk))
    assert computed.details == {"version": 1, "ballots": 3, "sha256": snapshot.ballots_sha256}
    published = entry("results_publish")
    assert published.actor_name == "admin1"
    assert published.details == {
        "version": 1,
        "sha256": snapshot.ballots_sha256,
        "notice_ends": snapshot.notice_ends.isoformat(),
        "supersedes": [],
    }
    ruled = entry("objection_rule")
    assert (ruled.actor_name, ruled.scope) == ("moderator1", county.village.code)
    assert ruled.details == {"upheld": False, "ruling": "Counted again: right.", "withheld": False}
    finalized = entry("results_finalize")
    assert (finalized.actor_id, finalized.actor_name, finalized.details) == (None, "system", {"version": 1})
    assert finalized.scope == county.village.code
    # Lodging an objection is anyone's right, not a privileged action: it is not logged.
    assert not AuditEntry.objects.filter(action__startswith="objection_lodge").exists()
    assert verify_chain().intact


def test_what_a_snapshot_says_cannot_be_changed_through_the_orm(county):
    from ratings.querysets import ImmutableSnapshotError

    _world, snapshot = published_world(county, ["satisfied"] * 6)
    snapshot.data = {**snapshot.data, "ballots": 7}
    with pytest.raises(ImmutableSnapshotError):
        snapshot.save()
    with pytest.raises(ImmutableSnapshotError):
        snapshot.save(update_fields=["data"])
    with pytest.raises(ImmutableSnapshotError):
        ResultSnapshot.objects.filter(pk=snapshot.pk).update(ballots_sha256="0" * 64)
    snapshot.refresh_from_db()
    assert snapshot.data["ballots"] == 6
    # Its place in the lifecycle still moves.
    ResultSnapshot.objects.filter(pk=snapshot.pk).update(notice_ends=snapshot.notice_ends)


def test_the_published_date_is_the_meeting_days_local_date(county):
    # 06:00 in Beijing is 22:00 UTC the day before: the snapshot says the day the villagers met.
    world = voted_world(county, ["satisfied"] * 3)
    morning = datetime.datetime(2024, 12, 12, 6, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    Meeting.objects.filter(pk=world.meeting.pk).update(held_at=morning)
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    assert draft.data["meeting"]["date"] == "2024-12-12"
