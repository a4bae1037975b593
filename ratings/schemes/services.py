"""The scheme editor's writes: start a scheme from a preset scale, copy one, change one.

A scheme belongs to a township (its administrators edit it) or is a county preset (only a superuser
edits it). A scheme used by a meeting whose voting has opened is frozen: a change would alter the
meaning of ballots already cast, so the editor refuses it and offers a copy instead.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, permissions
from portal.models import Township
from portal.permissions import Capability
from ratings.ballot import schemes
from ratings.models import Grade, RatingScheme

FROZEN = gettext_lazy(
    "This scheme is used by a meeting whose voting has opened: it can no longer change. Copy it instead."
)
SCALES = {"satisfaction": False, "competence": True}  # preset name → competence_scale


def ensure_may_own(by, township: Township | None) -> None:
    """A township's scheme is made by its administrators; a county preset by a superuser only."""
    if by.is_superuser:
        return
    if township is None:
        raise PermissionDenied(_("Only the county edits its preset schemes: copy one for your township."))
    if not permissions.townships_with(by, Capability.MANAGE_MEETINGS).filter(pk=township.pk).exists():
        raise PermissionDenied(_("You may not edit the schemes of %(township)s.") % {"township": township})


def _ensure_not_frozen(scheme: RatingScheme) -> None:
    if scheme.is_frozen:
        raise ValidationError(str(FROZEN), code="frozen")


@transaction.atomic
def scheme_start(*, name: str, scale: str, quick_mode: bool, township: Township | None, by) -> RatingScheme:
    """A new scheme with the brief's criteria and weights on one of the two preset scales."""
    ensure_may_own(by, township)
    if scale not in SCALES:
        raise ValidationError({"scale": _("Choose one of the preset scales.")})
    scheme = schemes.scheme_create(
        name=name, competence_scale=SCALES[scale], quick_mode=quick_mode, township=township
    )
    audit.record(actor=by, action="scheme_create", target=scheme, details={"name": name, "scale": scale})
    return scheme


@transaction.atomic
def scheme_copy(*, scheme: RatingScheme, name: str, township: Township | None, by) -> RatingScheme:
    """A copy of any scheme the user may read, frozen or not, for a township the user runs."""
    ensure_may_own(by, township)
    copy = schemes.from_description(schemes.describe(scheme) | {"name": name}, township=township)
    audit.record(
        actor=by, action="scheme_copy", target=copy, details={"name": name, "copied_from": scheme.name}
    )
    return copy


def _check_rows(criteria: list[dict], grades: list[dict], groups: list[dict]) -> None:
    errors = []
    if not criteria:
        errors.append(_("A scheme needs at least one criterion."))
    for label, rows in ((_("criteria"), criteria), (_("grades"), grades)):
        codes = [row["code"] for row in rows]
        if len(codes) != len(set(codes)):
            errors.append(_("Two %(rows)s have the same code.") % {"rows": label})
    if any(row["code"] == "overall" for row in criteria):
        errors.append(_("“overall” is not a criterion's code: the quick ballot's grade is called so."))
    scored = [row for row in grades if row["standing"] != Grade.Standing.ABSTAIN]
    if len(scored) < 2:
        errors.append(_("A scale needs at least two grades with a score."))
    if any(row["value"] is None for row in scored):
        errors.append(_("Every grade but the abstention needs a score."))
    abstentions = [row for row in grades if row["standing"] == Grade.Standing.ABSTAIN]
    if any(row["value"] is not None for row in abstentions):
        errors.append(_("An abstention (“don't know”) has no score: it is not counted as a grade."))
    if len(abstentions) > 1:
        errors.append(_("A scale has at most one abstention."))
    kinds = [row["kind"] for row in groups]
    if not groups:
        errors.append(_("A scheme needs at least one voter group."))
    elif len(kinds) != len(set(kinds)):
        errors.append(_("Each voter group is listed once."))
    elif sum((row["weight"] for row in groups), Decimal(0)) != Decimal(1):
        errors.append(_("The group weights must add up to 1 (for example 0.7 and 0.3)."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scheme_update(
    *, scheme: RatingScheme, fields: dict, criteria: list[dict], grades: list[dict], groups: list[dict], by
) -> RatingScheme:
    """Replace the scheme's settings, criteria, grades and weights; rows are ordered as given."""
    scheme = RatingScheme.objects.select_for_update().get(pk=scheme.pk)
    ensure_may_own(by, scheme.township)
    _ensure_not_frozen(scheme)
    _check_rows(criteria, grades, groups)
    row = {
        "name": fields["name"],
        "quick_mode": fields["quick_mode"],
        "max_nominations": fields["max_nominations"],
        "excellent_share": str(fields["excellent_share"]),
        "incompetent_share": str(fields["incompetent_share"]),
        "min_cell": fields["min_cell"],
        "criteria": [dict(criterion, order=index) for index, criterion in enumerate(criteria)],
        "grades": [dict(grade, order=index) for index, grade in enumerate(grades)],
        "groups": [{"kind": group["kind"], "weight": str(group["weight"])} for group in groups],
    }
    before = schemes.describe(scheme)
    RatingScheme.objects.filter(pk=scheme.pk).update(name=fields["name"])
    scheme = schemes.replace_content(scheme, row)
    changed = sorted(key for key, value in schemes.describe(scheme).items() if before.get(key) != value)
    audit.record(actor=by, action="scheme_change", target=scheme, details={"changed": changed})
    return scheme
