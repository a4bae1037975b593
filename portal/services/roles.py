"""Granting and revoking roles: the only way scope and group membership change."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit, permissions
from portal.groups import role_group
from portal.models import TOWNSHIP_ROLES, Role, RoleAssignment, Township, Village


def _ensure_can_assign(by, *, township: Township | None, village: Village | None) -> None:
    if by.is_superuser:
        return
    if township is not None:
        # Only a superuser appoints township administrators (and county officers, over townships too).
        raise PermissionDenied(_("Only a system administrator can appoint township administrators."))
    permissions.ensure(by, permissions.Capability.MANAGE_ROLES, village)


@transaction.atomic
def role_grant(
    *, user, role: str, by, township: Township | None = None, village: Village | None = None
) -> RoleAssignment:
    """Give `user` the role over a township (township administrator, county officer) or a village (the
    others)."""
    role = Role(role)
    if (role in TOWNSHIP_ROLES) != (township is not None) or (township is None) == (village is None):
        raise ValidationError(
            _(
                "A township administrator or a county officer is appointed for a township; every other "
                "role for a village."
            )
        )
    _ensure_can_assign(by, township=township, village=village)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, township=township, village=village
    )
    if created:
        user.groups.add(role_group(role))
        if role in permissions.ADMIN_SITE_ROLES and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit.record(
            actor=by,
            action="role_grant",
            target=assignment,
            scope=(township or village).code,
            details={"user": user.get_username(), "role": role.value},
        )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, by) -> None:
    _ensure_can_assign(by, township=assignment.township, village=assignment.village)
    user, role, scope = assignment.user, assignment.role, assignment.scope
    audit.record(
        actor=by,
        action="role_revoke",
        target=assignment,
        scope=scope.code,
        details={"user": user.get_username(), "role": role},
    )
    assignment.delete()
    if not RoleAssignment.objects.filter(user=user, role=role).exists():
        user.groups.remove(role_group(Role(role)))
    remaining = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if user.is_staff and not user.is_superuser and not remaining & permissions.ADMIN_SITE_ROLES:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
