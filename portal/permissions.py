"""Who may do what, and where: the one place that decides.

A capability is granted by roles. A township administrator or a county officer holds it over every
village of the township; every other role over the one village it was given for. Views scope their
querysets with `villages_with` so that another village's object is a 404, and services check `ensure`
again.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portal.models import TOWNSHIP_ROLES, Role, RoleAssignment, Township, Village


class Capability:
    VIEW_ROLL = "view_roll"
    MANAGE_ROLL = "manage_roll"
    MODERATE = "moderate"
    OPERATE_MEETING = "operate_meeting"
    MANAGE_MEETINGS = "manage_meetings"
    MANAGE_ROLES = "manage_roles"
    VIEW_AUDIT = "view_audit"
    WRITE_OWN_CONTENT = "write_own_content"
    # The count on the spot, projected in the hall: whoever runs the meeting at the venue.
    PROJECT_COUNT = "project_count"
    # Households' evaluations (ratings.evaluations): the village's staff propose a household and record
    # its confirmation, the moderators approve it for the agenda, the township checks what the village
    # voted, the county decides; all of them read the village's proposals and register.
    PROPOSE_HOUSEHOLDS = "propose_households"
    CHECK_HOUSEHOLDS = "check_households"
    DECIDE_HOUSEHOLDS = "decide_households"
    VIEW_HOUSEHOLD_EVALUATIONS = "view_household_evaluations"
    # Cadres' visits: pairing cadres with households, the township's policies and visit requirement,
    # the households' cards, the counts of visits.
    MANAGE_VISITS = "manage_visits"
    # Reading the visits' figures (visits per cadre, problems open for long, households at risk): the
    # township's administrators and the county's officers over the township.
    VIEW_VISITS = "view_visits"


GRANTED_BY = {
    Capability.VIEW_ROLL: {Role.TOWNSHIP_ADMIN, Role.VILLAGE_MODERATOR, Role.MEETING_OPERATOR},
    Capability.MANAGE_ROLL: {Role.TOWNSHIP_ADMIN, Role.VILLAGE_MODERATOR},
    Capability.MODERATE: {Role.TOWNSHIP_ADMIN, Role.VILLAGE_MODERATOR},
    Capability.OPERATE_MEETING: {Role.TOWNSHIP_ADMIN, Role.MEETING_OPERATOR},
    Capability.MANAGE_MEETINGS: {Role.TOWNSHIP_ADMIN},
    Capability.MANAGE_ROLES: {Role.TOWNSHIP_ADMIN},
    Capability.VIEW_AUDIT: {Role.TOWNSHIP_ADMIN},
    Capability.WRITE_OWN_CONTENT: {Role.CADRE},
    Capability.PROJECT_COUNT: {Role.TOWNSHIP_ADMIN, Role.VILLAGE_MODERATOR, Role.MEETING_OPERATOR},
    # The township's own staff check what the village proposed and voted: they do not propose.
    Capability.PROPOSE_HOUSEHOLDS: {Role.VILLAGE_MODERATOR, Role.MEETING_OPERATOR, Role.CADRE},
    Capability.CHECK_HOUSEHOLDS: {Role.TOWNSHIP_ADMIN},
    Capability.DECIDE_HOUSEHOLDS: {Role.COUNTY_OFFICER},
    Capability.VIEW_HOUSEHOLD_EVALUATIONS: {
        Role.TOWNSHIP_ADMIN,
        Role.VILLAGE_MODERATOR,
        Role.MEETING_OPERATOR,
        Role.CADRE,
        Role.COUNTY_OFFICER,
    },
    Capability.MANAGE_VISITS: {Role.TOWNSHIP_ADMIN},
    Capability.VIEW_VISITS: {Role.TOWNSHIP_ADMIN, Role.COUNTY_OFFICER},
}

# Model permissions of each role's Django group: what the admin pages let the role see and touch.
# The rows they see are still scoped to their villages (portal.admin).
GROUP_PERMISSIONS = {
    Role.TOWNSHIP_ADMIN: [
        "view_township",
        "view_village",
        "view_household",
        "view_resident",
        "view_cadre",
        "add_cadre",
        "change_cadre",
        "view_cadrepost",
        "add_cadrepost",
        "change_cadrepost",
        "delete_cadrepost",
        "view_roleassignment",
        "view_auditentry",
    ],
    Role.VILLAGE_MODERATOR: [
        "view_village",
        "view_household",
        "view_resident",
        "view_cadre",
        "view_cadrepost",
    ],
    Role.MEETING_OPERATOR: ["view_village", "view_household", "view_resident", "view_cadre"],
    Role.CADRE: ["view_village", "view_cadre", "view_cadrepost"],
    Role.COUNTY_OFFICER: ["view_township", "view_village"],
}

# Roles whose holders use the Django admin pages (which need is_staff).
ADMIN_SITE_ROLES = {Role.TOWNSHIP_ADMIN, Role.VILLAGE_MODERATOR, Role.MEETING_OPERATOR}


def villages_with(user, capability: str):
    """The villages where the user holds the capability, as a queryset (one query when evaluated)."""
    if not user.is_authenticated or not user.is_active:
        return Village.objects.none()
    if user.is_superuser:
        return Village.objects.all()
    roles = GRANTED_BY[capability]
    mine = RoleAssignment.objects.filter(user=user)
    scope = Q(pk__in=mine.filter(role__in=roles, village__isnull=False).values("village"))
    if roles & TOWNSHIP_ROLES:
        scope |= Q(township__in=mine.filter(role__in=roles & TOWNSHIP_ROLES).values("township"))
    return Village.objects.filter(scope)


def townships_with(user, capability: str):
    """Townships over which the user holds the capability by a township's role (administrator, county
    officer)."""
    if not user.is_authenticated or not user.is_active:
        return Township.objects.none()
    if user.is_superuser:
        return Township.objects.all()
    roles = GRANTED_BY[capability] & TOWNSHIP_ROLES
    if not roles:
        return Township.objects.none()
    return Township.objects.filter(
        pk__in=RoleAssignment.objects.filter(user=user, role__in=roles).values("township")
    )


def has_capability(user, capability: str, village: Village) -> bool:
    return villages_with(user, capability).filter(pk=village.pk).exists()


def can_manage_roles_of(user, village: Village) -> bool:
    return has_capability(user, Capability.MANAGE_ROLES, village)


def accounts_managed_by(user):
    """The staff accounts a township administrator manages: every role they hold is a village role
    in the administrator's villages. An account that also works elsewhere (another township's village,
    a township of its own) or a superuser is not theirs to deactivate or reset."""
    users = get_user_model().objects.filter(is_superuser=False)
    villages = villages_with(user, Capability.MANAGE_ROLES)
    if user.is_superuser:
        return users.filter(role_assignments__isnull=False).distinct()
    elsewhere = RoleAssignment.objects.filter(Q(township__isnull=False) | ~Q(village__in=villages)).values(
        "user"
    )
    return (
        users.filter(role_assignments__village__in=villages)
        .exclude(pk__in=elsewhere)
        .exclude(pk=user.pk)
        .distinct()
    )


def account_or_404(user, village: Village, pk):
    """An account holding a role in the village that the user manages; any other is a 404."""
    account = accounts_managed_by(user).filter(pk=pk, role_assignments__village=village).first()
    if account is None:
        raise Http404(_("No such account."))
    return account


def is_own_cadre(user, cadre) -> bool:
    """A cadre's own content: the cadre record linked to this very account."""
    return user.is_authenticated and cadre.user_id is not None and cadre.user_id == user.pk


