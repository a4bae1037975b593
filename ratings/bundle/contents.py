"""What a meeting's bundle holds, member by member, read from the venue's database (the export side).

Cadres, households, households' evaluations and the meeting are referred to by the venue's ids inside
the bundle, and described by their natural keys (a cadre: village and name; a household: village and
number; an evaluation: its household and decision) for the county to
map them onto its own rows (ratings.bundle.services). Ballots keep their random ids, which mean the
same in every installation.

Report attachments travel as members of their own, `attachments/<SHA-256 of the file>`, listed by
their report in reports.json; the manifest pins their bytes as it pins every member.

Secrecy: nothing that names a voter. The poll book, the attendance and the codes travel as counts
only; questions without the keyed hashes of their senders; audit entries only those about the
meeting's own objects; the certificate's signers with the keyed hash of their ID number (as the
preparation's roll), never the number. The ballots travel as the box holds them (the county is the
archive the law sends them to), with no link to a person: the box never had one.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from meetings.models import Attachment, Attendance, Commitment, Meeting, Question, WorkReport
from portal.models import AuditEntry, Cadre, CadrePost, Resident
from ratings.ballot import schemes
from ratings.ballot.reconciliation import reconciliation_of
from ratings.bundle.manifest import canonical_json, sha256
from ratings.closure import certificate as certificates
from ratings.models import (
    Ballot,
    BallotCode,
    BallotEvaluation,
    BallotGrade,
    BallotNomination,
    CertificateConfirmation,
    DoorCount,
    EvaluationCount,
    GradeCount,
    HonorCandidate,
    HonorNomination,
    HouseholdProposal,
    HouseholdStatusChange,
    PollBookEntry,
    ResultSnapshot,
    Scrutineer,
)
from ratings.results import tally

ATTACHMENTS = "attachments/"

# An export records itself in the audit log; leaving those entries out keeps an unchanged meeting's
# bundle the same, version and all.
EXPORT_ACTION = "meeting_bundle_export"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _cadres(meeting: Meeting) -> list[dict]:
    ids = set(meeting.reporting.values_list("cadre_id", flat=True))
    ids |= set(meeting.commitments.values_list("owner_id", flat=True))
    ids |= set(meeting.questions.exclude(cadre=None).values_list("cadre_id", flat=True))
    posts = CadrePost.objects.filter(cadre_id__in=ids).order_by("cadre_id", "term_start", "post")
    held = {}
    for post in posts:
        held.setdefault(post.cadre_id, []).append(
            {"post": post.post, "term_start": post.term_start, "term_end": post.term_end}
        )
    return [
        {"id": cadre.pk, "name": cadre.name, "gender": cadre.gender, "posts": held.get(cadre.pk, [])}
        for cadre in Cadre.objects.filter(pk__in=ids).order_by("pk")
    ]


def meeting_member(meeting: Meeting) -> dict:
    return {
        "village": meeting.village.code,
        "meeting": {
            "year": meeting.year,
            "held_at": _iso(meeting.held_at),
            "venue": meeting.venue,
            "kind": meeting.kind,
            "agenda": meeting.agenda,
            "status": meeting.status,
            "status_changed_at": _iso(meeting.status_changed_at),
            "annulment_reason": meeting.annulment_reason,
            "roll_size": meeting.roll_size,
            "representatives_size": meeting.representatives_size,
            "panel_seats": meeting.panel_seats,
            "phones_allowed": meeting.phones_allowed,
        },
        "scheme": schemes.describe(meeting.scheme),
        "cadres": _cadres(meeting),
        "reporting": list(meeting.reporting.values("cadre_id", "order")),
    }


def attachment_files(meeting: Meeting) -> dict[int, bytes]:
    """Each attachment's bytes by its id, read from the storage; a file gone from it stops the export
    (a bundle without it would say the report has no such attachment)."""
    files = {}
    for attachment in Attachment.objects.filter(report__meeting=meeting).select_related("report__cadre"):
        try:
            with attachment.file.open("rb") as handle:
                files[attachment.pk] = handle.read()
        except OSError:
            raise ValidationError(
                _(
                    "The attachment %(name)s of the report of %(cadre)s is missing from this server's "
                    "files: the bundle cannot be made without it."
                )
                % {"name": attachment.original_name, "cadre": attachment.report.cadre}
            ) from None
    return files


def reports_member(meeting: Meeting, files: dict[int, bytes]) -> list[dict]:
    reports = []
    for report in (
        WorkReport.objects.filter(meeting=meeting)
        .prefetch_related("revisions", "attachments")
        .order_by("cadre_id", "language")
    ):
        reports.append(
            {
                "cadre": report.cadre_id,
                # Each language version is a report of its own, with its own status and revisions.
                "language": report.language,
                **report.section_texts(),
                "status": report.status,
                "moderator_comment": report.moderator_comment,
                "created_at": _iso(report.created_at),
                "published_at": _iso(report.published_at),
                "revisions": [
                    {"number": r.number, "sections": r.sections, "created_at": _iso(r.created_at)}
                    for r in sorted(report.revisions.all(), key=lambda r: r.number)
                ],
                "attachments": [
                    {
                        "member": ATTACHMENTS + sha256(files[a.pk]),
                        "name": a.original_name,
                        "uploaded_at": _iso(a.uploaded_at),
                    }
                    for a in sorted(report.attachments.all(), key=lambda a: (a.uploaded_at, a.pk))
                ],
            }
        )
    return reports


def questions_member(meeting: Meeting) -> dict:
    questions = [
        {
            "id": q.pk,
            "cadre": q.cadre_id,
            "text": q.text,
            "asker_name": q.asker_name,
            "source": q.source,
            "status": q.status,
            "moderation_note": q.moderation_note,
            "created_at": _iso(q.created_at),
            "answer": q.answer,
            "answered_at": _iso(q.answered_at),
        }
        for q in Question.objects.filter(meeting=meeting).order_by("pk")
    ]
    commitments = [
        {
            "question": c.question_id,
            "owner": c.owner_id,
            "title": c.title,
            "details": c.details,
            "due_date": c.due_date.isoformat(),
            "status": c.status,
            "created_at": _iso(c.created_at),
            "done_at": c.done_at.isoformat() if c.done_at else None,
            "updates": [
                {"date": u.date.isoformat(), "text": u.text} for u in c.updates.order_by("date", "pk")
            ],
        }
        for c in Commitment.objects.filter(meeting=meeting).prefetch_related("updates").order_by("pk")
    ]
    return {"questions": questions, "commitments": commitments}


def poll_member(meeting: Meeting) -> dict:
    """The poll book, the attendance and the codes as counts: never who."""
    reconciliation = reconciliation_of(meeting)
    return {
        "present": Attendance.objects.filter(meeting=meeting).count(),
        "poll_book": PollBookEntry.objects.filter(meeting=meeting).count(),
        "codes": BallotCode.objects.of_meeting(meeting).counts_by_status(),
        "codes_issued": reconciliation.codes_issued,
        "doors": dict(DoorCount.objects.filter(meeting=meeting).values_list("door", "ballots")),
        "assisted": reconciliation.assisted,
    }


def ballots_member(meeting: Meeting) -> dict:
    """The box: each ballot with its random id, receipt, group and date, its grades and nominations."""
    grades, nominations = {}, {}
    for ballot_id, cadre_id, criterion, grade in BallotGrade.objects.filter(
        ballot__meeting=meeting
    ).values_list("ballot_id", "cadre_id", "criterion__code", "grade__code"):
        grades.setdefault(ballot_id, []).append([cadre_id, criterion or "", grade])
    for ballot_id, number in BallotNomination.objects.filter(ballot__meeting=meeting).values_list(
        "ballot_id", "household__number"
    ):
        nominations.setdefault(ballot_id, []).append(number)
    ballots = [
        {
            "id": str(ballot_id),
            "receipt": receipt,
            "group": group,
            "cast_on": cast_on.isoformat(),
            "grades": sorted(grades.get(ballot_id, []), key=lambda line: (line[0], line[1])),
            "nominations": sorted(nominations.get(ballot_id, [])),
        }
        for ballot_id, receipt, group, cast_on in Ballot.objects.filter(meeting=meeting)
        .values_list("pk", "receipt", "group__kind", "cast_on")
        .order_by("receipt")
    ]
    counts = [
        [cadre, criterion or "", group, grade, n]
        for cadre, criterion, group, grade, n in GradeCount.objects.filter(meeting=meeting)
        .values_list("cadre_id", "criterion__code", "group__kind", "grade__code", "ballots")
        .order_by("cadre_id", "criterion__code", "group__kind", "grade__code")
    ]
    box = {"ballots": ballots, "grade_counts": counts, "seal": tally.ballots_seal(meeting)}
    if HouseholdProposal.objects.on_agenda_of(meeting).exists():
        # Only then: the box of a meeting without households' evaluations stays as it always was.
        answers = {}
        for ballot_id, proposal_id, answer in BallotEvaluation.objects.of_meeting(meeting).values_list(
            "ballot_id", "proposal_id", "answer"
        ):
            answers.setdefault(str(ballot_id), []).append([proposal_id, answer])
        for ballot in ballots:
            ballot["evaluations"] = sorted(answers.get(ballot["id"], []))
        box["evaluation_counts"] = [
            list(row)
            for row in EvaluationCount.objects.of_meeting(meeting)
            .values_list("proposal_id", "group__kind", "answer", "ballots")
            .order_by("proposal_id", "group__kind", "answer")
        ]
    return box


def results_member(meeting: Meeting) -> list[dict]:
    return [
        {
            "version": s.version,
            "status": s.status,
            "data": s.data,
            "ballots": s.ballots,
            "ballots_sha256": s.ballots_sha256,
            "computed_at": _iso(s.computed_at),
            "published_at": _iso(s.published_at),
            "notice_ends": s.notice_ends.isoformat() if s.notice_ends else None,
            "finalized_at": _iso(s.finalized_at),
        }
        for s in ResultSnapshot.objects.filter(meeting=meeting)
        .exclude(status=ResultSnapshot.Status.DRAFT)
        .order_by("version")
    ]


def honor_member(meeting: Meeting) -> dict:
    """The committees' nominations with their reasons, and the candidates as reviewed (households by
    number): what the staff's honor roll page of the meeting shows."""
    nominations = [
        {"household": n.household.number, "reason": n.reason, "created_at": _iso(n.created_at)}
        for n in HonorNomination.objects.filter(meeting=meeting).select_related("household").order_by("pk")
    ]
    candidates = [
        {
            "household": c.household.number,
            "votes": c.votes,
            "committee_reason": c.committee_reason,
            "status": c.status,
            "review_note": c.review_note,
            "award": c.award,
            "award_ug": c.award_ug,
            "award_amount": str(c.award_amount) if c.award_amount is not None else None,
            "reviewed_at": _iso(c.reviewed_at),
        }
        for c in HonorCandidate.objects.filter(meeting=meeting)
        .select_related("household")
        .order_by("household__number")
    ]
    return {"nominations": nominations, "candidates": candidates}


