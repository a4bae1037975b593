"""The closure certificate of a meeting (reads): what it states, who signs it, whether it is confirmed.

The certificate states the counted results snapshot (the draft under review, else the results
published): attendance and the quorum as the snapshot counted them, the ballot codes, the paper
ballots, the ballots by door (ratings.ballot.reconciliation, ratings.paper.sheets), the villagers
assisted by a helper (a count from the poll book), each cadre's published figures
(ratings.results.display) and the digest of the ballots. Its figures are hashed; a confirmation counts
only for the snapshot, version and figures it confirmed. Computing the results again, a signer removed,
or any figure that changed leaves earlier confirmations on record, no longer counting: the certificate
must be confirmed again.

The certificate also prints the village's audit log as it stood when the count closed (the head the
county chain recorded at the close of voting, or of the paper count when later: portal.audit.anchor_of),
so that a record of the vote cut out or rewritten after the certificate was signed is found by
`verify_audit --anchor`. It is printed beside the figures, not among them: the signers confirm the
count, and certificates confirmed before the anchor was printed keep their confirmations.

A meeting imported from a venue laptop (ratings.bundle) has the certificate as filed: the figures and
their digest as the venue stated them (the county does not hold its codes or poll book row by row), the
scrutineers and confirmations imported as rows, and a chair's confirmation shown under the name signed
when the county's supervision committee does not hold that villager.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from meetings.models import Meeting
from portal import audit
from portal.models import Cadre, Resident, SupervisionMember
from ratings.ballot.control import doors_of
from ratings.ballot.reconciliation import reconciliation_of
from ratings.models import Ballot, BundleImport, CertificateConfirmation, ResultSnapshot, Scrutineer
from ratings.paper.sheets import paper_figures, paper_in_use

SCRUTINEERS_NEEDED = 2
CHAIR = "chair"


def current_snapshot(meeting: Meeting) -> ResultSnapshot | None:
    """What the certificate states: the draft under review, else the results published or final."""
    snapshots = ResultSnapshot.objects.of_meeting(meeting)
    return snapshots.drafts().first() or snapshots.live().first()


def chair_of(meeting: Meeting) -> SupervisionMember | None:
    return (
        SupervisionMember.objects.filter(village=meeting.village_id, is_chair=True)
        .select_related("resident", "user")
        .first()
    )


def near_reviewed(meeting: Meeting, resident: Resident) -> bool:
    """A cadre under review at the meeting, or of their household (ResidentQuerySet.near_cadres)."""
    reviewed = Cadre.objects.filter(reporting__meeting=meeting)
    return Resident.objects.near_cadres(reviewed).filter(pk=resident.pk).exists()


def reviewed_account(meeting: Meeting, user) -> bool:
    """The account of a cadre under review at the meeting."""
    return user is not None and Cadre.objects.filter(reporting__meeting=meeting, user=user).exists()


def figures_of(meeting: Meeting, snapshot: ResultSnapshot) -> dict:
    """The certificate's figures, as plain data in a stable shape (hashed by `figures_digest`)."""
    reconciliation = reconciliation_of(meeting)
    turnout = snapshot.data.get("turnout", {})
    paper = None
    if paper_in_use(meeting):
        sheets = paper_figures(meeting)
        paper = {
            "printed": sheets.printed,
            "issued": sheets.issued,
            "returned": sheets.returned,
            "unreturned": sheets.unreturned,
        }
    doors = [count for _label, count in doors_of(reconciliation)]
    return {
        "meeting": meeting.pk,
        "version": snapshot.version,
        "ballots_sha256": snapshot.ballots_sha256,
        "attendance": {
            "kind": meeting.kind,
            "roll": turnout.get("roll"),
            "present": turnout.get("present"),
            "quorum_required": turnout.get("quorum_required"),
            "quorum_met": turnout.get("quorum_met"),
        },
        "codes": {
            "issued": reconciliation.codes_issued,
            "used": reconciliation.codes_used,
            "voided": reconciliation.codes_voided,
            "unused": reconciliation.codes_unused,
        },
        "paper": paper,
        "doors": dict(zip(Ballot.Door.values, doors, strict=True)),
        "ballots": {
            "in_box": reconciliation.ballots,
            "counted": snapshot.ballots,
            "township_panel": reconciliation.panel_ballots,
        },
        "poll_book": {"assisted": reconciliation.assisted},
    }


