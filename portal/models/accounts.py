"""What a staff account owes before it may work: a password of its own."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordChangeDue(models.Model):
    """The account signs in with a password someone else saw (a printed initial password) and must
    choose its own before any other page opens (portal.passwords).

    Written and removed only through portal.services.accounts.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_change_due",
        verbose_name=_("user"),
    )
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("password change due")
        verbose_name_plural = _("password changes due")

    def __str__(self):
        return str(self.user)
