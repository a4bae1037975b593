"""Writes of the results: compute → review → publish, the public notice, objections, the honor roll.

The order of a meeting's last steps:
1. voting closes; the moderator gathers the honor roll candidates (ballot and committee nominations)
   and reviews each, with its award;
2. the township administrator computes the results into a draft snapshot and reviews it; two
   scrutineers and the supervision committee's chair confirm its closure certificate (ratings.closure);
3. publishing puts the snapshot (results and honor roll together) under public notice: the meeting
   moves to "under notice" for RESULTS_NOTICE_DAYS days. Below quorum nothing is published;
4. anyone may lodge an objection; a moderator rules on each, upheld or rejected, with the reason;
5. an upheld objection lets the township administrator recount (a new snapshot, a new notice period)
   or annul the meeting; otherwise, once the period is over and every objection is ruled,
   `results_finalize` (run daily by `manage.py close_notices`) makes the results final.
"""

import datetime
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import Meeting
from meetings.quorum import quorum_of
from portal import audit, permissions, ratelimit
from portal.models import Household
from portal.permissions import Capability
from ratings.ballot.reconciliation import reconciliation_of
from ratings.closure.certificate import publish_refusal as certificate_refusal
from ratings.evaluations import services as evaluation_services
from ratings.models import (
    BallotNomination,
    HonorCandidate,
    HonorNomination,
    HouseholdProposal,
    Objection,
    ResultSnapshot,
)
from ratings.paper.sheets import paper_pending
from ratings.results import standings, tally

MAX_NOTICE_DAYS = 30
OBJECTION_MAX_CHARS = 2000
REASON_MAX_CHARS = 1000
MAX_AWARD = 1_000_000
# Committees may put households forward from the announcement until the results are published; one put
# forward after the list was collected holds publication back until it is collected too.
NOMINATING = {Meeting.Status.ANNOUNCED, Meeting.Status.VOTING_OPEN, Meeting.Status.VOTING_CLOSED}
# Results are worked on from the close of the vote; before that the staff pages have nothing to show.
RESULTS_STAGES = {
    Meeting.Status.VOTING_CLOSED,
    Meeting.Status.UNDER_NOTICE,
    Meeting.Status.FINAL,
    Meeting.Status.ANNULLED,
}


def _too_long(value: str, model, field: str) -> bool:
    """Longer than the model's column allows: the one limit the form and the service share."""
    return len(value) > model._meta.get_field(field).max_length


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("village__township").get(pk=meeting.pk)


def live_snapshot(meeting: Meeting) -> ResultSnapshot | None:
    return ResultSnapshot.objects.of_meeting(meeting).live().first()


def has_upheld_objection(snapshot: ResultSnapshot | None) -> bool:
    return snapshot is not None and snapshot.objections.filter(status=Objection.Status.UPHELD).exists()


def may_recount(meeting: Meeting) -> bool:
    """Under notice with an upheld objection: the results may be computed and published again."""
    if meeting.status != Meeting.Status.UNDER_NOTICE:
        return False
    snapshot = live_snapshot(meeting)
    return (
        snapshot is not None
        and snapshot.status == ResultSnapshot.Status.PUBLISHED
        and has_upheld_objection(snapshot)
    )


def results_started(meeting: Meeting) -> bool:
    """Voting has closed (or the meeting was annulled): the results pages have something to show."""
    return meeting.status in RESULTS_STAGES


def nominations_open(meeting: Meeting) -> bool:
    """The committees may still put households forward for the honor roll."""
    return meeting.status in NOMINATING


def results_open(meeting: Meeting) -> bool:
    """Results may be computed and the honor roll reviewed: voting has closed, or for a recount."""
    return meeting.status == Meeting.Status.VOTING_CLOSED or may_recount(meeting)


def _ensure_results_open(meeting: Meeting) -> None:
    if not results_open(meeting):
        raise ValidationError(
            _(
                "Results can be computed only after voting has closed, or for a recount after an objection "
                "was upheld."
            )
        )


def _document_bytes(document: dict) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def _still_as_computed(snapshot: ResultSnapshot, meeting: Meeting) -> bool:
    """The ballots (to the last grade, by the seal) and the honor roll are as the draft counted them."""
    return tally.ballots_seal(meeting) == snapshot.ballots_sha256 and _document_bytes(
        tally.results_document(meeting)
    ) == _document_bytes(snapshot.data)


