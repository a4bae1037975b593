"""What the visit log adds up to: a cadre's figures for the year (shown on the work report, not
editable), and the township's table of visits per cadre against its requirement, with the problems
open for long, the households at risk without a recent visit and the measures overdue. Reads only; a
visit the household said did not happen is not counted.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from meetings.models import HouseholdProblem, Measure, Pairing, RiskFlag, Visit
from meetings.visits.services import visits_per_month
from portal.models import Cadre, Township

OPEN_FOR_LONG = datetime.timedelta(days=30)


@dataclass(frozen=True)
class YearFigures:
    """A cadre's visit log in one year, as the work report shows it."""

    year: int
    visits: int
    problems_solved: int
    households_helped: int

    @property
    def any(self) -> bool:
        return bool(self.visits or self.problems_solved)


def _count(rows, group: str, field: str = "pk"):
    """A subquery counting `rows` (distinct values of `field`), grouped by `group`: one integer column."""
    counted = rows.order_by().values(group).annotate(n=Count(field, distinct=True)).values("n")
    return Coalesce(Subquery(counted), 0)


def year_figures(cadre: Cadre, year: int) -> YearFigures:
    """The cadre's figures of the year, in one query (the report pages read them on every view)."""
    visits = Visit.objects.filter(cadre=OuterRef("pk")).counted().in_year(year)
    solved = HouseholdProblem.objects.solved().filter(solved_by=OuterRef("pk"), solved_on__year=year)
    figures = (
        Cadre.objects.filter(pk=cadre.pk)
        .annotate(
            visits_made=_count(visits, "cadre"),
            households_helped=_count(visits, "cadre", "household"),
            solved_count=_count(solved, "solved_by"),
        )
        .values("visits_made", "households_helped", "solved_count")
        .get()
    )
    return YearFigures(
        year=year,
        visits=figures["visits_made"],
        problems_solved=figures["solved_count"],
        households_helped=figures["households_helped"],
    )


@dataclass(frozen=True)
class CadreRow:
    """One cadre's month: the households paired, the visits the township requires of them, those made."""

    cadre: Cadre
    households: int
    required: int
    made: int

    @property
    def below(self) -> bool:
        return self.made < self.required

    @property
    def share(self) -> float:
        """Made over required, at most 1 (the length of the chart's bar)."""
        return min(1.0, self.made / self.required) if self.required else 1.0


@dataclass(frozen=True)
class Month:
    first: datetime.date
    last: datetime.date

    @classmethod
    def of(cls, text: str | None) -> "Month":
        """The month named "YYYY-MM", or the current month when the text names none (or nonsense)."""
        today = timezone.localdate()
        try:
            year, month = (int(part) for part in (text or "").split("-"))
            first = datetime.date(year, month, 1)
        except ValueError:
            first = today.replace(day=1)
        return cls(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))

    @property
    def key(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def previous(self) -> "Month":
        return Month.of(f"{(self.first - datetime.timedelta(days=1)):%Y-%m}")

    @property
    def next(self) -> "Month":
        return Month.of(f"{(self.last + datetime.timedelta(days=1)):%Y-%m}")


def frequency_table(township: Township, month: Month) -> list[CadreRow]:
    """Each cadre of the township paired with households during the month: the households, the visits
    required (households × the township's visits per month) and the visits made to them that month."""
    per_month = visits_per_month(township)
    pairings = Pairing.objects.filter(household__village__township=township).overlapping(
        month.first, month.last
    )
    paired = {
        row["cadre"]: row["households"]
        for row in pairings.values("cadre").annotate(households=Count("household", distinct=True))
    }
    made = {
        row["cadre"]: row["made"]
        for row in Visit.objects.counted()
        .between(month.first, month.last)
        .filter(cadre__in=list(paired))
        .values("cadre")
        .annotate(made=Count("pk"))
    }
    cadres = (
        Cadre.objects.filter(pk__in=list(paired)).select_related("village").order_by("village__code", "name")
    )
    return [
        CadreRow(cadre, paired[cadre.pk], paired[cadre.pk] * per_month, made.get(cadre.pk, 0))
        for cadre in cadres
    ]


def open_for_long(township: Township, today: datetime.date | None = None):
    """Problems of the township's households open for more than OPEN_FOR_LONG, oldest first."""
    today = today or timezone.localdate()
    return (
        HouseholdProblem.objects.filter(household__village__township=township)
        .open_since_before(today - OPEN_FOR_LONG)
        .select_related("household__village", "raised_at__cadre")
        .order_by("raised_on", "pk")
    )


def at_risk_without_recent_visit(township: Township, today: datetime.date | None = None):
    """Open risk flags of the township's households that had no visit (one the household did not say
    did not happen) in the last settings.MONITORING_RECENT_VISIT_DAYS days; `last_visit` annotated,
    the longest without a visit first."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=settings.MONITORING_RECENT_VISIT_DAYS)
    last = (
        Visit.objects.counted()
        .filter(household=OuterRef("household"))
        .order_by()
        .values("household")
        .annotate(last=Max("date"))
        .values("last")
    )
    return (
        RiskFlag.objects.filter(household__village__township=township)
        .open()
        .annotate(last_visit=Subquery(last))
        .filter(Q(last_visit__lt=since) | Q(last_visit__isnull=True))
        .select_related("household__village", "raised_by")
        .order_by("last_visit", "pk")
    )


def measures_overdue(township: Township, today: datetime.date | None = None):
    """Measures of the township's open risks not done by their due date, the most overdue first."""
    today = today or timezone.localdate()
    return (
        Measure.objects.filter(flag__household__village__township=township)
        .overdue(today)
        .select_related("flag__household__village", "owner", "kind")
        .order_by("due_date", "pk")
    )
