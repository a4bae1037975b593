"""Each cadre's standing as a snapshot published it, one row per post: what the rankings across a
township or a county read (ratings/results/views/rankings.py), so that a page over 300 villages reads
300 short rows instead of 300 results documents.

Worked out from the results document alone (its published figures and scheme), so that anyone can
redo it from results.json; the one figure a document does not print, the one-ballot swing, comes from
its published group counts (ratings/aggregation.py: `one_ballot_swing`, docs/method.md).
"""

from decimal import Decimal
from fractions import Fraction

from ratings import aggregation
from ratings.models import CadreStanding, ResultSnapshot
from ratings.results import display


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def group_ballots(cadre: dict) -> dict[str, Fraction]:
    """How many ballots each published group graded the cadre with (its grades over the lines graded)."""
    lines = sum(1 for stats in (cadre.get("criteria") or {}).values() if stats.get("graded"))
    return {
        group: Fraction(stats.get("graded", 0), max(lines, 1))
        for group, stats in (cadre.get("groups") or {}).items()
    }


def swing_of(cadre: dict, scheme: aggregation.SchemeSpec) -> Decimal | None:
    swing = aggregation.one_ballot_swing(group_ballots(cadre), scheme)
    return None if swing is None else aggregation.round_half_up(swing)


def standing_rows(document: dict) -> list[dict]:
    """The standings of a results document: field values of CadreStanding, without the snapshot."""
    withheld = bool(display.figures_withheld(document)) or display.is_legacy(document)
    scheme = None if withheld else aggregation.SchemeSpec.from_document(document["scheme"])
    meeting = document["meeting"]
    rows = []
    for cadre in document["cadres"]:
        overall = {} if withheld else cadre.get("overall") or {}
        figures = {
            "score": _decimal(overall.get("score")),
            "satisfaction": _decimal(overall.get("satisfaction")),
            "verdict_share": _decimal(overall.get("top_pass_share")),
            "swing": None if withheld else swing_of(cadre, scheme),
            "graded_ballots": overall.get("graded_ballots") or 0,
            "median_grade": overall.get("median_grade") or "",
            "verdict": "" if withheld else cadre.get("verdict") or "",
            "village_rank": None if withheld else cadre.get("rank"),
            "two_years": not withheld and bool(cadre.get("incompetent_two_years")),
            "withheld": withheld,
        }
        for post in cadre.get("posts") or [""]:
            identity = {"cadre_id": cadre["id"], "year": meeting["year"], "post": post, "name": cadre["name"]}
            rows.append({**identity, **figures})
    return rows


def standings_write(snapshot: ResultSnapshot) -> None:
    """Written with the snapshot, in its transaction (ratings.results.services.results_compute)."""
    CadreStanding.objects.bulk_create(
        CadreStanding(snapshot=snapshot, village_id=snapshot.meeting.village_id, **row)
        for row in standing_rows(snapshot.data)
    )
