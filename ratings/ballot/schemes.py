"""The default rating scheme of the brief, and the words the kiosk shows for its criteria and grades.

Criteria and grades are rows a township may change, but the usual ones have known codes: for those
the interface shows a translated word (the villager may read Uyghur), for any other the stored label.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ratings.models import Criterion, Grade, RatingScheme, VoterGroup

DEFAULT_SCHEME_NAME = "Default scheme"

# (code, stored name, translated name, what it means)
CRITERIA = (
    ("de", "德", _("Morality"), _("Political integrity and conduct")),
    ("neng", "能", _("Ability"), _("Getting things done for the village")),
    ("qin", "勤", _("Diligence"), _("Hard work and presence among the villagers")),
    ("ji", "绩", _("Performance"), _("Results of the year")),
    ("lian", "廉", _("Integrity"), _("Honesty with money and power")),
)
# (code, stored label, translated label, score, standing, tone)
SATISFACTION_GRADES = (
    ("satisfied", "满意", _("Satisfied"), 100, Grade.Standing.TOP, Grade.Tone.GOOD),
    ("basically_satisfied", "基本满意", _("Basically satisfied"), 75, Grade.Standing.PASS, Grade.Tone.FAIR),
    ("dissatisfied", "不满意", _("Dissatisfied"), 55, Grade.Standing.BOTTOM, Grade.Tone.POOR),
    ("dont_know", "不了解", _("Don't know"), None, Grade.Standing.ABSTAIN, Grade.Tone.NEUTRAL),
)
COMPETENCE_GRADES = (
    ("excellent", "优秀", _("Excellent"), 100, Grade.Standing.TOP, Grade.Tone.GOOD),
    ("competent", "称职", _("Competent"), 85, Grade.Standing.PASS, Grade.Tone.GOOD),
    ("basically_competent", "基本称职", _("Basically competent"), 70, Grade.Standing.LOW, Grade.Tone.FAIR),
    ("incompetent", "不称职", _("Incompetent"), 55, Grade.Standing.BOTTOM, Grade.Tone.POOR),
    ("dont_know", "不了解", _("Don't know"), None, Grade.Standing.ABSTAIN, Grade.Tone.NEUTRAL),
)
# Villagers' ballots count 70%, the township panel's 30% (the brief's example). A scheme that wants
# Party members or representatives counted apart adds their groups; a voter gets the most specific
# group the scheme has (ratings.ballot.services.group_for).
GROUP_WEIGHTS = (
    (VoterGroup.Kind.VILLAGER, Decimal("0.700")),
    (VoterGroup.Kind.TOWNSHIP_PANEL, Decimal("0.300")),
)

CRITERION_NAMES = {code: name for code, _stored, name, _meaning in CRITERIA}
CRITERION_MEANINGS = {code: meaning for code, _stored, _name, meaning in CRITERIA}
GRADE_LABELS = {code: label for code, _stored, label, *_rest in SATISFACTION_GRADES + COMPETENCE_GRADES}
OVERALL = _("Overall")


def criterion_name(criterion: Criterion | None) -> str:
    if criterion is None:
        return str(OVERALL)
    return str(CRITERION_NAMES.get(criterion.code, criterion.name))


def grade_label(grade: Grade) -> str:
    return str(GRADE_LABELS.get(grade.code, grade.label))


@transaction.atomic
def scheme_create(
    *, name: str, competence_scale: bool = False, quick_mode: bool = False, township=None
) -> RatingScheme:
    """A scheme with the brief's defaults: five criteria, a four-step scale, the group weights.

    Without a township it is a county preset."""
    scheme = RatingScheme.objects.create(name=name, quick_mode=quick_mode, township=township)
    Criterion.objects.bulk_create(
        Criterion(scheme=scheme, code=code, name=stored, order=index)
        for index, (code, stored, _name, _meaning) in enumerate(CRITERIA)
    )
    scale = COMPETENCE_GRADES if competence_scale else SATISFACTION_GRADES
    Grade.objects.bulk_create(
        Grade(scheme=scheme, code=code, label=stored, value=value, standing=standing, tone=tone, order=index)
        for index, (code, stored, _label, value, standing, tone) in enumerate(scale)
    )
    VoterGroup.objects.bulk_create(
        VoterGroup(scheme=scheme, kind=kind, weight=weight) for kind, weight in GROUP_WEIGHTS
    )
    return scheme


# What a scheme copied into the other ballot mode is called after: the name of the one it copies.
MODE_NAMES = {True: _("quick mode"), False: _("a grade per criterion")}


@transaction.atomic
def in_mode(scheme: RatingScheme, quick_mode: bool) -> RatingScheme:
    """The scheme itself if its ballot is already in this mode, else its copy in the other mode.

    A meeting chooses quick mode (one overall grade per cadre) from its own form; the scheme, which
    other meetings may share, is not changed: a copy with the same criteria, scale, weights and
    thresholds is made once and reused.
    """
    if scheme.quick_mode == quick_mode:
        return scheme
    # The scheme it was copied from, or an earlier copy: the same name before " · ", the same content.
    stem = scheme.name.split(" · ", 1)[0]
    # A copy belongs where the scheme does: a township's stays offered to that township only.
    candidates = RatingScheme.objects.filter(
        name__startswith=stem, quick_mode=quick_mode, township=scheme.township_id
    )
    for candidate in candidates.order_by("pk"):
        if _content(candidate) == _content(scheme):
            return candidate
    suffix = f" · {MODE_NAMES[quick_mode]}"
    name = stem[: RatingScheme._meta.get_field("name").max_length - len(suffix)] + suffix
    copy = RatingScheme.objects.create(
        name=name,
        township_id=scheme.township_id,
        quick_mode=quick_mode,
        max_nominations=scheme.max_nominations,
        excellent_share=scheme.excellent_share,
        incompetent_share=scheme.incompetent_share,
        min_cell=scheme.min_cell,
    )
    Criterion.objects.bulk_create(
        Criterion(scheme=copy, code=row.code, name=row.name, description=row.description, order=row.order)
        for row in scheme.criteria.all()
    )
    Grade.objects.bulk_create(
        Grade(
            scheme=copy,
            code=row.code,
            label=row.label,
            value=row.value,
            standing=row.standing,
            tone=row.tone,
            order=row.order,
        )
        for row in scheme.grades.all()
    )
    VoterGroup.objects.bulk_create(
        VoterGroup(scheme=copy, kind=row.kind, weight=row.weight) for row in scheme.groups.all()
    )
    return copy


def _content(scheme: RatingScheme) -> tuple:
    """What a ballot and its count depend on, besides the mode."""
    return (
        list(scheme.criteria.values_list("code", "name", "description", "order")),
        list(scheme.grades.values_list("code", "label", "value", "standing", "tone", "order")),
        sorted(scheme.groups.values_list("kind", "weight")),
        (scheme.max_nominations, scheme.excellent_share, scheme.incompetent_share, scheme.min_cell),
    )


def describe(scheme: RatingScheme) -> dict:
    """The scheme as plain data, the same in every installation: what a meeting bundle and a laptop's
    preparation file carry, and what `from_description` makes again."""
    return {
        "name": scheme.name,
        "quick_mode": scheme.quick_mode,
        "max_nominations": scheme.max_nominations,
        "excellent_share": str(scheme.excellent_share),
        "incompetent_share": str(scheme.incompetent_share),
        "min_cell": scheme.min_cell,
        "criteria": list(scheme.criteria.values("code", "name", "description", "order")),
        "grades": list(scheme.grades.values("code", "label", "value", "standing", "tone", "order")),
        "groups": [{"kind": g.kind, "weight": str(g.weight)} for g in scheme.groups.all()],
    }


def _fields_of(row: dict) -> dict:
    return {
        "quick_mode": row["quick_mode"],
        "max_nominations": row["max_nominations"],
        "excellent_share": Decimal(row["excellent_share"]),
        "incompetent_share": Decimal(row["incompetent_share"]),
        "min_cell": row["min_cell"],
    }


def _add_content(scheme: RatingScheme, row: dict) -> None:
    Criterion.objects.bulk_create(Criterion(scheme=scheme, **criterion) for criterion in row["criteria"])
    Grade.objects.bulk_create(Grade(scheme=scheme, **grade) for grade in row["grades"])
    VoterGroup.objects.bulk_create(
        VoterGroup(scheme=scheme, kind=group["kind"], weight=Decimal(group["weight"]))
        for group in row["groups"]
    )


@transaction.atomic
def from_description(row: dict, *, township=None) -> RatingScheme:
    """A new scheme equal in content to the described one (`describe`), the township's if given."""
    scheme = RatingScheme.objects.create(name=row["name"], township=township, **_fields_of(row))
    _add_content(scheme, row)
    return scheme


@transaction.atomic
def replace_content(scheme: RatingScheme, row: dict) -> RatingScheme:
    """Give a scheme no vote has frozen the described content (its name kept)."""
    if scheme.is_frozen:
        raise ValueError("a frozen scheme keeps its content")
    RatingScheme.objects.filter(pk=scheme.pk).update(**_fields_of(row))
    scheme.criteria.all().delete()
    scheme.grades.all().delete()
    scheme.groups.all().delete()
    _add_content(scheme, row)
    scheme.refresh_from_db()
    return scheme


def default_scheme() -> RatingScheme:
    """The scheme a meeting gets when nobody picks one, created with the defaults on first use."""
    scheme = RatingScheme.objects.presets().filter(name=DEFAULT_SCHEME_NAME).order_by("pk").first()
    return scheme or scheme_create(name=DEFAULT_SCHEME_NAME)