def figures_digest(figures: dict) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Filed:
    """What the venue's bundle stated of the certificate of one snapshot version."""

    figures: dict
    digest: str
    seal: str
    # The venue's audit log as its bundle pinned it (BundleImport.audit_anchor): {} for an older bundle.
    audit_anchor: dict = field(default_factory=dict)


def filed_certificate(meeting: Meeting, snapshot: ResultSnapshot) -> Filed | None:
    """The certificate as the venue filed it, when `snapshot` is the one its latest bundle stated."""
    if snapshot.status == ResultSnapshot.Status.DRAFT:
        return None
    filed = BundleImport.objects.filter(meeting=meeting).order_by("-version").first()
    figures = filed.certificate.get("figures") if filed is not None else None
    if not figures or figures.get("version") != snapshot.version:
        return None
    return Filed(figures, filed.certificate["figures_sha256"], figures["ballots_sha256"], filed.audit_anchor)


def closing_anchor(meeting: Meeting) -> audit.Anchor | None:
    """The village's audit log at the close of the count: the later of the heads the county chain
    recorded at the close of voting and at the close of the paper count."""
    anchors = [audit.anchor_of(meeting, after=action) for action in ("voting_close", "paper_close")]
    return max((a for a in anchors if a is not None), key=lambda a: a.county_seq, default=None)


@dataclass(frozen=True)
class SignedName:
    """A chair who confirmed at the venue and whom the county's supervision committee does not hold."""

    name: str
    pk: None = None
    user_id: None = None


@dataclass
class Signer:
    """One line of the certificate's signatures: the chair, or a scrutineer."""

    key: str  # "chair", or the scrutineer's id
    capacity: str
    person: Scrutineer | SupervisionMember | SignedName
    confirmation: CertificateConfirmation | None = None  # the one that counts, if any

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def user_id(self) -> int | None:
        return self.person.user_id

    def is_account_of(self, user) -> bool:
        return self.user_id is not None and user.is_authenticated and self.user_id == user.pk


@dataclass
class Certificate:
    meeting: Meeting
    snapshot: ResultSnapshot
    figures: dict
    digest: str
    signers: list[Signer]
    # Confirmations on record that no longer count: an earlier count, a changed figure, a signer gone.
    void: list[CertificateConfirmation] = field(default_factory=list)
    # The digest of the counted ballots the signers confirmed; as filed: the venue's, in its own ids.
    seal: str = ""
    filed: bool = False
    # This installation's audit log at the close of the count; for a filed certificate, the venue's
    # log as its bundle pinned it (chain, seq, hash).
    anchor: audit.Anchor | None = None
    venue_anchor: dict = field(default_factory=dict)

    @property
    def chair(self) -> Signer | None:
        return next((signer for signer in self.signers if signer.key == CHAIR), None)

    @property
    def scrutineers(self) -> list[Signer]:
        return [signer for signer in self.signers if signer.key != CHAIR]

    @property
    def scrutineers_confirmed(self) -> int:
        return sum(1 for signer in self.scrutineers if signer.confirmation is not None)

    @property
    def chair_confirmed(self) -> bool:
        return self.chair is not None and self.chair.confirmation is not None

    @property
    def confirmations_counted(self) -> int:
        """Of the three needed: the chair's and up to two scrutineers'."""
        return int(self.chair_confirmed) + min(self.scrutineers_confirmed, SCRUTINEERS_NEEDED)

    @property
    def confirmed(self) -> bool:
        return self.chair_confirmed and self.scrutineers_confirmed >= SCRUTINEERS_NEEDED

    @property
    def is_draft(self) -> bool:
        return self.snapshot.status == ResultSnapshot.Status.DRAFT

    def signer(self, key: str) -> Signer | None:
        return next((signer for signer in self.signers if signer.key == key), None)

    def refusal(self) -> str | None:
        """Why the results may not be published for want of confirmations; None when confirmed."""
        if self.confirmed:
            return None
        return _(
            "The closure certificate is not confirmed: the supervision committee's chair and two "
            "scrutineers must confirm it (%(done)s of 3 confirmations so far)."
        ) % {"done": self.confirmations_counted}


