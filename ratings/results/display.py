"""What the public results pages show of a snapshot: translated words, rows in rank order, hidden cells.

Everything here reads the snapshot's `data` (the published results.json) and nothing else, so that a
page says exactly what was published and a recount of the open data matches what a villager read.
Stored names (of a criterion, a grade) are shown as the translated word when the code is a known one
(ratings.ballot.schemes), as they are on the terminal.

The secret ballot of a small village: a breakdown (one criterion of a cadre, or one voter group)
whose cell holds fewer than the scheme's k ballots is hidden. The cadre's overall figures are the
result itself and are always shown.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.models import CadrePost
from ratings.ballot import schemes
from ratings.models import VoterGroup
from ratings.results.tally import OVERALL

VERDICTS = {
    "excellent": _("Excellent"),
    "competent": _("Competent"),
    "basically_competent": _("Basically competent"),
    "incompetent": _("Incompetent"),
}
GROUPS = dict(VoterGroup.Kind.choices)
POSTS = dict(CadrePost.Post.choices)


def post_label(code: str) -> str:
    return str(POSTS.get(code, code)) if code else ""


def verdict_label(code: str | None) -> str:
    return str(VERDICTS.get(code, code)) if code else ""


def criterion_label(code: str, stored_name: str = "") -> str:
    if code == OVERALL:
        return str(schemes.OVERALL)
    return str(schemes.CRITERION_NAMES.get(code, stored_name or code))


def grade_label(grade: dict) -> str:
    return str(schemes.GRADE_LABELS.get(grade["code"], grade["label"]))


def grade_labels(scheme: dict) -> dict[str, str]:
    return {grade["code"]: grade_label(grade) for grade in scheme["grades"]}


def cell_ballots(stats: dict, lines: int = 1) -> int:
    """How many ballots a cell holds: graded and "don't know" alike, each ballot once per line."""
    return math.ceil((stats.get("graded", 0) + stats.get("abstained", 0)) / max(lines, 1))


@dataclass(frozen=True)
class Breakdown:
    """One line of a breakdown: a criterion of a cadre, or a voter group."""

    label: str
    stats: dict
    ballots: int
    min_cell: int
    median: str = ""
    weight: float | None = None

    @property
    def empty(self) -> bool:
        return self.ballots == 0

    @property
    def hidden(self) -> bool:
        return 0 < self.ballots < self.min_cell


def _by_rank(cadre: dict) -> tuple:
    return (cadre.get("rank") is None, cadre.get("rank") or 0, cadre["name"], cadre["id"])


def ranked_cadres(data: dict) -> list[dict]:
    """The cadres in rank order; anyone nobody graded comes last."""
    return sorted(data["cadres"], key=_by_rank)


def ranking_rows(data: dict) -> list[dict]:
    """One row a cadre, in rank order, for the ranking tables and the notice."""
    labels = grade_labels(data["scheme"])
    rows = []
    for cadre in ranked_cadres(data):
        overall = cadre.get("overall") or {}
        rows.append(
            {
                "id": cadre["id"],
                "rank": cadre.get("rank"),
                "name": cadre["name"],
                "post": post_label(cadre.get("post", "")),
                "score": overall.get("score"),
                "satisfaction": overall.get("satisfaction"),
                "median": labels.get(overall.get("median_grade"), ""),
                "verdict": verdict_label(cadre.get("verdict")),
                "verdict_code": cadre.get("verdict"),
                "two_years": bool(cadre.get("incompetent_two_years")),
                "ballots": cell_ballots(overall, len(data["scheme"]["criteria"])),
            }
        )
    return rows


def cadre_sections(data: dict) -> list[dict]:
    """Per cadre, in rank order: the overall figures, the criteria, and the voter groups if shown."""
    scheme = data["scheme"]
    labels = grade_labels(scheme)
    min_cell = scheme.get("min_cell", 0)
    lines = len(scheme["criteria"])
    names = {
        criterion["code"]: criterion_label(criterion["code"], criterion["name"])
        for criterion in scheme["criteria"]
    }
    rows = {row["id"]: row for row in ranking_rows(data)}
    sections = []
    for cadre in ranked_cadres(data):
        criteria = [
            Breakdown(
                label=names.get(code, code),
                stats=stats,
                ballots=cell_ballots(stats),
                min_cell=min_cell,
                median=labels.get(stats.get("median_grade"), ""),
            )
            for code, stats in (cadre.get("criteria") or {}).items()
        ]
        groups = None
        if cadre.get("groups") is not None:
            groups = [
                Breakdown(
                    label=str(GROUPS.get(kind, kind)),
                    stats=stats,
                    ballots=cell_ballots(stats, lines),
                    min_cell=min_cell,
                    median=labels.get(stats.get("median_grade"), ""),
                    weight=float(scheme["groups"][kind]) if kind in scheme["groups"] else None,
                )
                for kind, stats in cadre["groups"].items()
            ]
        sections.append(
            {
                **rows[cadre["id"]],
                "overall": cadre.get("overall") or {},
                "posts": [post_label(post) for post in cadre.get("posts", [])],
                "criteria": criteria,
                # One group alone says nothing the overall figures do not.
                "groups": groups if groups is None or len(groups) > 1 else [],
            }
        )
    return sections


def honor_rows(data: dict) -> list[dict]:
    """The published honor roll, in its ranking order."""
    return sorted(data.get("honor_roll", []), key=lambda row: (row["rank"], row["number"]))