# --- the honor roll ------------------------------------------------------------------------------------


@transaction.atomic
def honor_nominate(*, meeting: Meeting, household: Household, reason: str, by) -> HonorNomination:
    """The village committees put a household forward, with the reason; moderators enter it."""
    permissions.ensure(by, Capability.MODERATE, meeting.village)
    meeting = _locked_meeting(meeting)
    if not nominations_open(meeting):
        raise ValidationError(_("Households can be put forward only until the results are published."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for putting the household forward."))
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            _("The reason is too long (at most %(limit)s characters).") % {"limit": REASON_MAX_CHARS}
        )
    if household.village_id != meeting.village_id:
        raise ValidationError(_("This household is not on the village's roll."))
    if HonorNomination.objects.filter(meeting=meeting, household=household).exists():
        raise ValidationError(_("This household has already been put forward."))
    nomination = HonorNomination.objects.create(
        meeting=meeting, household=household, reason=reason, nominated_by=by
    )
    audit.record(actor=by, action="honor_nominate", target=nomination, details={"household": household.pk})
    return nomination


@transaction.atomic
def honor_candidates_collect(*, meeting: Meeting, by) -> int:
    """Count the ballots' nominations (one GROUP BY) and add the committees': the list to review.

    Reviews already made are kept; the vote counts are refreshed. Returns the number of candidates.
    """
    permissions.ensure(by, Capability.MODERATE, meeting.village)
    meeting = _locked_meeting(meeting)
    _ensure_results_open(meeting)
    votes = dict(
        BallotNomination.objects.filter(ballot__meeting=meeting)
        .values("household_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("household_id", "n")
    )
    reasons = dict(HonorNomination.objects.filter(meeting=meeting).values_list("household_id", "reason"))
    existing = {
        candidate.household_id: candidate for candidate in HonorCandidate.objects.filter(meeting=meeting)
    }
    for household_id in set(votes) | set(reasons):
        candidate = existing.get(household_id) or HonorCandidate(meeting=meeting, household_id=household_id)
        candidate.votes = votes.get(household_id, 0)
        candidate.committee_reason = reasons.get(household_id, "")
        candidate.save()
    audit.record(
        actor=by,
        action="honor_candidates_collect",
        target=meeting,
        details={"households": len(set(votes) | set(reasons)), "from_ballots": len(votes)},
    )
    return HonorCandidate.objects.filter(meeting=meeting).count()


@transaction.atomic
def honor_candidate_review(
    *,
    candidate: HonorCandidate,
    accept: bool,
    note: str = "",
    award: str = "",
    award_ug: str = "",
    award_amount=None,
    by,
) -> HonorCandidate:
    """A moderator accepts a household onto the honor roll with its award (named in Chinese, and in
    Uyghur if given), or declines it with a note."""
    permissions.ensure(by, Capability.MODERATE, candidate.meeting.village)
    _ensure_results_open(_locked_meeting(candidate.meeting))
    candidate = HonorCandidate.objects.select_for_update().get(pk=candidate.pk)
    note, award, award_ug = (note or "").strip(), (award or "").strip(), (award_ug or "").strip()
    if award_amount is not None and not (0 <= award_amount <= MAX_AWARD):
        raise ValidationError(
            _("The award amount must be between 0 and %(limit)s yuan.") % {"limit": MAX_AWARD}
        )
    if accept:
        candidate.status, candidate.award, candidate.award_ug, candidate.award_amount = (
            HonorCandidate.Status.ACCEPTED,
            award,
            award_ug,
            award_amount,
        )
    else:
        if not note:
            raise ValidationError(_("Say why the household is declined."))
        candidate.status, candidate.award, candidate.award_ug, candidate.award_amount = (
            HonorCandidate.Status.DECLINED,
            "",
            "",
            None,
        )
    note_limit = HonorCandidate._meta.get_field("review_note").max_length
    if len(note) > note_limit:
        raise ValidationError(
            _("The note is too long (at most %(limit)s characters).") % {"limit": note_limit}
        )
    candidate.review_note = note
    candidate.reviewed_by, candidate.reviewed_at = by, timezone.now()
    candidate.save()
    audit.record(
        actor=by,
        action="honor_candidate_review",
        target=candidate,
        details={
            "accepted": accept,
            "award": award,
            **({"award_ug": award_ug} if award_ug else {}),
            "amount": str(award_amount) if award_amount is not None else "",
        },
    )
    return candidate


# --- results -------------------------------------------------------------------------------------------


@transaction.atomic
def results_compute(*, meeting: Meeting, by) -> ResultSnapshot:
    """Count the ballots into a draft snapshot for review; replaces an earlier draft. Township admins."""
    permissions.ensure(by, Capability.MANAGE_MEETINGS, meeting.village)
    meeting = _locked_meeting(meeting)
    _ensure_results_open(meeting)
    # Numbered before the old draft goes, so that no two drafts in the audit log share a version.
    version = (ResultSnapshot.objects.filter(meeting=meeting).aggregate(last=Max("version"))["last"] or 0) + 1
    ResultSnapshot.objects.filter(meeting=meeting, status=ResultSnapshot.Status.DRAFT).delete()
    document = tally.results_document(meeting)
    snapshot = ResultSnapshot.objects.create(
        meeting=meeting,
        version=version,
        data=document,
        ballots=document["ballots"],
        ballots_sha256=tally.ballots_seal(meeting),
        computed_at=timezone.now(),
        computed_by=by,
    )
    standings.standings_write(snapshot)
    audit.record(
        actor=by,
        action="results_compute",
        target=snapshot,
        details={"version": version, "ballots": snapshot.ballots, "sha256": snapshot.ballots_sha256},
    )
    return snapshot


@transaction.atomic
def results_publish(*, snapshot: ResultSnapshot, by, days: int | None = None) -> ResultSnapshot:
    """Publish a reviewed draft for the public notice period; the meeting goes under notice.

    Refused below quorum, while honor roll candidates await review, and when the ballots or the honor
    roll changed since the draft was computed (the reviewer must see what is published). A recount
    supersedes the snapshot under notice and starts a new notice period.
    """
    meeting = snapshot.meeting
    permissions.ensure(by, Capability.MANAGE_MEETINGS, meeting.village)
    meeting = _locked_meeting(meeting)
    snapshot = ResultSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    if snapshot.status != ResultSnapshot.Status.DRAFT:
        raise ValidationError(_("Only a draft under review can be published."))
    _ensure_results_open(meeting)
    days = settings.RESULTS_NOTICE_DAYS if days is None else days
    if not 1 <= days <= MAX_NOTICE_DAYS:
        raise ValidationError(
            _("The notice period must be between 1 and %(limit)s days.") % {"limit": MAX_NOTICE_DAYS}
        )
    blockers = publish_blockers(meeting)
    if blockers:
        raise ValidationError(blockers[0])
    if not _still_as_computed(snapshot, meeting):
        raise ValidationError(
            _("The ballots or the honor roll changed after the results were computed. Compute them again.")
        )
    superseded = ResultSnapshot.objects.filter(meeting=meeting, status=ResultSnapshot.Status.PUBLISHED)
    previous = list(superseded.values_list("version", flat=True))
    superseded.update(status=ResultSnapshot.Status.SUPERSEDED)
    if meeting.status == Meeting.Status.VOTING_CLOSED:
        meeting.transition_to(Meeting.Status.UNDER_NOTICE)
        meeting.save(update_fields=["status", "status_changed_at"])
    now = timezone.now()
    snapshot.status = ResultSnapshot.Status.PUBLISHED
    snapshot.published_at = now
    snapshot.notice_ends = timezone.localdate(now) + datetime.timedelta(days=days)
    snapshot.save(update_fields=["status", "published_at", "notice_ends"])
    _households_outcome_record(meeting, by=by, today=timezone.localdate(now))
    audit.record(
        actor=by,
        action="results_publish",
        target=snapshot,
        details={
            "version": snapshot.version,
            "sha256": snapshot.ballots_sha256,
            "notice_ends": snapshot.notice_ends.isoformat(),
            "supersedes": previous,
        },
    )
    return snapshot


def _households_outcome_record(meeting: Meeting, *, by, today: datetime.date) -> None:
    """Each household's evaluation voted at the meeting takes its outcome at publication, from the
    counts kept when the box was sealed (what the published document states), and its own notice
    starts today (ratings.evaluations.services). Those recorded already (results published before,
    then recounted) keep theirs."""
    totals = tally.evaluation_counts(meeting)
    voted = HouseholdProposal.objects.on_agenda_of(meeting).filter(status=HouseholdProposal.Status.APPROVED)
    for proposal in voted.order_by("pk"):
        answers = {
            answer: totals.get((proposal.pk, answer), 0) for answer in ("agree", "disagree", "abstain")
        }
        evaluation_services.proposal_outcome_record(
            proposal=proposal, **answers, ballots=sum(answers.values()), by=by, today=today
        )


def publish_blockers(meeting: Meeting) -> list[str]:
    """Why a reviewed draft of the meeting's results cannot be published now; empty when it can.

    The rule "may results be published": the service refuses with the first reason, the review page
    lists them all beside the publish button. Beyond these, publishing checks that the draft is still
    the one reviewed (the ballots and the honor roll have not changed since it was computed).
    """
    blockers = []
    quorum = quorum_of(meeting)
    if not quorum.met:
        blockers.append(
            _("Below quorum (%(present)s present, %(required)s needed): the results cannot be published.")
            % {"present": quorum.present, "required": quorum.required}
        )
    too_many = reconciliation_of(meeting).refusal()
    if too_many:
        blockers.append(too_many)
    if paper_pending(meeting):
        blockers.append(_("The paper count is not closed: the paper ballots are not in the box yet."))
    if HonorCandidate.objects.of_meeting(meeting).pending().exists():
        blockers.append(_("Some honor roll candidates still await review."))
    uncollected = HonorNomination.objects.filter(meeting=meeting).exclude(
        household__in=HonorCandidate.objects.of_meeting(meeting).values("household")
    )
    if uncollected.exists():
        blockers.append(
            _("Some committee nominations are not on the list yet: collect the nominations again.")
        )
    if Objection.objects.filter(snapshot__meeting=meeting).pending().exists():
        blockers.append(_("Rule on every objection before publishing a recount."))
    unconfirmed = certificate_refusal(meeting)
    if unconfirmed:
        blockers.append(unconfirmed)
    return blockers


def finalize_blockers(snapshot: ResultSnapshot, today: datetime.date) -> list[str]:
    """Why the snapshot cannot become final today; empty when it can."""
    blockers = []
    if snapshot.status != ResultSnapshot.Status.PUBLISHED:
        blockers.append(_("The results are not under public notice."))
        return blockers
    if today <= snapshot.notice_ends:
        blockers.append(
            _("The notice period runs until %(date)s.") % {"date": snapshot.notice_ends.isoformat()}
        )
    if snapshot.objections.filter(status=Objection.Status.PENDING).exists():
        blockers.append(_("Some objections still await a ruling."))
    if has_upheld_objection(snapshot):
        blockers.append(_("An objection was upheld: recount or annul the meeting."))
    return blockers


@transaction.atomic
def results_finalize(
    *, snapshot: ResultSnapshot, today: datetime.date | None = None, by=None
) -> ResultSnapshot:
    """The notice period is over and every objection ruled: the results and the meeting become final.

    `by` is None when the daily `close_notices` command runs it; a township administrator may also
    do it by hand. Safe to run twice or at once: the rows are locked and the state read afresh.
    """
    if by is not None:
        permissions.ensure(by, Capability.MANAGE_MEETINGS, snapshot.meeting.village)
    meeting = _locked_meeting(snapshot.meeting)
    snapshot = ResultSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    blockers = finalize_blockers(snapshot, today or timezone.localdate())
    if blockers:
        raise ValidationError(blockers)
    meeting.transition_to(Meeting.Status.FINAL)
    meeting.save(update_fields=["status", "status_changed_at"])
    snapshot.status, snapshot.finalized_at = ResultSnapshot.Status.FINAL, timezone.now()
    snapshot.save(update_fields=["status", "finalized_at"])
    audit.record(actor=by, action="results_finalize", target=snapshot, details={"version": snapshot.version})
    return snapshot


def notices_close(*, today: datetime.date | None = None) -> tuple[list[ResultSnapshot], list[tuple]]:
    """Finalize every snapshot whose notice has ended; returns (finalized, [(snapshot, blockers)])."""
    today = today or timezone.localdate()
    finalized, waiting = [], []
    due = ResultSnapshot.objects.under_notice().filter(notice_ends__lt=today)
    for snapshot in due.select_related("meeting__village").order_by("pk"):
        try:
            finalized.append(results_finalize(snapshot=snapshot, today=today))
        except ValidationError as error:
            waiting.append((snapshot, error.messages))
    return finalized, waiting


def results_withdraw(*, meeting: Meeting, by) -> int:
    """The meeting was annulled: its drafts and published results are withdrawn (kept, marked so).

    Called by meetings.services.meeting_annul inside its transaction.
    """
    withdrawn = ResultSnapshot.objects.filter(
        meeting=meeting, status__in=[ResultSnapshot.Status.DRAFT, ResultSnapshot.Status.PUBLISHED]
    ).update(status=ResultSnapshot.Status.WITHDRAWN)
    if withdrawn:
        audit.record(actor=by, action="results_withdraw", target=meeting, details={"snapshots": withdrawn})
    return withdrawn


# --- objections ----------------------------------------------------------------------------------------


@transaction.atomic
def objection_lodge(
    *,
    snapshot: ResultSnapshot,
    text: str,
    subject: str = Objection.Subject.RESULTS,
    name: str = "",
    contact: str = "",
    sender_address: str,
    sender_browser: str = "",
) -> Objection:
    """Anyone, no account, while the notice period runs: an objection awaiting a ruling.

    Rate-limited per browser and per network address (RateLimited), counted in the objections already
    lodged.
    """
    snapshot = ResultSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    if not snapshot.accepts_objections():
        raise ValidationError(_("The notice period is over: objections can no longer be lodged."))
    text, name, contact = (text or "").strip(), (name or "").strip(), (contact or "").strip()
    if not text:
        raise ValidationError(_("Write what you object to."))
    if len(text) > OBJECTION_MAX_CHARS:
        raise ValidationError(
            _("The objection is too long (at most %(limit)s characters).") % {"limit": OBJECTION_MAX_CHARS}
        )
    if subject not in Objection.Subject.values:
        raise ValidationError(_("Choose what the objection is about."))
    if _too_long(name, Objection, "name") or _too_long(contact, Objection, "contact"):
        raise ValidationError(_("The name or the contact is too long."))
    spent = ratelimit.objections().spend_rows(
        sender_address,
        browser=sender_browser,
        rows=Objection.objects,
        stamped="lodged_at",
        message=_("Too many objections from this connection. Please try again in an hour."),
    )
    return Objection.objects.create(
        snapshot=snapshot,
        subject=subject,
        text=text,
        name=name,
        contact=contact,
        sender_key=spent.sender_key,
        browser_key=spent.browser_key,
    )


@transaction.atomic
def objection_rule(
    *, objection: Objection, upheld: bool, ruling: str, withhold_text: bool = False, by
) -> Objection:
    """A moderator rules: upheld or rejected, with the reason that is shown publicly."""
    permissions.ensure(by, Capability.MODERATE, objection.snapshot.meeting.village)
    objection = Objection.objects.select_for_update().select_related("snapshot").get(pk=objection.pk)
    # The two halves of Objection.may_be_ruled, each with its own reason.
    if not objection.is_pending:
        raise ValidationError(_("This objection has already been ruled on."))
    if not objection.snapshot.takes_rulings:
        raise ValidationError(_("These results are no longer under public notice."))
    ruling = (ruling or "").strip()
    if not ruling:
        raise ValidationError(_("Give the reason for the ruling; it is published."))
    if len(ruling) > REASON_MAX_CHARS:
        raise ValidationError(
            _("The ruling is too long (at most %(limit)s characters).") % {"limit": REASON_MAX_CHARS}
        )
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.REJECTED
    objection.ruling, objection.text_withheld = ruling, bool(withhold_text)
    objection.ruled_by, objection.ruled_at = by, timezone.now()
    objection.save()
    audit.record(
        actor=by,
        action="objection_rule",
        target=objection,
        details={"upheld": upheld, "ruling": ruling, "withheld": bool(withhold_text)},
    )
    return objection
