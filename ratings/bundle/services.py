"""Exporting a meeting as a sealed, signed bundle (the venue) and importing one (the county).

The import checks, in this order, and refuses at the first that fails, naming it: the file is a
bundle; its village exists here and the user administers it; it is signed by a key registered for that
village and in force; the signature verifies; every member has its manifest digest; it is no replay
of an earlier version. Then it writes everything in one transaction, or nothing.

Mapping (docs/venue-to-county.md): the meeting by village and year; a cadre by village and name
(created when the county has none of that name, refused when it has two); a post by cadre, post and
first year; a household by village and number; a ballot by its random id. The ids the venue's results
document carries (cadres, households, the meeting) are rewritten into the county's, and its digests
that cover them worked out again; the figures are the venue's, unchanged. A report's attachment is
checked by its content as an upload is (portal.uploads) and stored under a new name; the closure
certificate's scrutineers are found on the county's roll by the keyed hash of their ID number (kept off
the roll when the county has no such villager); the honor roll's nominations and candidates by
household number; a household's evaluation by meeting, household and decision, with its history (its
answers and kept counts follow it; the results' households section is in the county's proposal ids, a
step the county took since is kept). What the venue's accounts did (named, recorded, nominated,
reviewed, proposed) stays theirs: the county's rows have no account for it.
"""

import datetime
import decimal
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from meetings.models import (
    Attachment,
    Commitment,
    CommitmentUpdate,
    Meeting,
    MeetingCadre,
    Question,
    ReportRevision,
    WorkReport,
)
from meetings.reports.services import display_name
from portal import audit, permissions, signing, uploads
from portal.models import Cadre, CadrePost, Household, Resident, SupervisionMember, VenueKey, Village
from portal.permissions import Capability
from ratings.ballot import schemes
from ratings.bundle import contents, manifest
from ratings.bundle.manifest import BundleRefused
from ratings.models import (
    Ballot,
    BallotEvaluation,
    BallotGrade,
    BallotNomination,
    BundleExport,
    BundleImport,
    CertificateConfirmation,
    DoorCount,
    EvaluationCount,
    GradeCount,
    HonorCandidate,
    HonorNomination,
    HouseholdProposal,
    HouseholdStatusChange,
    PollBookCount,
    ResultSnapshot,
    Scrutineer,
)
from ratings.querysets import OVERALL
from ratings.results import opendata, standings, tally

# --- export --------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_export(*, meeting: Meeting, by) -> tuple[str, bytes]:
    """The bundle of the meeting, signed with this installation's key: (file name, zip bytes).

    `by` None: the server's authority (the command line). Township administrators and the village's
    operators may export.
    """
    if by is not None:
        permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    key = signing.load_private()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    members = contents.members_of(meeting)
    content = manifest.sha256(
        "".join(f"{name}:{manifest.sha256(data)}\n" for name, data in sorted(members.items())).encode()
    )
    last = BundleExport.objects.filter(meeting=meeting).order_by("-version").first()
    if last is not None and last.content_sha256 == content:
        export = last
    else:
        export = BundleExport.objects.create(
            meeting=meeting, version=(last.version if last else 0) + 1, content_sha256=content, exported_by=by
        )
    entry = audit.record(
        actor=by,
        action=contents.EXPORT_ACTION,
        target=meeting,
        details={"version": export.version, "content_sha256": content},
    )
    if export.audit_seq is None:  # a new version: the chain is pinned at its export entry
        export.audit_seq, export.audit_hash = entry.seq, entry.hash
        export.save(update_fields=["audit_seq", "audit_hash"])
    header = {
        "village": meeting.village.code,
        "year": meeting.year,
        "version": export.version,
        "audit_anchor": {"chain": entry.chain, "seq": export.audit_seq, "hash": export.audit_hash},
    }
    data = manifest.pack(
        members, header, public_key=signing.public_text(key.public_key()), sign=lambda m: signing.sign(key, m)
    )
    return f"meeting-{meeting.village.code}-{meeting.year}-v{export.version}.zip", data


