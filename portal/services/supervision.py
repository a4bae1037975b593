"""The village affairs supervision committee: appointing members, choosing the chair, removing members.

Township administrators of the village (MANAGE_ROLES), as for the village's staff roles; every change is
in the audit log. A serving cadre of the village and their close relatives cannot sit on the committee
(Organic Law art. 32), as far as the registry can tell (ResidentQuerySet.near_cadres).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit, permissions
from portal.models import Cadre, Resident, SupervisionMember, Village
from portal.permissions import Capability


def _locked_village(village: Village) -> Village:
    # One change to a village's committee at a time: the one-chair rule reads before it writes.
    return Village.objects.select_for_update().get(pk=village.pk)


def _make_chair(member: SupervisionMember) -> str:
    """Make `member` the chair; the name of the chair it replaces, if any."""
    previous = SupervisionMember.objects.filter(village=member.village_id, is_chair=True).exclude(
        pk=member.pk
    )
    names = [str(other) for other in previous.select_related("resident")]
    previous.update(is_chair=False)
    member.is_chair = True
    return ", ".join(names)


@transaction.atomic
def supervision_member_add(
    *, village: Village, resident: Resident, by, chair: bool = False, user=None
) -> SupervisionMember:
    """Appoint a villager of the roll to the committee, as its chair if `chair`, linked to `user`."""
    permissions.ensure(by, Capability.MANAGE_ROLES, village)
    village = _locked_village(village)
    if resident.village_id != village.pk or not resident.active:
        raise ValidationError(_("This person is not on the village's roll."))
    serving = Cadre.objects.in_village(village).serving_in(timezone.localdate().year)
    if Resident.objects.near_cadres(serving).filter(pk=resident.pk).exists():
        raise ValidationError(
            _(
                "%(name)s is a serving cadre of the village or lives in the household of one: a cadre and "
                "their close relatives cannot sit on the supervision committee."
            )
            % {"name": resident.name}
        )
    if user is not None and Cadre.objects.filter(user=user).exists():
        raise ValidationError(
            _("This account belongs to a cadre; it cannot be a supervision committee member's.")
        )
    members = SupervisionMember.objects.filter(village=village)
    if members.filter(resident=resident).exists():
        raise ValidationError(_("%(name)s is already on the committee.") % {"name": resident.name})
    if user is not None and members.filter(user=user).exists():
        raise ValidationError(_("This account is already linked to another member of the committee."))
    member = SupervisionMember(village=village, resident=resident, user=user)
    replaced = _make_chair(member) if chair else ""
    member.save()
    audit.record(
        actor=by,
        action="supervision_member_add",
        target=member,
        details={
            "resident": resident.pk,
            "name": resident.name,
            "chair": chair,
            "replaces_chair": replaced,
            "account": user.get_username() if user is not None else "",
        },
    )
    return member


@transaction.atomic
def supervision_chair_set(*, member: SupervisionMember, by) -> SupervisionMember:
    """Make a member the chair; the chair before becomes a member."""
    permissions.ensure(by, Capability.MANAGE_ROLES, member.village)
    _locked_village(member.village)
    replaced = _make_chair(member)
    member.save(update_fields=["is_chair"])
    audit.record(
        actor=by,
        action="supervision_chair_set",
        target=member,
        details={"name": member.name, "replaces_chair": replaced},
    )
    return member


@transaction.atomic
def supervision_member_remove(*, member: SupervisionMember, by) -> None:
    """Remove a member; a chair's confirmations already given stay on record under their name."""
    permissions.ensure(by, Capability.MANAGE_ROLES, member.village)
    _locked_village(member.village)
    audit.record(
        actor=by,
        action="supervision_member_remove",
        target=member,
        details={"name": member.name, "chair": member.is_chair},
    )
    member.delete()
