"""A ranking across villages (one post, one year), worked out whole from short rows and read in full
only for the rows a page shows.

The ranks and the groups of cadres the ballots cannot tell apart (docs/method.md) depend on every
cadre's score and swing, so they are worked out over the whole township or county on every request;
what that needs per cadre is a handful of numbers (CadreStandingQuerySet.for_ordering). The columns a
row shows (names in both scripts, the township, every figure) are read for the page's 25 rows alone
(CadreStandingQuerySet.for_ranking), so that a page of the county costs what a page of one township
does. An export iterates the whole ranking and reads every row once.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django_tables2.data import TableListData

from portal.names import local_name
from ratings import aggregation
from ratings.results import display


@dataclass(frozen=True)
class Placed:
    """A cadre's place in the ranking: its standing's id, rank (None: too few grades) and group."""

    pk: int
    rank: int | None
    tier: int | None


@dataclass
class Ranking:
    placed: list[Placed]  # ranked first, by rank, village and name; then those without a rank
    villages: int
    groups: int
    withheld: list[dict]  # meetings left out: the k rule withholds their figures


def ranking_order(standings) -> Ranking:
    """The order of these standings' cadres (rows of CadreStandingQuerySet.for_ordering): ranked by
    score, equal scores sharing a rank, with their groups; then those with too few graded ballots."""
    counted, left_out = [], {}
    for row in standings:
        if row["withheld"]:
            left_out[row["meeting_id"]] = row
        elif row["score"] is not None:
            counted.append(row)
    ranked = [row for row in counted if row["verdict"] != aggregation.NOT_ENOUGH_GRADES]
    ranks = aggregation.rank_by_score({row["pk"]: row["score"] for row in ranked})
    groups = aggregation.tiers({row["pk"]: (row["score"], row["swing"]) for row in ranked})
    counted.sort(
        key=lambda row: (
            ranks.get(row["pk"]) is None,
            ranks.get(row["pk"]) or 0,
            row["village__name"],
            row["name"],
        )
    )
    withheld = [
        {"meeting_id": row["meeting_id"], "village": row["village__name"], "year": row["year"]}
        for row in sorted(left_out.values(), key=lambda row: row["village__name"])
    ]
    return Ranking(
        placed=[Placed(row["pk"], ranks.get(row["pk"]), groups.get(row["pk"])) for row in counted],
        villages=len({row["meeting_id"] for row in counted}),
        groups=len(set(groups.values())),
        withheld=withheld,
    )


def ranking_row(row: dict, place: Placed) -> dict:
    """What a ranking table shows of one standing (a row of CadreStandingQuerySet.for_ranking)."""
    return {
        "id": row["cadre_id"],
        "name": row["name"],
        "name_ug": row["cadre__name_ug"],
        "village": local_name({"name": row["village__name"], "name_ug": row["village__name_ug"]}),
        "township": local_name(
            {"name": row["village__township__name"], "name_ug": row["village__township__name_ug"]}
        ),
        "meeting_id": row["meeting_id"],
        "rank": place.rank,
        "tier": place.tier,
        "ballots": row["graded_ballots"],
        "score": row["score"],
        "swing": row["swing"],
        "satisfaction": row["satisfaction"],
        "verdict_share": row["verdict_share"],
        "verdict": display.verdict_label(row["verdict"]),
        "two_years": row["two_years"],
    }


class RankedRows(Sequence):
    """The rows of a ranking in order; a slice reads just its standings, in one query."""

    def __init__(self, placed: list[Placed], standings):
        self.placed, self.standings = placed, standings  # standings: a CadreStanding queryset

    def __len__(self) -> int:
        return len(self.placed)

    def __getitem__(self, key):
        if isinstance(key, slice):
            places = self.placed[key]
            shown = self.standings.filter(pk__in=[place.pk for place in places]).for_ranking()
            full = {row["pk"]: row for row in shown}
            return [ranking_row(full[place.pk], place) for place in places]
        index = range(len(self.placed))[key]  # an IndexError past either end, as a list gives
        return self[index : index + 1][0]

    def __iter__(self) -> Iterator[dict]:
        return iter(self[:])


class RankedData(TableListData):
    """django-tables2's list data over RankedRows, without turning it into a list first (which would
    read every row): the table is not orderable, so it only slices for its page, or iterates to export."""

    def __init__(self, rows: RankedRows):
        self.data = rows
