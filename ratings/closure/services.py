"""Writes of the closure certificate: naming scrutineers, and confirming the certificate.

Operators and township administrators of the village (OPERATE_MEETING) name and remove a meeting's
scrutineers until the results are published, and record a signature on the printed certificate. A
scrutineer or the supervision committee's chair confirms with their own account. Every write is in
the audit log, in the transaction of the change, under the meeting's lock.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from meetings.models import Meeting
from portal import audit, permissions
from portal.models import Resident, SupervisionMember
from portal.permissions import Capability
from ratings.closure import certificate as certificates
from ratings.models import CertificateConfirmation, ResultSnapshot, Scrutineer
from ratings.results.services import may_recount

# Scrutineers are named before or during the count, and again for a recount after an upheld objection.
NAMING = {
    Meeting.Status.DRAFT,
    Meeting.Status.ANNOUNCED,
    Meeting.Status.VOTING_OPEN,
    Meeting.Status.VOTING_CLOSED,
}


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("village").get(pk=meeting.pk)


def naming_open(meeting: Meeting) -> bool:
    return meeting.status in NAMING or may_recount(meeting)


def _ensure_naming_open(meeting: Meeting) -> None:
    if not naming_open(meeting):
        raise ValidationError(_("Scrutineers are named until the results are published."))


@transaction.atomic
def scrutineer_name(*, meeting: Meeting, resident: Resident, by, user=None) -> Scrutineer:
    """Name a villager of the roll to watch the count, optionally with the staff account they confirm with."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    meeting = _locked_meeting(meeting)
    _ensure_naming_open(meeting)
    if resident.village_id != meeting.village_id or not resident.active:
        raise ValidationError(_("This person is not on the village's roll."))
    if certificates.near_reviewed(meeting, resident):
        raise ValidationError(
            _(
                "%(name)s is a cadre under review at this meeting or lives in the household of one: they "
                "cannot be a scrutineer."
            )
            % {"name": resident.name}
        )
    if certificates.reviewed_account(meeting, user):
        raise ValidationError(_("This account belongs to a cadre under review at this meeting."))
    chair = certificates.chair_of(meeting)
    if chair is not None and (
        chair.resident_id == resident.pk or (user is not None and chair.user_id == user.pk)
    ):
        raise ValidationError(
            _("The committee's chair confirms the certificate as the chair: name another villager.")
        )
    named = Scrutineer.objects.filter(meeting=meeting)
    if named.filter(resident=resident).exists():
        raise ValidationError(
            _("%(name)s is already a scrutineer of this meeting.") % {"name": resident.name}
        )
    if user is not None and named.filter(user=user).exists():
        raise ValidationError(_("This account is already linked to another scrutineer of this meeting."))
    scrutineer = Scrutineer.objects.create(meeting=meeting, resident=resident, user=user, named_by=by)
    audit.record(
        actor=by,
        action="scrutineer_name",
        target=scrutineer,
        details={
            "resident": resident.pk,
            "name": resident.name,
            "account": user.get_username() if user is not None else "",
        },
    )
    return scrutineer


@transaction.atomic
def scrutineer_remove(*, scrutineer: Scrutineer, by) -> None:
    """Remove a scrutineer; a confirmation they gave stays on record under their name and no longer counts."""
    permissions.ensure(by, Capability.OPERATE_MEETING, scrutineer.meeting.village)
    _ensure_naming_open(_locked_meeting(scrutineer.meeting))
    audit.record(
        actor=by,
        action="scrutineer_remove",
        target=scrutineer,
        details={"resident": scrutineer.resident_id, "name": scrutineer.name},
    )
    scrutineer.delete()


@transaction.atomic
def certificate_confirm(*, snapshot: ResultSnapshot, signer: Scrutineer | SupervisionMember, by):
    """The scrutineer or the chair confirms the certificate of the draft with their own account."""
    if signer.user_id is None or not by.is_authenticated or signer.user_id != by.pk:
        raise PermissionDenied(_("Only %(name)s can confirm with their own account.") % {"name": signer.name})
    return _confirm(snapshot=snapshot, signer=signer, by=by, on_paper=False)


@transaction.atomic
def certificate_record_paper(*, snapshot: ResultSnapshot, signer: Scrutineer | SupervisionMember, by):
    """The operator records that the signer signed the printed certificate; the certificate says so."""
    permissions.ensure(by, Capability.OPERATE_MEETING, snapshot.meeting.village)
    return _confirm(snapshot=snapshot, signer=signer, by=by, on_paper=True)


def _confirm(*, snapshot: ResultSnapshot, signer, by, on_paper: bool) -> CertificateConfirmation:
    meeting = _locked_meeting(snapshot.meeting)
    # Gone when computed again since: the draft it replaced is deleted.
    snapshot = ResultSnapshot.objects.filter(pk=snapshot.pk).first()
    if (
        snapshot is None
        or snapshot.meeting_id != meeting.pk
        or snapshot.status != ResultSnapshot.Status.DRAFT
    ):
        raise ValidationError(_("Only results under review can be confirmed."))
    if isinstance(signer, Scrutineer):
        if signer.meeting_id != meeting.pk:
            raise ValidationError(_("This person is not a scrutineer of this meeting."))
        capacity = CertificateConfirmation.Capacity.SCRUTINEER
    else:
        if signer.village_id != meeting.village_id or not signer.is_chair:
            raise ValidationError(_("This person does not chair the village's supervision committee."))
        capacity = CertificateConfirmation.Capacity.CHAIR
    # The committee was checked against the cadres serving when it was appointed; these are the ones
    # under review at this meeting.
    if certificates.near_reviewed(meeting, signer.resident):
        raise ValidationError(
            _("%(name)s is a cadre under review at this meeting or lives in the household of one.")
            % {"name": signer.name}
        )
    certificate = certificates.certificate_of(meeting, snapshot)
    key = certificates.CHAIR if capacity == CertificateConfirmation.Capacity.CHAIR else str(signer.pk)
    line = certificate.signer(key)
    if line is not None and line.confirmation is not None:
        raise ValidationError(_("%(name)s has already confirmed this certificate.") % {"name": signer.name})
    confirmation = CertificateConfirmation.objects.create(
        meeting=meeting,
        snapshot=snapshot,
        version=snapshot.version,
        ballots_sha256=snapshot.ballots_sha256,
        figures_sha256=certificate.digest,
        capacity=capacity,
        scrutineer=signer if isinstance(signer, Scrutineer) else None,
        member=signer if isinstance(signer, SupervisionMember) else None,
        signer_name=signer.name,
        on_paper=on_paper,
        recorded_by=by,
    )
    audit.record(
        actor=by,
        action="certificate_paper_signature" if on_paper else "certificate_confirm",
        target=confirmation,
        details={
            "version": snapshot.version,
            "sha256": snapshot.ballots_sha256,
            "figures_sha256": certificate.digest,
            "capacity": capacity,
            "signer": signer.name,
        },
    )
    return confirmation
