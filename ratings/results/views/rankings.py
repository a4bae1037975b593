"""Rankings across published results: a cadre over the years, a village's cadres, one post in a
township or in the whole county.

Anyone, no login; only live snapshots (under public notice, or final) of meetings that were not
annulled count. A year asked for (?year=) that has no published results is a 404; an unknown post
falls back to the default (and the retired ?method= is ignored), so that an old or mistyped link still
shows a ranking.

Everything is read from what the snapshots published: the rankings across villages read each
cadre's published standing (CadreStanding, one short row, ratings/results/standings.py), never a
document or a ballot; a meeting whose figures are withheld (fewer than k ballots) is left out, and the
page says so.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig

from portal.models import Cadre, CadrePost, Township, Village
from portal.tables import PagedRequestConfig
from ratings.models import CadreStanding, ResultSnapshot
from ratings.results import display
from ratings.results.ranking import RankedData, RankedRows, Ranking, ranking_order
from ratings.results.tables import (
    CadreHistoryTable,
    RankingAcrossTable,
    VillageRankingTable,
    export_response,
)

DEFAULT_POST = CadrePost.Post.PARTY_SECRETARY
RANKING_PAGE = 25


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


def _ranking_page(request, *, standings, scope: dict, name: str):
    """The ranking of one post (?post=) in one year (?year=) among these standings, or its export."""
    years = standings.years()
    year = _chosen_year(request, years)
    post = _choice(request, "post", CadrePost.Post.values, DEFAULT_POST)
    of_post = standings.holding(post, year) if year else standings.none()
    ranking = ranking_order(of_post.for_ordering()) if year else Ranking([], 0, 0, [])
    # A township's page names one township: no column for it.
    table = RankingAcrossTable(
        RankedData(RankedRows(ranking.placed, of_post)),
        exclude=() if scope.get("county") else ("median", "township"),
    )
    # Ranked whole, read and shown a page at a time (an export holds every row).
    PagedRequestConfig(request, per_page=RANKING_PAGE).configure(table)
    export = export_response(request, table, f"ranking-{name}-{year}-{post}")
    if export:
        return export
    context = {
        **scope,
        "years": years,
        "year": year,
        "post": post,
        "posts": CadrePost.Post.choices,
        "villages": ranking.villages,
        "groups": ranking.groups,
        "left_out": ranking.withheld,
        "table": table,
    }
    return render(request, "ratings/results/ranking_across.html", context)


@require_safe
def township_ranking(request, pk):
    """One post across the township's villages for a year, as their results were published."""
    township = get_object_or_404(Township, pk=pk)
    standings = CadreStanding.objects.live().in_township(township)
    scope = {"township": township, "area": township.name}
    return _ranking_page(request, standings=standings, scope=scope, name=township.code)


@require_safe
def county_ranking(request):
    """One post across every village of every township this server holds (a county's server)."""
    counties = sorted(set(Township.objects.exclude(county="").values_list("county", flat=True)))
    scope = {"county": True, "area": "、".join(counties)}
    return _ranking_page(request, standings=CadreStanding.objects.live(), scope=scope, name="county")
