"""Who may do what where: a role held by a staff account over a township or one village.

The registry knows a county only as a name on its townships (Township.county). A county officer, who
decides on the county's behalf what the townships sent up (households' evaluations), is therefore
appointed over each township of the county they decide for, like a township administrator.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.querysets import RoleAssignmentQuerySet


class Role(models.TextChoices):
    TOWNSHIP_ADMIN = "township_admin", _("township administrator")
    VILLAGE_MODERATOR = "village_moderator", _("village moderator")
    MEETING_OPERATOR = "meeting_operator", _("meeting operator")
    CADRE = "cadre", _("cadre")
    COUNTY_OFFICER = "county_officer", _("county officer")


# Roles held over a township (and so over each of its villages); every other role is held over one village.
TOWNSHIP_ROLES = frozenset({Role.TOWNSHIP_ADMIN, Role.COUNTY_OFFICER})


class RoleAssignment(models.Model):
    """A role over a township (township administrators, county officers) or over one village (the others).

    The matching Django group carries the model permissions; this row carries the scope.
    Created and removed only through portal.services.roles, which writes the audit log.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    township = models.ForeignKey(
        "portal.Township",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        "portal.Village",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("village"),
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role__in=["township_admin", "county_officer"],
                        township__isnull=False,
                        village__isnull=True,
                    )
                    | (
                        ~models.Q(role__in=["township_admin", "county_officer"])
                        & models.Q(township__isnull=True, village__isnull=False)
                    )
                ),
                name="role_scope_matches_role",
            ),
            models.UniqueConstraint(fields=["user", "role", "township"], name="role_unique_per_township"),
            models.UniqueConstraint(fields=["user", "role", "village"], name="role_unique_per_village"),
        ]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.scope}"

    @property
    def scope(self):
        return self.township or self.village
