"""Rankings across published results: a cadre over the years, a village's cadres, one post in a township.

Anyone, no login; only live snapshots (under public notice, or final) of meetings that were not
annulled count. A year asked for (?year=) that has no published results is a 404; an unknown post or
method falls back to the default, so that an old or mistyped link still shows a ranking.

Everything is read from what the snapshots published, under the k rule (ratings/disclosure.py): the
township ranking tallies each meeting's disclosed counts (the rows of its counts.csv), never the
ballots; a meeting whose figures are withheld (fewer than k ballots) is left out, and the page says so.
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
from ratings.models import ResultSnapshot
from ratings.results import display
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
    rows, withheld = [], []
    for snapshot in snapshots:
        if display.figures_withheld(snapshot.data):
            withheld.append(snapshot.meeting)
            continue
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
    if not rows and not withheld:
        raise Http404("This cadre has no published results.")
    table = CadreHistoryTable(rows)
    RequestConfig(request, paginate=False).configure(table)
    export = export_response(request, table, f"cadre-{cadre.pk}")
    if export:
        return export
    context = {"cadre": cadre, "table": table, "rows": rows, "withheld": withheld}
    return render(request, "ratings/results/cadre_history.html", context)


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
    context = {
        "village": village,
        "years": years,
        "year": year,
        "snapshot": snapshot,
        "table": table,
        "withheld": display.figures_withheld(snapshot.data) if snapshot else None,
    }
    return render(request, "ratings/results/village_ranking.html", context)


def township_standings(
    snapshots: list[ResultSnapshot], post: str, method: str
) -> tuple[list[dict], float | None, list]:
    """The cadres holding `post` in these published meetings, ranked together; the township mean; and
    the meetings left out because the k rule withholds their figures (or they predate counts.csv).

    Each meeting's disclosed counts are tallied with its own published scheme, then every cadre is
    ranked with every other. No query: the snapshots carry all of it.
    """
    holders = {}  # cadre id → (snapshot, the cadre's published row)
    left_out = []
    for snapshot in snapshots:
        if display.figures_withheld(snapshot.data) or display.is_legacy(snapshot.data):
            if any(post in cadre.get("posts", []) for cadre in snapshot.data["cadres"]):
                left_out.append(snapshot.meeting)
            continue
        for cadre in snapshot.data["cadres"]:
            if post in cadre.get("posts", []):
                holders[cadre["id"]] = (snapshot, cadre)
    if not holders:
        return [], None, left_out
    by_snapshot = defaultdict(list)
    for cadre_id, (snapshot, _cadre) in holders.items():
        by_snapshot[snapshot.pk].append(cadre_id)
    tallied = {}
    for cadre_ids in by_snapshot.values():
        data = holders[cadre_ids[0]][0].data
        members = set(cadre_ids)
        counts = {tuple(row[:4]): row[4] for row in data["counts"] if row[0] in members}
        # The scheme as its snapshot published it (it froze when voting opened).
        tallied.update(
            aggregation.tally(counts, aggregation.SchemeSpec.from_document(data["scheme"]), cadre_ids)
        )
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
    return rows, _township_mean(rows), left_out


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
    rows, township_mean, left_out = township_standings(snapshots, post, method)
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
        "left_out": left_out,
        "table": table,
    }
    return render(request, "ratings/results/township_ranking.html", context)