def _decimal(value) -> str | None:
    return str(value) if value is not None else None


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


PROPOSAL_FIELDS = (
    "kind",
    "category",
    "star",
    "head_name",
    "members",
    "reason",
    "income_year",
    "food",
    "clothing",
    "education",
    "medical",
    "housing",
    "drinking_water",
    "threshold_numerator",
    "threshold_denominator",
    "notice_days",
    "status",
    "return_reason",
    "agree",
    "disagree",
    "abstain",
    "ballots",
    "confirmed_by_helper",
    "thumbprint",
)
PROPOSAL_DATES = ("notice_starts", "notice_ends", "decision_due", "decided_on")


def evaluations_member(meeting: Meeting) -> list[dict]:
    """The households' evaluations on the meeting's agenda (households by number, as the honor roll's),
    each with its facts, decision, threshold, count, steps' dates and confirmation, and its status
    history (who moved it by name: the venue's accounts are not the county's)."""
    proposals = HouseholdProposal.objects.on_agenda_of(meeting).select_related("household").order_by("pk")
    history = {}
    for change in HouseholdStatusChange.objects.filter(proposal__meeting=meeting).order_by("at", "pk"):
        history.setdefault(change.proposal_id, []).append(
            {"status": change.status, "by": change.by_name, "at": _iso(change.at), "reason": change.reason}
        )
    return [
        {
            "id": proposal.pk,
            "household": proposal.household.number,
            **{name: getattr(proposal, name) for name in PROPOSAL_FIELDS},
            "income_per_head": _decimal(proposal.income_per_head),
            "income_line": _decimal(proposal.income_line),
            **{name: _date(getattr(proposal, name)) for name in PROPOSAL_DATES},
            "confirmed_at": _iso(proposal.confirmed_at),
            "created_at": _iso(proposal.created_at),
            "history": history.get(proposal.pk, []),
        }
        for proposal in proposals
    ]