def exported_bundle_check(*, data: bytes) -> tuple[dict, audit.ChainReport]:
    """Check a bundle this installation exported against its own audit log, later (the laptop kept, or
    a copy of its database): signed with this installation's key, every member intact, and the audit
    chain still holding the entry the bundle pinned (a log cut back or rewritten before it fails).
    Returns the anchor and what verify_chain found; raises BundleRefused for a file that is not so."""
    bundle = manifest.unpack(data, max_unpacked=settings.BUNDLE_MAX_UNPACKED_BYTES)
    manifest.check_signature(bundle, signing.verifies)
    if bundle.manifest.get("public_key") != signing.public_text(signing.load_private().public_key()):
        raise BundleRefused("not_ours", fingerprint=signing.fingerprint(str(bundle.manifest["public_key"])))
    manifest.check_members(bundle)
    anchor = manifest.audit_anchor(bundle)
    if not anchor:
        raise BundleRefused("manifest_unreadable")
    return anchor, audit.verify_chain(anchors=[(anchor["chain"], anchor["seq"], anchor["hash"])])


# --- refusals ------------------------------------------------------------------------------------------


def refusal_message(refusal: BundleRefused) -> str:
    """The refusal in words for the person filing the bundle: what failed, and where."""
    params = refusal.params
    messages = {
        "not_a_bundle": _("The file is not a meeting bundle (a zip with manifest.json and manifest.sig)."),
        "too_large": _("The bundle unpacks to more than this server accepts."),
        "manifest_unreadable": _("The bundle's manifest cannot be read: it is damaged or of another format."),
        "unknown_village": _("The bundle is for village %(village)s, which this server does not have."),
        "not_yours": _("The bundle is for %(village)s, a village you do not administer."),
        "key_unknown": _(
            "The bundle is signed with a key that is not registered for %(village)s (fingerprint "
            "%(fingerprint)s)."
        ),
        "not_ours": _(
            "The bundle is signed with another key than this installation's (fingerprint %(fingerprint)s)."
        ),
        "key_revoked": _(
            "The bundle is signed with a key of %(village)s that was revoked (fingerprint %(fingerprint)s)."
        ),
        "signature_invalid": _("The manifest's signature does not verify: the manifest was altered."),
        "member_missing": _("The member %(member)s listed in the manifest is missing."),
        "member_altered": _(
            "The member %(member)s does not match its SHA-256 in the signed manifest: it was altered."
        ),
        "member_unlisted": _("The member %(member)s is not listed in the signed manifest."),
        "replay": _(
            "This is version %(version)s of the meeting's bundle; version %(imported)s was already "
            "imported. An earlier version cannot replace a later one."
        ),
        "version_conflict": _(
            "Version %(version)s of this meeting's bundle was already imported with other contents."
        ),
        "seal_mismatch": _(
            "The ballots in ballots.json do not give the seal of the published results (%(seal)s)."
        ),
        "cadre_ambiguous": _(
            "%(village)s has more than one cadre named %(name)s: the bundle's cadre cannot be told apart."
        ),
        "content_invalid": _("The member %(member)s does not hold what a meeting bundle holds."),
        "proposal_open": _(
            "%(village)s has an open proposal of household %(household)s for %(evaluation)s outside this "
            "meeting: the bundle's evaluation of it cannot be imported beside it."
        ),
        "attachment_refused": _(
            "The attachment %(name)s (member %(member)s) is refused as an upload would be: %(reason)s"
        ),
    }
    return messages[refusal.check] % params


# --- import --------------------------------------------------------------------------------------------


class ImportOutcome:
    def __init__(self, meeting: Meeting, version: int, created: bool):
        self.meeting, self.version, self.created = meeting, version, created


def meeting_import(*, data: bytes, by) -> ImportOutcome:
    """Check and import a bundle; a refusal (ValidationError naming the failed check) imports nothing
    and is itself in the audit log."""
    stored = _StoredFiles()
    try:
        return _import(data=data, by=by, stored=stored)
    except BundleRefused as refusal:
        # The rows are rolled back; the attachment files written for them must go too.
        stored.delete()
        message = refusal_message(refusal)
        with transaction.atomic():
            audit.record(
                actor=by,
                action="meeting_bundle_refused",
                scope=refusal.params.get("scope", ""),
                details={"check": refusal.check, "message": message},
            )
        raise ValidationError(message, code=refusal.check) from None
    except BaseException:
        stored.delete()
        raise


