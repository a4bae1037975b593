"""What a meeting's ballot asks, as plain ids: the cadres in speaking order, the lines (criteria, or one
overall line in quick mode), the grades of the scale, the nomination limit, and the households'
evaluations on the meeting's agenda (ratings.models.evaluations).

All of it is frozen once voting opens (meetings.services refuses to change the scheme, its mode or the
cadres after that, ratings.evaluations.services to change the agenda), so while voting is open it is
read once and kept in Django's cache: a whole assembly casts at once, and each cast would otherwise read
the same rows again to check its ballot.
Before voting opens it is read afresh each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from meetings.models import Meeting
from ratings.models import Criterion, Grade, HouseholdProposal
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
    # The households' evaluations on the agenda, and the head of each household, which errors name.
    proposal_ids: tuple[int, ...] = ()
    proposal_heads: tuple[str, ...] = ()

    @property
    def line_keys(self) -> tuple[str, ...]:
        return tuple(line_key(pk) for pk in self.criterion_ids)

    def cadre_name(self, cadre_id: int) -> str:
        return self.cadre_names[self.cadre_ids.index(cadre_id)]

    def proposal_head(self, proposal_id: int) -> str:
        return self.proposal_heads[self.proposal_ids.index(proposal_id)]


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
    agenda = list(
        HouseholdProposal.objects.on_agenda_of(meeting).order_by("pk").values_list("pk", "head_name")
    )
    return BallotSpec(
        meeting=meeting.pk,
        village=meeting.village_id,
        cadre_ids=tuple(cadre for cadre, _name in reporting),
        cadre_names=tuple(name for _cadre, name in reporting),
        criterion_ids=criteria,
        grade_ids=frozenset(Grade.objects.filter(scheme=scheme).values_list("pk", flat=True)),
        max_nominations=scheme.max_nominations,
        proposal_ids=tuple(pk for pk, _head in agenda),
        proposal_heads=tuple(head for _pk, head in agenda),
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