def _person(resident: Resident) -> dict:
    """A signer of the certificate, for the county to find on its roll by the keyed hash of their ID
    number (the two installations share the hash key) or to keep off its roll when it has none."""
    return {
        "name": resident.name,
        "gender": resident.gender,
        "birth_year": resident.birth_year,
        "id_hash": resident.id_hash,
        "id_last4": resident.id_last4,
        "household": resident.household.number,
    }


def certificate_member(meeting: Meeting) -> dict:
    snapshot = certificates.current_snapshot(meeting)
    figures = certificates.figures_of(meeting, snapshot) if snapshot else None
    confirmations = [
        {
            "version": c.version,
            "ballots_sha256": c.ballots_sha256,
            "figures_sha256": c.figures_sha256,
            "capacity": c.capacity,
            "signer_name": c.signer_name,
            "on_paper": c.on_paper,
            "confirmed_at": _iso(c.confirmed_at),
            "scrutineer": c.scrutineer_id,
            "chair": _person(c.member.resident) if c.member is not None else None,
        }
        for c in CertificateConfirmation.objects.filter(meeting=meeting)
        .select_related("member__resident__household")
        .order_by("version", "confirmed_at", "pk")
    ]
    scrutineers = [
        {"id": s.pk, **_person(s.resident), "named_at": _iso(s.named_at)}
        for s in Scrutineer.objects.filter(meeting=meeting)
        .select_related("resident__household")
        .order_by("pk")
    ]
    return {
        "figures": figures,
        "figures_sha256": certificates.figures_digest(figures) if figures else None,
        "scrutineers": scrutineers,
        "confirmations": confirmations,
    }


