"""Rating schemes. Criteria, grades, groups and thresholds arrive with the ballot."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RatingScheme(models.Model):
    """How villagers rate the cadres of one meeting; frozen once voting opens."""

    name = models.CharField(_("name"), max_length=100)
    quick_mode = models.BooleanField(
        _("quick mode"),
        default=False,
        help_text=_("One overall grade per cadre instead of one per criterion."),
    )
    max_nominations = models.PositiveSmallIntegerField(_("household nominations per ballot"), default=3)

    class Meta:
        ordering = ["name"]
        verbose_name = _("rating scheme")
        verbose_name_plural = _("rating schemes")

    def __str__(self):
        return self.name