class _StoredFiles:
    """The attachment files an import wrote to the storage, to delete should it fail."""

    def __init__(self):
        self.files = []

    def add(self, field) -> None:
        self.files.append((field.storage, field.name))

    def delete(self) -> None:
        for storage, name in self.files:
            storage.delete(name)
        self.files = []


@transaction.atomic
def _import(*, data: bytes, by, stored: _StoredFiles) -> ImportOutcome:
    bundle = manifest.unpack(data, max_unpacked=settings.BUNDLE_MAX_UNPACKED_BYTES)
    if "kind" in bundle.manifest:
        # A village's preparation file (ratings.preparation) in the same envelope: not a meeting.
        raise BundleRefused("not_a_bundle")
    code = str(bundle.manifest.get("village", ""))
    village = Village.objects.filter(code=code).select_related("township").first()
    if village is None:
        raise BundleRefused("unknown_village", village=code[:12])
    if by is not None and not permissions.has_capability(by, Capability.MANAGE_MEETINGS, village):
        raise BundleRefused("not_yours", village=village.name)
    public_key = str(bundle.manifest.get("public_key", ""))
    scope = {"scope": village.code, "village": village.name}
    key = VenueKey.objects.filter(village=village, public_key=public_key).first()
    fingerprint = signing.fingerprint(public_key) if _is_key(public_key) else "?"
    if key is None:
        raise BundleRefused("key_unknown", fingerprint=fingerprint, **scope)
    if not key.in_force:
        raise BundleRefused("key_revoked", fingerprint=fingerprint, **scope)
    manifest.check_signature(bundle, signing.verifies)
    try:
        manifest.check_members(bundle)
    except BundleRefused as refusal:
        raise BundleRefused(refusal.check, **refusal.params, scope=village.code) from None
    version, year = bundle.manifest.get("version"), bundle.manifest.get("year")
    if not isinstance(version, int) or not isinstance(year, int):
        raise BundleRefused("manifest_unreadable")
    anchor = manifest.audit_anchor(bundle)
    imports = BundleImport.objects.filter(meeting__village=village, meeting__year=year).select_for_update()
    latest = imports.order_by("-version").first()
    if latest is not None:
        if latest.version > version:
            raise BundleRefused("replay", version=version, imported=latest.version, scope=village.code)
        if latest.version == version:
            if latest.manifest_sha256 == bundle.digest:
                return ImportOutcome(latest.meeting, version, created=False)
            raise BundleRefused("version_conflict", version=version, scope=village.code)
    try:
        meeting = _write(bundle, village, latest.meeting if latest else None, stored)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BundleRefused("content_invalid", member=_member_of(error), scope=village.code) from None
    record = BundleImport.objects.create(
        meeting=meeting,
        version=version,
        manifest_sha256=bundle.digest,
        venue_key=key,
        venue_seal=bundle.json("ballots.json")["seal"],
        poll_counts=bundle.json("poll.json"),
        certificate=bundle.json("certificate.json"),
        audit_anchor=anchor,
        imported_by=by,
    )
    audit.record(
        actor=by,
        action="meeting_bundle_import",
        target=meeting,
        details={"version": version, "manifest_sha256": bundle.digest, "fingerprint": key.fingerprint},
    )
    return ImportOutcome(record.meeting, version, created=True)


def _is_key(text: str) -> bool:
    try:
        signing.parse_public(text)
    except ValueError:
        return False
    return True


def _member_of(error: Exception) -> str:
    return getattr(error, "member", "?")


class _Reading:
    """Which member is being read, for a refusal that names it."""

    def __init__(self):
        self.member = "meeting.json"


def _write(
    bundle: manifest.Bundle, village: Village, meeting: Meeting | None, stored: _StoredFiles
) -> Meeting:
    reading = _Reading()
    try:
        return _write_members(bundle, village, meeting, reading, stored)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        error.member = reading.member
        raise


