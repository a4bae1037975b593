"""Rankings across published results: a cadre over the years, a village's cadres, one post in a township.

Anyone, no login; only live snapshots (under public notice, or final) of meetings that were not
annulled count. A year asked for (?year=) that has no published results is a 404; an unknown post or
method falls back to the default, so that an old or mistyped link still shows a ranking.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig

from portal.models import Cadre, CadrePost, Township, Village
from ratings import aggregation
from ratings.models import BallotGrade, ResultSnapshot
from ratings.results import display, tally
from ratings.results.tables import (
    CadreHistoryTable,
    TownshipRankingTable,
    VillageRankingTable,
    export_response,
)

DEFAULT_POST = CadrePost.Post.PARTY_SECRETARY
PRIOR_WEIGHT = 10


@dataclass(frozen=True)
class Method:
    code: str
    label: str


METHODS = {
    "wilson": Method("wilson", _("Satisfied share we can be 95 percent sure of (Wilson lower bound)")),
    "bayes": Method("bayes", _("Bayesian average score")),
}
DEFAULT_METHOD = "wilson"


def _years(snapshots) -> list[int]:
    """The years with published results among these snapshots, newest first."""
    return list(snapshots.order_by("-meeting__year").values_list("meeting__year", flat=True).distinct())


def _chosen_year(request, years: list[int]) -> int | None:
    """?year= if it has published results, the latest year when not given; a 404 for any other."""
    raw = request.GET.get("year")
    if raw is None or raw == "":
        return years[0] if years else None
    if raw.isascii() and raw.isdigit() and len(raw) <= 4 and int(raw) in years:
        return int(raw)
    raise Http404("No published results for that year.")


def _choice(request, name: str, choices, default: str) -> str:
    value = request.GET.get(name, "")
    return value if value in choices else default


@require_safe
def cadre_history(request, pk):
    """One cadre's published results over the years, newest first."""
    cadre = get_object_or_404(Cadre.objects.select_related("village__township"), pk=pk)
    snapshots = (
        ResultSnapshot.objects.live()
        .filter(meeting__reporting__cadre=cadre)
        .select_related("meeting__village")
        .order_by("-meeting__year", "-version")
    )
    rows = []
    for snapshot in snapshots:
        by_id = {row["id"]: row for row in display.ranking_rows(snapshot.data)}
        if cadre.pk in by_id:
            rows.append(
                {
                    **by_id[cadre.pk],
                    "year": snapshot.meeting.year,
                    "meeting": str(snapshot.meeting),
                    "meeting_id": snapshot.meeting_id,
                    "ranked": sum(1 for row in by_id.values() if row["rank"] is not None),
                }
            )
    if not rows:
        raise Http404("This cadre has no published results.")
    table = CadreHistoryTable(rows)
    RequestConfig(request, paginate=False).configure(table)
    export = export_response(request, table, f"cadre-{cadre.pk}")
    if export:
        return export
    return render(
        request, "ratings/results/cadre_history.html", {"cadre": cadre, "table": table, "rows": rows}
    )


@require_safe
def village_ranking(request, code):
    """A village's cadres ranked for one year (?year=, the latest by default), as published."""
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    published = ResultSnapshot.objects.live().filter(meeting__village=village)
    years = _years(published)
    year = _chosen_year(request, years)
    snapshot = (
        published.filter(meeting__year=year).select_related("meeting__village").first() if year else None
    )
    table = VillageRankingTable(display.ranking_rows(snapshot.data) if snapshot else [])
    RequestConfig(request, paginate=False).configure(table)
    if snapshot:
        export = export_response(request, table, f"ranking-{village.code}-{year}")
        if export:
            return export
    context = {"village": village, "years": years, "year": year, "snapshot": snapshot, "table": table}
    return render(request, "ratings/results/village_ranking.html", context)


