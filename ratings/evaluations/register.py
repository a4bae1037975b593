"""The register of households' evaluations, read from the county's decisions: who is under monitoring, in
which category and since when; the exits and entries by year; the steps still pending, with their
deadlines.

A household's monitoring status is derived from its history (ratings.models.evaluations says why): it
is under monitoring from the county's approval of its entry until the county's approval of its exit.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from ratings.models import HouseholdProposal

Kind = HouseholdProposal.Kind
MONITORING = (Kind.MONITORING_ENTRY, Kind.MONITORING_EXIT)


@dataclass(frozen=True)
class Monitored:
    """A household under monitoring: the county's approved entry that put it there."""

    entry: HouseholdProposal

    @property
    def household(self):
        return self.entry.household

    @property
    def village(self):
        return self.entry.village

    @property
    def category(self) -> str:
        return self.entry.category

    @property
    def since(self) -> datetime.date:
        return self.entry.decided_on


def _fold(decisions) -> dict[int, Monitored]:
    """The households under monitoring after these approved decisions, taken in the order decided."""
    monitored = {}
    for decision in decisions:
        if decision.kind == Kind.MONITORING_ENTRY:
            monitored[decision.household_id] = Monitored(entry=decision)
        elif decision.kind == Kind.MONITORING_EXIT:
            monitored.pop(decision.household_id, None)
    return monitored


def _in_order(proposals):
    return proposals.order_by("decided_on", "pk")


def monitoring_of(household) -> Monitored | None:
    """The household's monitoring now, or None when it is not under monitoring."""
    decisions = HouseholdProposal.objects.decided().filter(household=household, kind__in=MONITORING)
    return _fold(_in_order(decisions).select_related("household", "village")).get(household.pk)


@dataclass
class YearRow:
    year: int
    counts: Counter = field(default_factory=Counter)

    def of(self, kind: str) -> int:
        return self.counts[kind]

    @property
    def poverty_exits(self) -> int:
        return self.counts[Kind.POVERTY_EXIT]

    @property
    def monitoring_entries(self) -> int:
        return self.counts[Kind.MONITORING_ENTRY]

    @property
    def monitoring_exits(self) -> int:
        return self.counts[Kind.MONITORING_EXIT]

    @property
    def stars(self) -> int:
        return self.counts[Kind.STAR]


@dataclass
class Register:
    today: datetime.date
    monitored: list[Monitored]
    years: list[YearRow]
    pending: list[HouseholdProposal]

    @property
    def by_category(self) -> list[tuple[str, str, int]]:
        """(category, its label, households under monitoring in it), every category, in order."""
        counts = Counter(item.category for item in self.monitored)
        return [(value, label, counts[value]) for value, label in HouseholdProposal.Category.choices]

    @property
    def overdue(self) -> list[HouseholdProposal]:
        return [proposal for proposal in self.pending if proposal.is_overdue(self.today)]


def register_of(proposals, today: datetime.date) -> Register:
    """The register of these proposals (a village's or a township's, already scoped): two queries."""
    decided = list(_in_order(proposals.decided()).select_related("household", "village"))
    monitored = sorted(
        _fold(decided).values(), key=lambda item: (item.village.code, item.since, item.household.number)
    )
    years = {}
    for decision in decided:
        years.setdefault(decision.decided_on.year, YearRow(decision.decided_on.year)).counts[
            decision.kind
        ] += 1
    pending = list(proposals.pending().with_place().order_by("decision_due", "village__code", "pk"))
    return Register(
        today=today,
        monitored=monitored,
        years=sorted(years.values(), key=lambda row: row.year, reverse=True),
        pending=pending,
    )