def _write_members(bundle, village, meeting, reading, stored) -> Meeting:
    described = bundle.json("meeting.json")
    if described["village"] != village.code:
        raise ValueError("village")
    cadres = {row["id"]: _cadre(village, row) for row in described["cadres"]}
    fields = described["meeting"]
    values = {
        **{name: fields[name] for name in ("year", "venue", "kind", "agenda", "status", "annulment_reason")},
        **{
            name: fields[name]
            for name in ("roll_size", "representatives_size", "panel_seats", "phones_allowed")
        },
        "held_at": parse_datetime(fields["held_at"]),
        "status_changed_at": parse_datetime(fields["status_changed_at"]),
    }
    if meeting is None:
        meeting = Meeting.objects.create(
            village=village,
            scheme=schemes.from_description(described["scheme"], township=village.township),
            **values,
        )
    else:
        Meeting.objects.filter(pk=meeting.pk).update(**values)
        meeting.refresh_from_db()
    for row in described["reporting"]:
        MeetingCadre.objects.update_or_create(
            meeting=meeting, cadre=cadres[row["cadre_id"]], defaults={"order": row["order"]}
        )
    reading.member = "reports.json"
    _reports(meeting, bundle, cadres, stored)
    reading.member = "questions.json"
    _questions(meeting, bundle.json("questions.json"), cadres)
    # A bundle of a meeting without households' evaluations (or made before they travelled) has none.
    proposals = {}
    if "evaluations.json" in bundle.members:
        reading.member = "evaluations.json"
        proposals = _evaluations(meeting, bundle.json("evaluations.json"))
    reading.member = "ballots.json"
    box = bundle.json("ballots.json")
    _ballots(meeting, box, cadres, proposals)
    reading.member = "poll.json"
    poll = bundle.json("poll.json")
    for door, count in poll["doors"].items():
        DoorCount.objects.update_or_create(meeting=meeting, door=door, defaults={"ballots": count})
    # A bundle made before assisted voting was counted has no such figure: none were recorded.
    PollBookCount.objects.update_or_create(
        meeting=meeting, defaults={"assisted": int(poll.get("assisted", 0))}
    )
    reading.member = "results.json"
    _results(meeting, bundle.json("results.json"), cadres, box["seal"], proposals)
    # A bundle made before the honor roll and the certificate's signers travelled has neither.
    if "honor.json" in bundle.members:
        reading.member = "honor.json"
        _honor(meeting, bundle.json("honor.json"))
    reading.member = "certificate.json"
    _certificate(meeting, bundle.json("certificate.json"))
    return meeting


def _cadre(village: Village, row: dict) -> Cadre:
    same = list(Cadre.objects.filter(village=village, name=row["name"])[:2])
    if len(same) > 1:
        raise BundleRefused("cadre_ambiguous", village=village.name, name=row["name"], scope=village.code)
    cadre = same[0] if same else Cadre.objects.create(village=village, name=row["name"], gender=row["gender"])
    for post in row["posts"]:
        CadrePost.objects.update_or_create(
            cadre=cadre,
            post=post["post"],
            term_start=post["term_start"],
            defaults={"term_end": post["term_end"]},
        )
    return cadre


def _reports(meeting: Meeting, bundle: manifest.Bundle, cadres: dict, stored: _StoredFiles) -> None:
    for row in bundle.json("reports.json"):
        sections = {name: row[name] for name, _label in WorkReport.SECTIONS}
        # A bundle made before reports had a Uyghur version holds Chinese ones only.
        language = row.get("language", WorkReport.Language.CHINESE)
        if language not in WorkReport.Language.values:
            raise ValueError("language")
        report, _created = WorkReport.objects.update_or_create(
            meeting=meeting,
            cadre=cadres[row["cadre"]],
            language=language,
            defaults={**sections, "status": row["status"], "moderator_comment": row["moderator_comment"]},
        )
        WorkReport.objects.filter(pk=report.pk).update(
            created_at=parse_datetime(row["created_at"]),
            published_at=parse_datetime(row["published_at"]) if row["published_at"] else None,
        )
        for revision in row["revisions"]:
            ReportRevision.objects.update_or_create(
                report=report,
                number=revision["number"],
                defaults={
                    "sections": revision["sections"],
                    "created_at": parse_datetime(revision["created_at"]),
                },
            )
        _attachments(report, row.get("attachments", []), bundle, stored)


