"""A second recount of a meeting's results, written from docs/method.md alone, to check the core against.

Deliberately independent of ratings/aggregation.py, ratings/disclosure.py and ratings/recount.py:
none of them is imported or was read to write this. Plain Python: exact Fractions for every figure,
Decimal at 50 digits for the Wilson bound's square root, and a rounding of its own. Where
docs/method.md leaves a choice open, the choice made here is marked "method.md is silent".

Two doors in: `Scheme` + histograms (`cadre_figures`, for generated data), or the open data files
(`scheme_from_codebook`, `read_counts`, `read_ballots`, `recount_document`).
"""

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, getcontext
from fractions import Fraction

ABSTAIN = "abstain"
TOP_OR_PASS = ("top", "pass")
BOTTOM = "bottom"
OVERALL = "overall"  # the one line of a quick-mode ballot
PANEL = "township_panel"
Z = Decimal("1.959964")
QUORUM = {"villagers": Fraction(1, 2), "representatives": Fraction(2, 3)}


@dataclass(frozen=True)
class Grade:
    code: str
    value: Fraction | None
    standing: str


@dataclass
class Scheme:
    """What method.md needs of a scheme: grades best first (scale order), lines, weights, thresholds."""

    grades: list[Grade]
    criteria: list[str]
    weights: dict[str, Fraction]  # only the groups the scheme weights
    excellent: Fraction = Fraction(9, 10)
    incompetent: Fraction = Fraction(1, 2)
    min_graded: int = 10
    k: int = 5
    quick_mode: bool = False
    max_nominations: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        return [OVERALL] if self.quick_mode else list(self.criteria)

    @property
    def graded_grades(self) -> list[Grade]:
        return [grade for grade in self.grades if grade.standing != ABSTAIN]


# --- rounding -------------------------------------------------------------------------------------


def half_up(value) -> float | None:
    """Exactly `value` (a Fraction, int or Decimal), rounded once to 4 places, half away from zero."""
    if value is None:
        return None
    exact = Fraction(value) * 10_000
    magnitude = math.floor(abs(exact) + Fraction(1, 2))
    return float(Decimal(magnitude if exact >= 0 else -magnitude).scaleb(-4))