def ensure(user, capability: str, village: Village) -> None:
    """The services' second check: a view is not the only door."""
    if not has_capability(user, capability, village):
        raise PermissionDenied(_("You may not do this in %(village)s.") % {"village": village})


def village_or_404(user, capability: str, code: str) -> Village:
    """The village by code if the user holds the capability there; otherwise it does not exist."""
    village = villages_with(user, capability).select_related("township").filter(code=code).first()
    if village is None:
        raise Http404(_("No such village."))
    return village


def capabilities_somewhere(user, assignments) -> set[str]:
    """The capabilities the user holds in at least one place, from already loaded assignments."""
    if user.is_superuser:
        return set(GRANTED_BY)
    roles = {assignment.role for assignment in assignments}
    return {capability for capability, granting in GRANTED_BY.items() if roles & granting}


def has_any_capability(user, capability: str) -> bool:
    return villages_with(user, capability).exists()


class VillageScopedQuerySet(models.QuerySet):
    """Rows that belong to a village, read through the villages where a user holds a capability.

    `village_path` leads from the model to its village. The accessor pair of every such model is
    `Thing.objects.for_user(user, capability)` and `get_for_user_or_404(...)`: an object of a village
    the user does not reach for that capability does not exist for them (404). A user who reaches
    the object but lacks a further capability for an action gets a 403 from `ensure`.
    """

    village_path = "village"

    def in_villages(self, villages):
        return self.filter(**{f"{self.village_path}__in": villages})

    def for_user(self, user, capability: str):
        return self.in_villages(villages_with(user, capability))


def get_for_user_or_404(queryset: VillageScopedQuerySet, user, capability: str, **lookup):
    """The one object of the user's villages for the capability that matches the lookup, or 404."""
    return get_object_or_404(queryset.for_user(user, capability), **lookup)