def _attachments(report: WorkReport, rows: list, bundle: manifest.Bundle, stored: _StoredFiles) -> None:
    """The report's attachments as the venue has them: an attachment by its file name and when it was
    uploaded; the bytes checked by their content as an upload is, whatever the bundle says they are."""
    kept = set()
    for row in rows:
        name, uploaded = display_name(row["name"]), parse_datetime(row["uploaded_at"])
        if uploaded is None:
            raise ValueError("uploaded_at")
        here = Attachment.objects.filter(report=report, original_name=name, uploaded_at=uploaded).first()
        if here is None:
            here = _attachment_store(report, name, bundle.members[row["member"]], row["member"], stored)
            Attachment.objects.filter(pk=here.pk).update(uploaded_at=uploaded)
        kept.add(here.pk)
    for gone in Attachment.objects.filter(report=report).exclude(pk__in=kept):
        storage, path = gone.file.storage, gone.file.name
        gone.delete()
        transaction.on_commit(lambda storage=storage, path=path: storage.delete(path))


def _attachment_store(report: WorkReport, name: str, content: bytes, member: str, stored) -> Attachment:
    try:
        checked = uploads.check_upload(content, pdf=True)
    except ValidationError as error:
        raise BundleRefused(
            "attachment_refused",
            name=name,
            member=member,
            reason=" ".join(error.messages),
            scope=report.meeting.village.code,
        ) from None
    attachment = Attachment(
        report=report,
        original_name=name,
        kind=Attachment.Kind(checked.kind),
        content_type=checked.content_type,
        size=len(content),
    )
    attachment.file.save(f"{uuid.uuid4().hex}{checked.extension}", ContentFile(content), save=False)
    stored.add(attachment.file)
    attachment.save()
    return attachment


def _questions(meeting: Meeting, member: dict, cadres: dict) -> None:
    """A question by its text and when it was asked; a commitment by its title and when it was made."""
    questions = {}
    for row in member["questions"]:
        asked = parse_datetime(row["created_at"])
        question = Question.objects.filter(meeting=meeting, text=row["text"], created_at=asked).first()
        values = {
            "cadre": cadres.get(row["cadre"]),
            "asker_name": row["asker_name"],
            "source": row["source"],
            "status": row["status"],
            "moderation_note": row["moderation_note"],
            "answer": row["answer"],
            "answered_at": parse_datetime(row["answered_at"]) if row["answered_at"] else None,
        }
        if question is None:
            question = Question.objects.create(meeting=meeting, text=row["text"], **values)
            Question.objects.filter(pk=question.pk).update(created_at=asked)
        else:
            Question.objects.filter(pk=question.pk).update(**values)
        questions[row["id"]] = question
    for row in member["commitments"]:
        made = parse_datetime(row["created_at"])
        values = {
            "question": questions.get(row["question"]),
            "owner": cadres[row["owner"]],
            "details": row["details"],
            "due_date": datetime.date.fromisoformat(row["due_date"]),
            "status": row["status"],
            "done_at": datetime.date.fromisoformat(row["done_at"]) if row["done_at"] else None,
        }
        commitment = Commitment.objects.filter(meeting=meeting, title=row["title"], created_at=made).first()
        if commitment is None:
            commitment = Commitment.objects.create(meeting=meeting, title=row["title"], **values)
            Commitment.objects.filter(pk=commitment.pk).update(created_at=made)
        else:
            Commitment.objects.filter(pk=commitment.pk).update(**values)
        for update in row["updates"]:
            CommitmentUpdate.objects.get_or_create(
                commitment=commitment, date=datetime.date.fromisoformat(update["date"]), text=update["text"]
            )


