"""What the public pages show of a snapshot: translated words, rows in rank order, what the k rule withholds.

Everything here reads the snapshot's `data` (the published results.json) and nothing else, so that a
page says exactly what was published and a recount of the open data matches what a villager read.
Stored names (of a criterion, a grade) are shown as the translated word when the code is a known one
(ratings.ballot.schemes), as they are on the terminal.

The secret ballot of a small village is the k rule (ratings/disclosure.py), which the tally applied
to what a snapshot publishes: below k ballots in all no per-cadre figure exists to show, and a small
voter group is pooled into the largest. A snapshot from before the rule (no "format" in its data) is
judged by the same rule here: its figures are withheld when the rule would have pooled a group, since
its weighted figures counted that group apart.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.models import CadrePost
from ratings import aggregation, disclosure
from ratings.ballot import schemes
from ratings.models import HouseholdProposal, VoterGroup
from ratings.results.tally import OVERALL

VERDICTS = {
    "excellent": _("Excellent"),
    "competent": _("Competent"),
    "basically_competent": _("Basically competent"),
    "incompetent": _("Incompetent"),
    aggregation.NOT_ENOUGH_GRADES: _("Not enough grades"),
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


BELOW_K = "below_k"
LEGACY_SMALL_GROUP = "legacy_small_group"


def method_of(data: dict) -> dict:
    """The thresholds the snapshot applied (docs/method.md), for the page's plain-words method."""
    scheme = data["scheme"]
    return {
        "version": (data.get("method") or {}).get("version", 1),
        "excellent": scheme["excellent_share"],
        "incompetent": scheme["incompetent_share"],
        "min_graded": scheme.get("min_graded", 0),
        "weighted": len(scheme.get("groups", {})) > 1,
    }


def is_legacy(data: dict) -> bool:
    """Published before counts.csv and the k rule everywhere."""
    return "format" not in data


def disclosure_of(data: dict) -> disclosure.Disclosure:
    """The k rule as the snapshot applied it (or, for an older snapshot, as it applies to its ballots)."""
    k = data["scheme"].get("min_cell", 0)
    if is_legacy(data):
        return disclosure.decide(data["turnout"].get("by_group", {}), k)
    published = data["disclosure"]
    return disclosure.Disclosure(k=published["k"], ballots=data["ballots"], pooled=published["pooled"])


def figures_withheld(data: dict) -> str | None:
    """Why no per-cadre figure of the snapshot may be shown (BELOW_K, LEGACY_SMALL_GROUP), or None."""
    rule = disclosure_of(data)
    if not rule.figures_shown:
        return BELOW_K
    if is_legacy(data) and rule.pooled:
        return LEGACY_SMALL_GROUP
    return None


def pooled_groups(data: dict) -> list[dict]:
    """Each small group and the group its ballots were counted with, in words."""
    return [
        {"group": str(GROUPS.get(small, small)), "into": str(GROUPS.get(into, into))}
        for small, into in sorted(disclosure_of(data).pooled.items())
    ]


def public_document(data: dict) -> dict:
    """results.json as served: the counts are in counts.csv; an older snapshot under today's rule."""
    document = {key: value for key, value in data.items() if key not in ("counts", "ballots_sha256")}
    if figures_withheld(data):
        withheld = dict.fromkeys(("criteria", "overall", "groups", "verdict", "rank"))
        document["cadres"] = [{**cadre, **withheld} for cadre in data["cadres"]]
    return document


def cell_ballots(stats: dict, lines: int = 1) -> int:
    """How many ballots a cell holds: graded and "don't know" alike, each ballot once per line."""
    return math.ceil((stats.get("graded", 0) + stats.get("abstained", 0)) / max(lines, 1))


@dataclass(frozen=True)
class Breakdown:
    """One line of a breakdown: a criterion of a cadre, or a voter group."""

    label: str
    stats: dict
    ballots: int
    median: str = ""
    weight: float | None = None

    @property
    def empty(self) -> bool:
        return self.ballots == 0


def _by_rank(cadre: dict) -> tuple:
    return (cadre.get("rank") is None, cadre.get("rank") or 0, cadre["name"], cadre["id"])


def ranked_cadres(data: dict) -> list[dict]:
    """The cadres in rank order; anyone nobody graded comes last."""
    return sorted(data["cadres"], key=_by_rank)


def ranking_rows(data: dict) -> list[dict]:
    """One row a cadre, in rank order, for the ranking tables and the notice; none when withheld."""
    if figures_withheld(data):
        return []
    labels = grade_labels(data["scheme"])
    rows = []
    for cadre in ranked_cadres(data):
        overall = cadre.get("overall") or {}
        rows.append(
            {
                "id": cadre["id"],
                "rank": cadre.get("rank"),
                "name": cadre["name"],
                "name_ug": cadre.get("name_ug", ""),
                "post": post_label(cadre.get("post", "")),
                "score": overall.get("score"),
                "satisfaction": overall.get("satisfaction"),
                "median": labels.get(overall.get("median_grade"), ""),
                "verdict": verdict_label(cadre.get("verdict")),
                "verdict_code": cadre.get("verdict"),
                # The figures the verdict compared with the thresholds (weighted by group).
                "verdict_share": overall.get("top_pass_share"),
                "bottom_share": overall.get("bottom_share"),
                "graded_ballots": overall.get("graded_ballots"),
                "two_years": bool(cadre.get("incompetent_two_years")),
                "ballots": cell_ballots(overall, len(data["scheme"]["criteria"])),
            }
        )
    return rows


def cadre_sections(data: dict) -> list[dict]:
    """Per cadre, in rank order: the overall figures, the criteria, the voter groups; none when withheld."""
    if figures_withheld(data):
        return []
    scheme = data["scheme"]
    labels = grade_labels(scheme)
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
    # Below k the votes and ranks are withheld (None): the households in the order of their number.
    return sorted(
        data.get("honor_roll", []), key=lambda row: (row["rank"] is None, row["rank"] or 0, row["number"])
    )


def household_rows(data: dict) -> list[dict]:
    """The households' evaluations as the results page lists them: the head, the decision in words, the
    threshold, the count (None below k) and the outcome."""
    kinds = dict(HouseholdProposal.Kind.choices)
    categories = dict(HouseholdProposal.Category.choices)
    stars = dict(HouseholdProposal.Star.choices)
    rows = []
    for household in data.get("households", []):
        detail = categories.get(household["category"]) or stars.get(household["star"])
        decision = kinds.get(household["kind"], household["kind"])
        rows.append(
            {
                **household,
                "decision": gettext("%(evaluation)s: %(detail)s") % {"evaluation": decision, "detail": detail}
                if detail
                else str(decision),
            }
        )
    return rows
