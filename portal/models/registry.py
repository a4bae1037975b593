"""Places and people: township → village → household → resident, and the cadres who hold posts."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.querysets import CadrePostQuerySet, CadreQuerySet, ResidentQuerySet, VillageQuerySet

township_code_validator = RegexValidator(r"^\d{9}$", _("A township code has 9 digits."))
village_code_validator = RegexValidator(r"^\d{12}$", _("A village code has 12 digits."))


class Township(models.Model):
    name = models.CharField(_("name"), max_length=100)
    name_ug = models.CharField(
        _("name in Uyghur"),
        max_length=100,
        blank=True,
        help_text=_("Shown on Uyghur pages; the Chinese name otherwise."),
    )
    code = models.CharField(
        _("division code"), max_length=9, unique=True, validators=[township_code_validator]
    )
    county = models.CharField(_("county"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")

    def __str__(self):
        return self.name


class Village(models.Model):
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    name = models.CharField(_("name"), max_length=100)
    name_ug = models.CharField(
        _("name in Uyghur"),
        max_length=100,
        blank=True,
        help_text=_("Shown on Uyghur pages; the Chinese name otherwise."),
    )
    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        validators=[village_code_validator],
        help_text=_("The 12-digit statistical division code."),
    )

    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("village", args=[self.code])


class Household(models.Model):
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    number = models.CharField(
        _("household"), max_length=40, help_text=_("The household's number or label on the roll.")
    )
    name_ug = models.CharField(
        _("label in Uyghur"),
        max_length=100,
        blank=True,
        help_text=_("Shown on Uyghur pages; the label otherwise."),
    )

    class Meta:
        ordering = ["village", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_unique_in_village")
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return self.number


class Resident(models.Model):
    """A villager on the voter roll.

    One person, one roll: a person (ID hash) is on at most one village's roll at a time, the roll being
    a village's active residents (`Resident.objects.on_roll()`). A resident marked inactive (moved
    away, died) stays as history and is on no roll, so the village a person moves to may add them.
    `portal.services.roll.roll_import` refuses a second roll row by row; `resident_on_one_roll`
    holds the same rule in the database for every other path and for two imports at once.
    """

    class Gender(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="residents", verbose_name=_("village")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=100)
    name_ug = models.CharField(
        _("name in Uyghur"),
        max_length=100,
        blank=True,
        help_text=_("Shown on Uyghur pages; the Chinese name otherwise."),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    id_hash = models.CharField(_("ID number (keyed hash)"), max_length=64, editable=False)
    id_last4 = models.CharField(_("ID number, last 4"), max_length=4, editable=False)
    party_member = models.BooleanField(_("Party member"), default=False)
    representative = models.BooleanField(_("villagers' representative"), default=False)
    active = models.BooleanField(_("active"), default=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["household__number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "id_hash"], name="resident_unique_id_in_village"),
            models.UniqueConstraint(
                fields=["id_hash"], condition=models.Q(active=True), name="resident_on_one_roll"
            ),
        ]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self):
        return f"{self.name} (…{self.id_last4})"


class Cadre(models.Model):
    """A person who holds, or held, posts in a village's two committees or its stationed team."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="cadres", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=100)
    name_ug = models.CharField(
        _("name in Uyghur"),
        max_length=100,
        blank=True,
        help_text=_("Shown on Uyghur pages; the Chinese name otherwise."),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Resident.Gender.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre",
        verbose_name=_("staff account"),
    )
    photo = models.ImageField(_("photo"), upload_to="cadres/", blank=True)

    objects = CadreQuerySet.as_manager()

    class Meta:
        ordering = ["village", "name"]
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")

    def __str__(self):
        return self.name

    @property
    def initials(self) -> str:
        """What the avatar shows when there is no photo: the family name, or two initials."""
        words = self.name.split()
        if len(words) > 1:
            return "".join(word[0] for word in words[:2]).upper()
        return self.name[:1]


class CadrePost(models.Model):
    class Post(models.TextChoices):
        PARTY_SECRETARY = "party_secretary", _("Party branch secretary")
        PARTY_DEPUTY = "party_deputy", _("Party branch deputy secretary")
        PARTY_MEMBER = "party_member", _("Party branch committee member")
        COMMITTEE_DIRECTOR = "committee_director", _("villagers' committee director")
        COMMITTEE_DEPUTY = "committee_deputy", _("villagers' committee deputy director")
        COMMITTEE_MEMBER = "committee_member", _("villagers' committee member")
        FIRST_SECRETARY = "first_secretary", _("first secretary of the stationed team")
        TEAM_MEMBER = "team_member", _("stationed working team member")

    # Display order: the Party branch first, then the committee, then the stationed team.
    RANK = {post: index for index, post in enumerate(Post.values)}

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="posts", verbose_name=_("cadre"))
    post = models.CharField(_("post"), max_length=32, choices=Post.choices)
    term_start = models.PositiveSmallIntegerField(_("term from (year)"))
    term_end = models.PositiveSmallIntegerField(_("term until (year)"), null=True, blank=True)

    objects = CadrePostQuerySet.as_manager()

    class Meta:
        ordering = ["cadre", "term_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "post", "term_start"], name="cadre_post_unique_per_term"
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True) | models.Q(term_end__gte=models.F("term_start")),
                name="cadre_post_term_ends_after_start",
            ),
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self):
        return f"{self.get_post_display()} {self.term_label}"

    @classmethod
    def prefetch_held_in(cls, year: int, path: str = "posts") -> Prefetch:
        """Prefetch the posts held during the year, by rank, as `posts_held` on each cadre at `path`."""
        return Prefetch(path, queryset=cls.objects.held_in(year).by_rank(), to_attr="posts_held")

    @property
    def term_label(self) -> str:
        return f"{self.term_start}–{self.term_end or ''}"