def _evaluations(meeting: Meeting, rows: list) -> dict:
    """The households' evaluations on the meeting's agenda, each by its household (by number) and
    decision, with its status history; the venue's ids → the county's proposals.

    Whoever moved a proposal at the venue is kept by name, with no account here (as created_by: none).
    A proposal the county has taken further since (the township's check, the county's decision) keeps
    its later steps and status: the bundle adds the venue's steps to its history, and changes nothing else.
    """
    village, mapped = meeting.village, {}
    for row in rows:
        household = _household(meeting, row["household"])
        kind = HouseholdProposal.Kind(row["kind"])
        proposal = HouseholdProposal.objects.filter(meeting=meeting, household=household, kind=kind).first()
        if proposal is None:
            status = HouseholdProposal.Status(row["status"])
            open_elsewhere = HouseholdProposal.objects.filter(household=household, kind=kind).exclude(
                status__in=HouseholdProposal.FINAL
            )
            if status not in HouseholdProposal.FINAL and open_elsewhere.exists():
                raise BundleRefused(
                    "proposal_open",
                    village=village.name,
                    household=household.number,
                    evaluation=kind.label,
                    scope=village.code,
                )
        values = {
            **{name: row[name] for name in contents.PROPOSAL_FIELDS},
            "status": HouseholdProposal.Status(row["status"]),
            "category": HouseholdProposal.Category(row["category"]) if row["category"] else "",
            "star": HouseholdProposal.Star(row["star"]) if row["star"] else "",
            **{
                name: decimal.Decimal(row[name]) if row[name] is not None else None
                for name in ("income_per_head", "income_line")
            },
            **{
                name: datetime.date.fromisoformat(row[name]) if row[name] else None
                for name in contents.PROPOSAL_DATES
            },
            "confirmed_at": parse_datetime(row["confirmed_at"]) if row["confirmed_at"] else None,
        }
        if proposal is None:
            proposal = HouseholdProposal.objects.create(
                village=village, household=household, meeting=meeting, created_by=None, **values
            )
        elif not _taken_further(proposal, row["history"]):
            HouseholdProposal.objects.filter(pk=proposal.pk).update(**values)
        HouseholdProposal.objects.filter(pk=proposal.pk).update(created_at=parse_datetime(row["created_at"]))
        for step in row["history"]:
            HouseholdStatusChange.objects.get_or_create(
                proposal=proposal,
                household=household,
                status=HouseholdProposal.Status(step["status"]),
                at=parse_datetime(step["at"]),
                defaults={"by_name": str(step["by"]), "reason": step["reason"]},
            )
        mapped[row["id"]] = proposal
    return mapped


def _taken_further(proposal: HouseholdProposal, history: list) -> bool:
    """Whether the county's history of the proposal holds a step later than the venue's last."""
    last = max((parse_datetime(step["at"]) for step in history), default=None)
    later = HouseholdStatusChange.objects.filter(proposal=proposal)
    return (later.filter(at__gt=last) if last else later).exists()


def _ballots(meeting: Meeting, box: dict, cadres: dict, proposals: dict) -> None:
    """The ballots not yet here, by their random ids; the counts kept at the close, as the venue kept
    them. A nomination names its household by number; an answer, its evaluation by the venue's id."""
    scheme = meeting.scheme
    criteria = {c.code: c for c in scheme.criteria.all()}
    grades = {g.code: g for g in scheme.grades.all()}
    groups = {g.kind: g for g in scheme.groups.all()}
    numbers = {number for row in box["ballots"] for number in row["nominations"]}
    households = {}
    for number in sorted(numbers):
        households[number], _created = Household.objects.get_or_create(village=meeting.village, number=number)
    here = set(Ballot.objects.filter(meeting=meeting).values_list("pk", flat=True))
    new_ballots, new_grades, new_nominations, new_answers = [], [], [], []
    for row in box["ballots"]:
        ballot_id = uuid.UUID(row["id"])
        if ballot_id in here:
            continue
        new_ballots.append(
            Ballot(
                id=ballot_id,
                meeting=meeting,
                group=groups[row["group"]],
                receipt=row["receipt"],
                cast_on=datetime.date.fromisoformat(row["cast_on"]),
            )
        )
        new_grades += [
            BallotGrade(
                ballot_id=ballot_id,
                cadre=cadres[cadre],
                criterion=criteria[criterion] if criterion else None,
                grade=grades[grade],
            )
            for cadre, criterion, grade in row["grades"]
        ]
        new_nominations += [
            BallotNomination(ballot_id=ballot_id, household=households[number])
            for number in row["nominations"]
        ]
        new_answers += [
            BallotEvaluation(
                ballot_id=ballot_id,
                proposal=proposals[proposal],
                answer=BallotEvaluation.Answer(answer),
            )
            for proposal, answer in row.get("evaluations", [])
        ]
    Ballot.objects.bulk_create(new_ballots)
    BallotGrade.objects.bulk_create(new_grades)
    BallotNomination.objects.bulk_create(new_nominations)
    BallotEvaluation.objects.bulk_create(new_answers)
    EvaluationCount.objects.filter(meeting=meeting).delete()
    EvaluationCount.objects.bulk_create(
        EvaluationCount(
            meeting=meeting,
            proposal=proposals[proposal],
            group=groups[group],
            answer=BallotEvaluation.Answer(answer),
            ballots=n,
        )
        for proposal, group, answer, n in box.get("evaluation_counts", [])
    )
    GradeCount.objects.filter(meeting=meeting).delete()
    GradeCount.objects.bulk_create(
        GradeCount(
            meeting=meeting,
            cadre=cadres[cadre],
            criterion=criteria[criterion] if criterion and criterion != OVERALL else None,
            group=groups[group],
            grade=grades[grade],
            ballots=n,
        )
        for cadre, criterion, group, grade, n in box["grade_counts"]
    )