def _meeting_targets(meeting: Meeting) -> set[tuple[str, str]]:
    targets = {("meetings.meeting", str(meeting.pk))}
    for model, queryset in (
        ("ratings.resultsnapshot", meeting.result_snapshots.all()),
        ("meetings.workreport", meeting.reports.all()),
        ("meetings.question", meeting.questions.all()),
        ("meetings.commitment", meeting.commitments.all()),
        ("ratings.scrutineer", meeting.scrutineers.all()),
        ("ratings.honornomination", meeting.honor_nominations.all()),
        ("ratings.honorcandidate", meeting.honor_candidates.all()),
        ("ratings.householdproposal", meeting.household_proposals.all()),
    ):
        targets |= {(model, str(pk)) for pk in queryset.values_list("pk", flat=True)}
    return targets


def audit_member(meeting: Meeting) -> dict:
    """The entries of the village's chain about this meeting's objects, each with its links, and the
    chain's head: the county can see that they follow one another where their numbers do."""
    targets = _meeting_targets(meeting)
    entries = [
        {
            "seq": e.seq,
            "created_at": _iso(e.created_at),
            "actor_name": e.actor_name,
            "action": e.action,
            "target_type": e.target_type,
            "target_label": e.target_label,
            "details": e.details,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in AuditEntry.objects.filter(chain=meeting.village.code)
        .exclude(action=EXPORT_ACTION)
        .order_by("seq")
        if (e.target_type, e.target_id) in targets
    ]
    return {"chain": meeting.village.code, "entries": entries}


def members_of(meeting: Meeting) -> dict[str, bytes]:
    files = attachment_files(meeting)
    evaluations = evaluations_member(meeting)
    return {
        **{ATTACHMENTS + sha256(data): data for data in files.values()},
        **{
            name: canonical_json(content)
            for name, content in (
                ("meeting.json", meeting_member(meeting)),
                ("reports.json", reports_member(meeting, files)),
                ("questions.json", questions_member(meeting)),
                ("poll.json", poll_member(meeting)),
                ("ballots.json", ballots_member(meeting)),
                ("results.json", results_member(meeting)),
                ("honor.json", honor_member(meeting)),
                ("certificate.json", certificate_member(meeting)),
                ("audit.json", audit_member(meeting)),
                # Only for a meeting that voted on households: others' bundles stay as they were.
                *((("evaluations.json", evaluations),) if evaluations else ()),
            )
        },
    }