def certificate_of(meeting: Meeting, snapshot: ResultSnapshot) -> Certificate:
    """The certificate of the snapshot, with each signer's counting confirmation."""
    filed = filed_certificate(meeting, snapshot)
    if filed is not None:
        figures, digest, seal = filed.figures, filed.digest, filed.seal
    else:
        figures = figures_of(meeting, snapshot)
        digest, seal = figures_digest(figures), snapshot.ballots_sha256
    on_record = list(
        CertificateConfirmation.objects.filter(meeting=meeting).select_related("recorded_by", "member")
    )
    signers = []
    chair = chair_of(meeting)
    if filed is not None:
        chair = _filed_chair(chair, on_record, snapshot.version)
    if chair is not None:
        signers.append(Signer(key=CHAIR, capacity=CertificateConfirmation.Capacity.CHAIR, person=chair))
    for scrutineer in Scrutineer.objects.filter(meeting=meeting).select_related("resident", "user"):
        signers.append(
            Signer(
                key=str(scrutineer.pk),
                capacity=CertificateConfirmation.Capacity.SCRUTINEER,
                person=scrutineer,
            )
        )
    void = []
    for confirmation in on_record:
        signer = _signer_of(confirmation, signers)
        counts = (
            signer is not None
            and signer.confirmation is None
            and confirmation.snapshot_id == snapshot.pk
            and confirmation.version == snapshot.version
            and confirmation.ballots_sha256 == seal
            and confirmation.figures_sha256 == digest
        )
        if counts:
            signer.confirmation = confirmation
        elif confirmation.version <= snapshot.version:
            void.append(confirmation)
    return Certificate(
        meeting=meeting,
        snapshot=snapshot,
        figures=figures,
        digest=digest,
        signers=signers,
        void=void,
        seal=seal,
        filed=filed is not None,
        anchor=None if filed is not None else closing_anchor(meeting),
        venue_anchor=filed.audit_anchor if filed is not None else {},
    )


def _filed_chair(chair, on_record: list[CertificateConfirmation], version: int):
    """The chair's line of a filed certificate: whoever confirmed it as chair at the venue."""
    confirmed = [
        c for c in on_record if c.capacity == CertificateConfirmation.Capacity.CHAIR and c.version == version
    ]
    if not confirmed or (chair is not None and any(c.member_id == chair.pk for c in confirmed)):
        return chair
    signed = confirmed[-1]
    return signed.member if signed.member is not None else SignedName(signed.signer_name)


def _signer_of(confirmation: CertificateConfirmation, signers: list[Signer]) -> Signer | None:
    for signer in signers:
        if confirmation.capacity == CertificateConfirmation.Capacity.CHAIR and signer.key == CHAIR:
            if confirmation.member_id == signer.person.pk:
                return signer
        elif signer.key != CHAIR and confirmation.scrutineer_id == signer.person.pk:
            return signer
    return None


def publish_refusal(meeting: Meeting) -> str | None:
    """Why the draft under review may not be published for want of confirmations (one home of the rule)."""
    draft = ResultSnapshot.objects.of_meeting(meeting).drafts().first()
    if draft is None:
        return None
    return certificate_of(meeting, draft).refusal()


def drafts_to_confirm(user) -> list[ResultSnapshot]:
    """Drafts under review whose certificate this account signs (as a scrutineer, or as the chair)."""
    if not user.is_authenticated:
        return []
    signs = Q(meeting__scrutineers__user=user) | Q(
        meeting__village__supervision_members__user=user,
        meeting__village__supervision_members__is_chair=True,
    )
    drafts = ResultSnapshot.objects.drafts().filter(signs).exclude(meeting__status=Meeting.Status.ANNULLED)
    return list(drafts.with_meeting().distinct().order_by("meeting__held_at", "pk"))