def _results(meeting: Meeting, rows: list, cadres: dict, venue_seal: str, proposals: dict) -> None:
    """Each snapshot as the venue published it, in the county's ids; sealed with the county's ballots.

    The venue's seal must be the seal of the ballots the bundle carries: else they are not the box
    that was counted.
    """
    county_seal = tally.ballots_seal(meeting)
    for row in rows:
        if row["ballots_sha256"] != venue_seal and row["status"] in ResultSnapshot.LIVE:
            raise BundleRefused("seal_mismatch", seal=row["ballots_sha256"], scope=meeting.village.code)
        existing = ResultSnapshot.objects.filter(meeting=meeting, version=row["version"]).first()
        lifecycle = {
            "status": row["status"],
            "published_at": parse_datetime(row["published_at"]) if row["published_at"] else None,
            "notice_ends": datetime.date.fromisoformat(row["notice_ends"]) if row["notice_ends"] else None,
            "finalized_at": parse_datetime(row["finalized_at"]) if row["finalized_at"] else None,
        }
        if existing is not None:
            for name, value in lifecycle.items():
                setattr(existing, name, value)
            existing.save(update_fields=list(lifecycle))
            continue
        snapshot = ResultSnapshot.objects.create(
            meeting=meeting,
            version=row["version"],
            data=_in_county_ids(
                row["data"],
                meeting,
                {v: c.pk for v, c in cadres.items()},
                {v: p.pk for v, p in proposals.items()},
            ),
            ballots=row["ballots"],
            ballots_sha256=county_seal if row["ballots_sha256"] == venue_seal else row["ballots_sha256"],
            computed_at=parse_datetime(row["computed_at"]),
            **lifecycle,
        )
        standings.standings_write(snapshot)


def _household(meeting: Meeting, number) -> Household:
    return Household.objects.get_or_create(village=meeting.village, number=str(number))[0]


def _honor(meeting: Meeting, member: dict) -> None:
    """The committees' nominations and the candidates as the venue reviewed them, by household number."""
    for row in member["nominations"]:
        nomination, _created = HonorNomination.objects.update_or_create(
            meeting=meeting,
            household=_household(meeting, row["household"]),
            defaults={"reason": row["reason"]},
        )
        HonorNomination.objects.filter(pk=nomination.pk).update(created_at=parse_datetime(row["created_at"]))
    listed = []
    for row in member["candidates"]:
        amount = row["award_amount"]
        candidate, _created = HonorCandidate.objects.update_or_create(
            meeting=meeting,
            household=_household(meeting, row["household"]),
            defaults={
                "votes": int(row["votes"]),
                "committee_reason": row["committee_reason"],
                "status": HonorCandidate.Status(row["status"]),
                "review_note": row["review_note"],
                "award": row["award"],
                "award_ug": row.get("award_ug", ""),  # absent from bundles made before it
                "award_amount": decimal.Decimal(amount) if amount is not None else None,
                "reviewed_at": parse_datetime(row["reviewed_at"]) if row["reviewed_at"] else None,
            },
        )
        listed.append(candidate.pk)
    HonorCandidate.objects.filter(meeting=meeting).exclude(pk__in=listed).delete()