def township_standings(
    snapshots: list[ResultSnapshot], post: str, method: str
) -> tuple[list[dict], float | None]:
    """The cadres holding `post` in these published meetings, ranked together; and the township mean.

    The histograms come from the ballot box in ONE GROUP BY for the whole township; each scheme's
    meetings are tallied with their own scale, then every cadre is ranked with every other.
    """
    holders = {}  # cadre id → (snapshot, the cadre's published row)
    for snapshot in snapshots:
        for cadre in snapshot.data["cadres"]:
            if post in cadre.get("posts", []):
                holders[cadre["id"]] = (snapshot, cadre)
    if not holders:
        return [], None
    counts = tally.grade_counts(
        BallotGrade.objects.filter(
            ballot__meeting__in={snapshot.meeting_id for snapshot, _cadre in holders.values()},
            cadre_id__in=list(holders),
        )
    )
    by_scheme = defaultdict(list)
    for cadre_id, (snapshot, _cadre) in holders.items():
        by_scheme[snapshot.meeting.scheme_id].append(cadre_id)
    tallied = {}
    for cadre_ids in by_scheme.values():
        members = set(cadre_ids)
        scheme = holders[cadre_ids[0]][0].data["scheme"]
        own = {key: count for key, count in counts.items() if key[0] in members}
        # The scheme as its snapshot published it (it froze when voting opened): no query needed.
        tallied.update(aggregation.tally(own, aggregation.SchemeSpec.from_document(scheme), cadre_ids))
    if method == "bayes":
        ranks = aggregation.rank_by_bayesian(tallied, PRIOR_WEIGHT)
    else:
        ranks = aggregation.rank_by_wilson(tallied)
    averages = aggregation.bayesian_average(tallied, PRIOR_WEIGHT)
    rows = []
    for cadre_id, result in tallied.items():
        snapshot, cadre = holders[cadre_id]
        scheme = snapshot.data["scheme"]
        overall = result.overall
        graded_lines = sum(1 for stats in result.criteria.values() if stats.graded)
        rows.append(
            {
                "id": cadre_id,
                "name": cadre["name"],
                "village": snapshot.meeting.village.name,
                "meeting_id": snapshot.meeting_id,
                "rank": ranks[cadre_id],
                "ballots": overall.graded // graded_lines if graded_lines else 0,
                "score": _number(overall.score),
                "satisfaction": _number(overall.satisfaction),
                "wilson": _number(overall.wilson_lower),
                "bayesian": _number(averages[cadre_id]),
                "median": display.grade_labels(scheme).get(overall.median_grade, ""),
                "verdict": display.verdict_label(result.verdict),
                "two_years": False,
            }
        )
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["village"], row["name"]))
    return rows, _township_mean(rows)


def _township_mean(rows: list[dict]) -> float | None:
    """The score the Bayesian average pulls toward: every ballot of the ranking counted once."""
    weighted = [(row["ballots"], row["score"]) for row in rows if row["score"] is not None and row["ballots"]]
    ballots = sum(n for n, _score in weighted)
    return round(sum(n * value for n, value in weighted) / ballots, 4) if ballots else None


def _number(value) -> float | None:
    return None if value is None else round(float(value), 4)


@require_safe
def township_ranking(request, pk):
    """One post (?post=) across the township's villages for a year (?year=), by Wilson bound or Bayes."""
    township = get_object_or_404(Township, pk=pk)
    published = ResultSnapshot.objects.live().filter(meeting__village__township=township)
    years = _years(published)
    year = _chosen_year(request, years)
    post = _choice(request, "post", CadrePost.Post.values, DEFAULT_POST)
    method = _choice(request, "method", METHODS, DEFAULT_METHOD)
    snapshots = list(published.filter(meeting__year=year).select_related("meeting__village")) if year else []
    rows, township_mean = township_standings(snapshots, post, method)
    table = TownshipRankingTable(rows)
    RequestConfig(request, paginate=False).configure(table)
    export = export_response(request, table, f"ranking-{township.code}-{year}-{post}-{method}")
    if export:
        return export
    context = {
        "township": township,
        "years": years,
        "year": year,
        "post": post,
        "posts": CadrePost.Post.choices,
        "method": METHODS[method],
        "methods": METHODS.values(),
        "prior_weight": PRIOR_WEIGHT,
        "township_mean": township_mean,
        "villages": len(snapshots),
        "table": table,
    }
    return render(request, "ratings/results/township_ranking.html", context)
