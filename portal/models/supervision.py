"""The village affairs supervision committee (村务监督委员会): villagers of the roll, one of them the chair.

The committee presides over the review and its chair countersigns the closure certificate of a meeting
(ratings.closure). A member may be linked to a staff account, with which they confirm in their own name.
Created and removed only through portal.services.supervision, which writes the audit log.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionMember(models.Model):
    village = models.ForeignKey(
        "portal.Village",
        on_delete=models.PROTECT,
        related_name="supervision_members",
        verbose_name=_("village"),
    )
    resident = models.ForeignKey(
        "portal.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("villager")
    )
    is_chair = models.BooleanField(_("chair"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervision_seats",
        verbose_name=_("staff account"),
    )
    appointed_at = models.DateTimeField(_("appointed"), auto_now_add=True)

    class Meta:
        ordering = ["village", "-is_chair", "resident__name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "resident"], name="supervision_member_once"),
            models.UniqueConstraint(
                fields=["village"], condition=models.Q(is_chair=True), name="supervision_one_chair"
            ),
            models.UniqueConstraint(
                fields=["village", "user"],
                condition=models.Q(user__isnull=False),
                name="supervision_account_once",
            ),
        ]
        verbose_name = _("supervision committee member")
        verbose_name_plural = _("supervision committee members")

    def __str__(self):
        return self.resident.name

    @property
    def name(self) -> str:
        return self.resident.name