def _resident(meeting: Meeting, person: dict) -> Resident:
    """The signer on the county's roll by the keyed hash of their ID number; one the county does not have
    is kept off its roll (inactive): the county's roll is the one that counts."""
    village = meeting.village
    resident = Resident.objects.filter(village=village, id_hash=person["id_hash"]).first()
    if resident is None:
        resident = Resident.objects.create(
            village=village,
            household=_household(meeting, person["household"]),
            id_hash=str(person["id_hash"]),
            gender=Resident.Gender(person["gender"]),
            active=False,
            **{name: person[name] for name in ("name", "birth_year", "id_last4")},
        )
    return resident


def _certificate(meeting: Meeting, member: dict) -> None:
    """The scrutineers and every confirmation as signed at the venue, onto the county's snapshots.

    The chair's confirmation names the county's supervision member when it holds the same villager;
    else it keeps the signer's name alone (ratings.closure.certificate shows it as filed).
    """
    scrutineers = {
        row["id"]: Scrutineer.objects.get_or_create(meeting=meeting, resident=_resident(meeting, row))[0]
        for row in member.get("scrutineers", [])
    }
    snapshots = {s.version: s for s in ResultSnapshot.objects.filter(meeting=meeting)}
    for row in member["confirmations"]:
        confirmed = parse_datetime(row["confirmed_at"])
        chair = row.get("chair")
        values = {
            "snapshot": snapshots.get(row["version"]),
            "ballots_sha256": row["ballots_sha256"],
            "figures_sha256": row["figures_sha256"],
            "on_paper": bool(row["on_paper"]),
            "scrutineer": scrutineers.get(row.get("scrutineer")),
            "member": SupervisionMember.objects.filter(
                village=meeting.village, resident__id_hash=chair["id_hash"]
            ).first()
            if chair
            else None,
        }
        lookup = {
            "meeting": meeting,
            "version": row["version"],
            "capacity": CertificateConfirmation.Capacity(row["capacity"]),
            "signer_name": row["signer_name"],
            "confirmed_at": confirmed,
        }
        if not CertificateConfirmation.objects.filter(**lookup).update(**values):
            confirmation = CertificateConfirmation.objects.create(**{**lookup, **values})
            CertificateConfirmation.objects.filter(pk=confirmation.pk).update(confirmed_at=confirmed)


def _in_county_ids(
    document: dict, meeting: Meeting, cadres: dict[int, int], proposals: dict[int, int] | None = None
) -> dict:
    """The venue's results document with the county's ids (cadres, households' evaluations by their
    proposals), and the digests that cover ids redone."""
    proposals = proposals or {}
    document = {**document, "meeting": {**document["meeting"], "id": meeting.pk}}
    document["cadres"] = [{**row, "id": cadres[row["id"]]} for row in document["cadres"]]
    if document.get("counts") is not None:
        document["counts"] = sorted([cadres[row[0]], *row[1:]] for row in document["counts"])
        document["counts_sha256"] = opendata.sha256(opendata.published_counts_csv(document))
    codebook = document.get("codebook")
    if codebook:
        document["codebook"] = {
            **codebook,
            "cadres": {str(cadres[int(key)]): value for key, value in codebook["cadres"].items()},
        }
        if "households" in codebook:
            document["codebook"]["households"] = {
                str(proposals[int(key)]): value for key, value in codebook["households"].items()
            }
    if "households" in document:
        document["households"] = [{**row, "id": proposals[row["id"]]} for row in document["households"]]
        document["evaluations_sha256"] = opendata.sha256(opendata.evaluations_csv(document["households"]))
    document["honor_roll"] = [
        {
            **row,
            "household": Household.objects.get_or_create(village=meeting.village, number=row["number"])[0].pk,
        }
        for row in document.get("honor_roll") or []
    ]
    if "codebook_sha256" in document:
        document["codebook_sha256"] = opendata.sha256(opendata.codebook_csv(document))
    return document
