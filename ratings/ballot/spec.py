"""What a meeting's ballot asks, as plain ids: the cadres in speaking order, the lines (criteria, or one
overall line in quick mode), the grades of the scale and the nomination limit.

All of it is frozen once voting opens (meetings.services refuses to change the scheme, its mode or the
cadres after that), so while voting is open it is read once and kept in Django's cache: a whole
assembly casts at once, and each cast would otherwise read the same rows again to check its ballot.
Before voting opens it is read afresh each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from meetings.models import Meeting
from ratings.models import Criterion, Grade
from ratings.querysets import OVERALL

CACHED_SECONDS = 15 * 60


def line_key(criterion_id: int | None) -> str:
    """How a line is named in the ballot's form: a criterion's id, or "overall" in quick mode."""
    return OVERALL if criterion_id is None else str(criterion_id)


@dataclass(frozen=True)
class BallotSpec:
    meeting: int
    village: int
    cadre_ids: tuple[int, ...]
    cadre_names: tuple[str, ...]
    criterion_ids: tuple[int | None, ...]  # (None,) in quick mode: one overall line
    grade_ids: frozenset[int]
    max_nominations: int

    @property
    def line_keys(self) -> tuple[str, ...]:
        return tuple(line_key(pk) for pk in self.criterion_ids)

    def cadre_name(self, cadre_id: int) -> str:
        return self.cadre_names[self.cadre_ids.index(cadre_id)]


def _read(meeting: Meeting) -> BallotSpec:
    scheme = meeting.scheme
    reporting = list(meeting.reporting.values_list("cadre_id", "cadre__name"))
    criteria = (
        (None,)
        if scheme.quick_mode
        else tuple(
            Criterion.objects.filter(scheme=scheme).order_by("order", "pk").values_list("pk", flat=True)
        )
    )
    return BallotSpec(
        meeting=meeting.pk,
        village=meeting.village_id,
        cadre_ids=tuple(cadre for cadre, _name in reporting),
        cadre_names=tuple(name for _cadre, name in reporting),
        criterion_ids=criteria,
        grade_ids=frozenset(Grade.objects.filter(scheme=scheme).values_list("pk", flat=True)),
        max_nominations=scheme.max_nominations,
    )


def spec_of(meeting: Meeting) -> BallotSpec:
    """The meeting's ballot; from the cache while voting is open (`meeting` as read by the caller)."""
    if meeting.status != Meeting.Status.VOTING_OPEN:
        return _read(meeting)
    key = f"ballot-spec:{meeting.pk}:{meeting.scheme_id}"
    spec = cache.get(key)
    if spec is None:
        spec = _read(meeting)
        cache.set(key, spec, CACHED_SECONDS)
    return spec