def _decimal_half_up(value: Decimal) -> float:
    # The same rule through Decimal, used only for the Wilson bound (already a Decimal).
    return float(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


# --- figures of one histogram ---------------------------------------------------------------------


def _spread(histogram: Mapping[str, int], scheme: Scheme) -> list[tuple[Grade, int]]:
    return [(grade, histogram.get(grade.code, 0)) for grade in scheme.graded_grades]


def _mean(histogram, scheme) -> Fraction | None:
    pairs = _spread(histogram, scheme)
    graded = sum(n for _grade, n in pairs)
    return Fraction(sum(grade.value * n for grade, n in pairs), graded) if graded else None


def _trimmed_mean(histogram, scheme) -> Fraction | None:
    pairs = [(grade, n) for grade, n in _spread(histogram, scheme) if n]
    graded = sum(n for _grade, n in pairs)
    if graded < 3:
        return _mean(histogram, scheme)
    values = [grade.value for grade, _n in pairs]
    total = sum(grade.value * n for grade, n in pairs) - max(values) - min(values)
    return Fraction(total, graded - 2)


def _share(histogram, scheme, standings) -> Fraction | None:
    pairs = _spread(histogram, scheme)
    graded = sum(n for _grade, n in pairs)
    hits = sum(n for grade, n in pairs if grade.standing in standings)
    return Fraction(hits, graded) if graded else None


def _lined_up(histogram, scheme) -> list[int]:
    """The graded ballots as scale positions (0 = best), best first."""
    return [position for position, (_grade, n) in enumerate(_spread(histogram, scheme)) for _one in range(n)]


def median_grade(histogram, scheme) -> str | None:
    lined = _lined_up(histogram, scheme)
    # Odd count 2m+1: index m. Even count 2m: the worse (later) of m-1 and m, index m. Both n // 2.
    return scheme.graded_grades[lined[len(lined) // 2]].code if lined else None


def majority_value(histogram, scheme) -> list[int]:
    """Successive median positions, one ballot of the median grade removed each time."""
    lined, out = _lined_up(histogram, scheme), []
    while lined:
        position = lined[len(lined) // 2]
        out.append(position)
        lined.remove(position)
    return out


def wilson_lower(share: Fraction | None, ballots: Fraction) -> float | None:
    """Lower end of the Wilson score interval, z = 1.959964, worked at 50 digits."""
    if share is None or not ballots:
        return None
    getcontext().prec = 50
    p = Decimal(share.numerator) / Decimal(share.denominator)
    n = Decimal(ballots.numerator) / Decimal(ballots.denominator)
    z2 = Z * Z
    root = (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    return _decimal_half_up((p + z2 / (2 * n) - Z * root) / (1 + z2 / n))


def _weighted(per_group: Mapping[str, Fraction | None], scheme: Scheme, pooled: Fraction | None):
    """Averaged with the weights of the weighted groups that have a figure, rescaled to add up to 1;
    with none of them, the pooled figure. method.md is silent on weighted groups whose weights are all
    0 here: treated as no weighted group (there is nothing to rescale)."""
    present = {
        kind: value for kind, value in per_group.items() if value is not None and kind in scheme.weights
    }
    total = sum((scheme.weights[kind] for kind in present), Fraction(0))
    if not total:
        return pooled
    return sum((scheme.weights[kind] * value for kind, value in present.items()), Fraction(0)) / total


def _add(histograms: Iterable[Mapping[str, int]]) -> Counter:
    out: Counter = Counter()
    for histogram in histograms:
        out.update(histogram)
    return out


def _block(histogram, scheme, criteria_graded: int | None) -> dict:
    """The figures every block shares. `criteria_graded` divides the graded grades into the ballots
    of the Wilson bound (None for one criterion's block)."""
    graded = sum(n for _grade, n in _spread(histogram, scheme))
    abstained = sum(histogram.get(grade.code, 0) for grade in scheme.grades if grade.standing == ABSTAIN)
    satisfaction = _share(histogram, scheme, TOP_OR_PASS)
    ballots = Fraction(graded, criteria_graded or 1) if graded else Fraction(0)
    return {
        "histogram": {grade.code: n for grade, n in _spread(histogram, scheme)},
        "graded": graded,
        "abstained": abstained,
        "mean": _mean(histogram, scheme),
        "satisfaction": satisfaction,
        "median_grade": median_grade(histogram, scheme),
        "wilson_lower": wilson_lower(satisfaction, ballots),
    }


# --- one cadre ------------------------------------------------------------------------------------

# cadre's histograms: (criterion, group) → grade code → ballots
Lines = Mapping[tuple[str, str], Mapping[str, int]]


def _graded(histogram, scheme) -> int:
    return sum(n for _grade, n in _spread(histogram, scheme))


def cadre_figures(lines: Lines, scheme: Scheme, groups: Iterable[str]) -> dict:
    """Every figure of one cadre (exact, not yet rounded), as method.md defines it; `groups` are the
    voter groups to publish a block for."""
    kinds = sorted({kind for _line, kind in lines} | set(groups))
    criteria = {}
    for line in scheme.lines:
        by_group = {kind: lines.get((line, kind), {}) for kind in kinds}
        pooled = _add(by_group.values())
        block = _block(pooled, scheme, None)
        block["trimmed_mean"] = _trimmed_mean(pooled, scheme)
        block["weighted_mean"] = _weighted(
            {kind: _mean(histogram, scheme) for kind, histogram in by_group.items()}, scheme, block["mean"]
        )
        criteria[line] = block
    graded_lines = [line for line in scheme.lines if criteria[line]["graded"]]

    group_blocks, group_histograms = {}, {}
    for kind in kinds:
        histogram = _add(lines.get((line, kind), {}) for line in scheme.lines)
        group_histograms[kind] = histogram
        # method.md is silent on which criteria divide a group's grades: those this group graded.
        graded_by_group = sum(1 for line in scheme.lines if _graded(lines.get((line, kind), {}), scheme))
        block = _block(histogram, scheme, graded_by_group)
        block["trimmed_mean"] = _trimmed_mean(histogram, scheme)
        # One group's "weighted mean" is its own mean (method.md: a group's mean, weights over itself).
        block["weighted_mean"] = block["mean"]
        group_blocks[kind] = block

    everything = _add(group_histograms.values())
    overall = _block(everything, scheme, len(graded_lines))
    overall["score"] = (
        sum((criteria[line]["weighted_mean"] for line in graded_lines), Fraction(0)) / len(graded_lines)
        if graded_lines
        else None
    )
    for name, standings in (("top_pass_share", TOP_OR_PASS), ("bottom_share", (BOTTOM,))):
        overall[name] = _weighted(
            {kind: _share(histogram, scheme, standings) for kind, histogram in group_histograms.items()},
            scheme,
            _share(everything, scheme, standings),
        )
    overall["graded_ballots"] = min(criteria[line]["graded"] for line in scheme.lines)
    return {
        "criteria": criteria,
        "groups": {kind: group_blocks[kind] for kind in groups},
        "overall": overall,
        "verdict": verdict(overall, scheme),
    }


def verdict(overall: Mapping, scheme: Scheme) -> str | None:
    if overall["graded_ballots"] < scheme.min_graded:
        return "not_enough_grades"
    top_pass, bottom = overall["top_pass_share"], overall["bottom_share"]
    if top_pass is None:
        return None  # method.md is silent on a cadre nobody graded when the minimum is 0
    if top_pass >= scheme.excellent:
        return "excellent"
    if bottom >= scheme.incompetent:
        return "incompetent"
    if top_pass >= Fraction(1, 2):
        return "competent"
    return "basically_competent"


def published(figures: Mapping) -> dict:
    """A cadre's figures as results.json publishes them: every Fraction rounded once."""

    def rounded(block: Mapping) -> dict:
        return {
            key: half_up(value) if isinstance(value, Fraction | int) and key not in _COUNTS else value
            for key, value in block.items()
        }

    return {
        "criteria": {line: rounded(block) for line, block in figures["criteria"].items()},
        "groups": {kind: rounded(block) for kind, block in figures["groups"].items()},
        "overall": rounded(figures["overall"]),
        "verdict": figures["verdict"],
    }


_COUNTS = ("graded", "abstained", "graded_ballots", "histogram")


def competition_ranks(scores: Mapping) -> dict:
    """Higher first; equal values share a rank and the next is skipped (1, 1, 3). None: no rank."""
    ranked = [value for value in scores.values() if value is not None]
    return {
        key: None if value is None else 1 + sum(other > value for other in ranked)
        for key, value in scores.items()
    }


def cadre_ranks(figures: Mapping[int, Mapping]) -> dict[int, int | None]:
    """By overall.score as published (rounded); no rank without a verdict to stand on."""
    return competition_ranks(
        {
            cadre: half_up(fig["overall"]["score"])
            if fig["verdict"] not in (None, "not_enough_grades") and fig["overall"]["score"] is not None
            else None
            for cadre, fig in figures.items()
        }
    )


# --- the meeting: k rule, turnout, honor roll -----------------------------------------------------


def k_rule(by_group: Mapping[str, int], k: int) -> dict:
    """method.md: below k ballots no figure; a group below k is counted with the largest group.
    method.md is silent on a tie for the largest group (here: the first by code) and on pooling when
    no group reaches k (here: all into the largest)."""
    total = sum(by_group.values())
    if total < k:
        return {"figures_shown": False, "pooled": {}, "ballots_by_group": {}}
    present = {kind: n for kind, n in by_group.items() if n}
    largest = sorted(present, key=lambda kind: (-present[kind], kind))[0]
    pooled = {kind: largest for kind, n in present.items() if n < k and kind != largest}
    published_groups = Counter()
    for kind, n in present.items():
        published_groups[pooled.get(kind, kind)] += n
    return {"figures_shown": True, "pooled": pooled, "ballots_by_group": dict(published_groups)}


def turnout_figures(*, ballots: int, by_group: Mapping[str, int], roll: int, present: int, kind: str) -> dict:
    from_roll = ballots - by_group.get(PANEL, 0)
    required = math.floor(roll * QUORUM[kind]) + 1
    return {
        "rate": half_up(Fraction(from_roll, roll)) if roll else None,
        "quorum_required": required,
        "quorum_met": present >= required,
    }


def honor_ranks(votes: Mapping[int, int]) -> dict[int, int]:
    """Most votes first; equal votes share a rank (1, 2, 2, 4)."""
    return competition_ranks(votes)


# --- reading the open data ------------------------------------------------------------------------


def _cell(text: str) -> str:
    """A code written for Excel as ="007" read back as 007."""
    if len(text) >= 3 and text.startswith('="') and text.endswith('"'):
        return text[2:-1].replace('""', '"')
    return text


def _rows(content: bytes) -> list[list[str]]:
    return [[_cell(cell) for cell in row] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]


def read_counts(content: bytes) -> dict[int, dict[tuple[str, str], Counter]]:
    """counts.csv → cadre → (criterion, group) → grade → ballots."""
    header, *rows = _rows(content)
    assert header == ["cadre", "criterion", "group", "grade", "n"], header
    out: dict = defaultdict(lambda: defaultdict(Counter))
    for cadre, criterion, group, grade, n in rows:
        out[int(cadre)][(criterion, group)][grade] += int(n)
    return out


def read_ballots(content: bytes, scheme: Scheme, pooled: Mapping[str, str]):
    """The per-ballot file (receipt, group, `<cadre>:<criterion>` grade codes, empty for "don't know",
    nominations `;`-joined) → the counts as counts.csv would hold them, ballots by group, and votes
    per household."""
    header, *rows = _rows(content)
    abstain = next(grade.code for grade in scheme.grades if grade.standing == ABSTAIN)
    columns = header[2:-1]
    counts: dict = defaultdict(lambda: defaultdict(Counter))
    by_group: Counter = Counter()
    votes: Counter = Counter()
    nominations = 0
    for row in rows:
        group, grades, chosen = row[1], row[2:-1], row[-1]
        by_group[group] += 1
        for column, code in zip(columns, grades, strict=True):
            cadre, criterion = column.split(":", 1)
            counts[int(cadre)][(criterion, pooled.get(group, group))][code or abstain] += 1
        households = [int(household) for household in chosen.split(";") if household]
        votes.update(households)
        nominations += len(households)
    return counts, dict(by_group), dict(votes), nominations


def scheme_from_codebook(content: bytes) -> Scheme:
    """The scheme as codebook.csv states it: the grades in scale order, weights, method's thresholds."""
    header, *rows = _rows(content)
    assert header == ["section", "code", "field", "value"], header
    grades: dict[str, dict] = {}
    weights: dict[str, Fraction] = {}
    criteria: list[str] = []
    method: dict[str, str] = {}
    meeting: dict[str, str] = {}
    cadres: list[int] = []
    for section, code, name, value in rows:
        if section == "grade":
            grades.setdefault(code, {})[name] = value
        elif section == "group" and name == "weight" and value != "":
            weights[code] = Fraction(value)
        elif section == "criterion" and code not in criteria:
            criteria.append(code)
        elif section == "method":
            method[name] = value
        elif section == "meeting":
            meeting[name] = value
        elif section == "cadre" and name == "name":
            cadres.append(int(code))
    return Scheme(
        grades=[
            Grade(code, Fraction(facts["value"]) if facts["value"] != "" else None, facts["standing"])
            for code, facts in grades.items()
        ],
        criteria=criteria,
        weights=weights,
        excellent=Fraction(method["excellent_share"]),
        incompetent=Fraction(method["incompetent_share"]),
        min_graded=int(method["min_graded"]),
        k=int(method["k"]),
        quick_mode=method.get("quick_mode") == "True",
        max_nominations=int(method["max_nominations"]) if method.get("max_nominations") else None,
        extra={"method_version": int(method["version"]), "meeting": meeting, "cadres": cadres},
    )


def scheme_from_document(block: Mapping) -> Scheme:
    """The same from results.json's `scheme` block (generated schemes use it too)."""
    return Scheme(
        grades=[
            Grade(
                grade["code"], None if grade["value"] is None else Fraction(grade["value"]), grade["standing"]
            )
            for grade in block["grades"]
        ],
        criteria=[criterion["code"] for criterion in block["criteria"]],
        weights={kind: Fraction(weight) for kind, weight in block["groups"].items() if weight is not None},
        excellent=Fraction(block["excellent_share"]),
        incompetent=Fraction(block["incompetent_share"]),
        min_graded=block["min_graded"],
        k=block["min_cell"],
        quick_mode=block["quick_mode"],
        max_nominations=block.get("max_nominations"),
    )


def recount_document(
    *,
    counts: Mapping[int, Lines],
    scheme: Scheme,
    cadres: Iterable[int],
    turnout: Mapping,
    kind: str,
    votes: Mapping[int, int] | None = None,
) -> dict:
    """Every figure results.json publishes that follows from the open data, worked out again.

    `turnout` gives what the poll book knows (ballots, by_group, roll, present); `votes` the honor
    roll's votes per household (from the per-ballot file), when known."""
    rule = k_rule(turnout["by_group"], scheme.k)
    out: dict = {
        "disclosure": {"k": scheme.k, **rule},
        "turnout": turnout_figures(
            ballots=turnout["ballots"],
            by_group=turnout["by_group"],
            roll=turnout["roll"],
            present=turnout["present"],
            kind=kind,
        ),
    }
    if not rule["figures_shown"]:
        out["cadres"] = {cadre: {} for cadre in cadres}
        return out
    shown_groups = (set(scheme.weights) | set(rule["ballots_by_group"])) - set(rule["pooled"])
    # method.md is silent on which groups get a block; here: every weighted group and every group
    # that cast ballots, less those pooled into another.
    figures = {cadre: cadre_figures(counts.get(cadre, {}), scheme, sorted(shown_groups)) for cadre in cadres}
    ranks = cadre_ranks(figures)
    out["cadres"] = {cadre: {**published(fig), "rank": ranks[cadre]} for cadre, fig in figures.items()}
    if votes is not None:
        out["honor_ranks"] = honor_ranks(votes)
    return out
