"""Ballot counts in, statistics, verdicts and rankings out: the arithmetic of a rating, and nothing else.

Pure on purpose (standard library only, no database, no request): the same counts always give the
same figures, so a published snapshot can be recounted and compared byte for byte, and every rule
below can be tested by hand. Exact fractions are used for every figure a verdict or a rank depends
on; floats appear only in the Wilson bound and in the rounded JSON.

How the figures are defined (docs/method.md is the full written method; the public page says it in
plain words):

- A ballot gives each cadre one grade per criterion. "Don't know" (a grade of standing "abstain")
  counts in the turnout (`abstained`) but never as a grade: it is left out of every statistic.
- mean: the average score of the graded ballots.
- trimmed mean: drop one ballot with the highest score and one with the lowest, then average the
  rest ("drop the highest and the lowest"); with fewer than three graded ballots it is the mean.
- satisfaction: the share of graded ballots whose grade stands "top" or "pass" (satisfied or
  basically satisfied; excellent or competent).
- median grade (majority judgment): line the graded ballots up from the best grade to the worst, in
  the order of the scale (not by score); the median is the middle ballot, and with an even number
  of ballots the worse of the two middle ones.
- majority value: take the median grade, remove one ballot of that grade, and repeat until no ballot
  is left; the positions of those grades on the scale (0 = best) form the majority value. Two cadres
  with the same median are told apart by comparing these sequences from the start, the smaller the
  better; when one sequence is the beginning of the other, the longer one (more ballots with the
  same grades, and then some) is the better.
- Wilson lower bound: the lowest satisfied share that stays plausible at 95% confidence given how
  few ballots there were, so that 9 satisfied of 10 does not outrank 95 of 100. For the overall
  figures the number of ballots is the graded grades divided by the number of criteria graded (one
  ballot grades every criterion, so it counts once, not once per criterion).
- group weights: per criterion, the weighted mean averages each voter group's mean with the group's
  weight, over the groups that graded it (the weights are rescaled to sum to one among them). Groups
  without a weight count in the pooled figures only. If no group that graded has a weight, the
  weighted mean is the plain mean.
- overall score: the average over the criteria that were graded of their weighted means. The overall
  mean, satisfaction, median and histogram pool every criterion and every group.
- graded ballots: on each criterion, the ballots that gave the cadre a grade ("don't know" is
  not one); a cadre's graded ballots are the fewest of these over the criteria, so that every
  figure of the cadre rests on at least that many grades.
- not enough grades: a cadre with fewer graded ballots than the scheme's minimum (`min_graded`)
  gets the verdict "not_enough_grades" and no rank; its figures are still published.
- verdict (weighted): per group, the share of "top" or "pass" grades and the share of "bottom"
  grades over all its criteria, averaged with the group weights as above (published as
  top_pass_share and bottom_share). A top-or-pass share at or above the scheme's excellent share
  (90%) is "excellent"; otherwise a bottom share at or above its incompetent share (50%) is
  "incompetent"; otherwise a top-or-pass share of at least one half is "competent", and anything
  else "basically_competent". No graded ballot, no verdict. The shares are compared exactly, not
  as rounded.
- rank within a village: by the overall score as published (rounded to 4 places), higher first;
  equal published scores share a rank (1, 1, 3). No other figure breaks a tie. A cadre nobody
  graded, or with not enough grades, has no rank.
- rounding: every figure is worked out exactly and rounded once, to 4 decimal places, half away
  from zero (as a spreadsheet's ROUND does): 93.90625 → 93.9063, 0.00005 → 0.0001.
- ranks across villages, for one post: by the overall score as published, like posts only, equal
  scores tied. The ballots are a census of those present, not a sample, so a village's size neither
  helps nor hurts it; how far one ballot moves each score is published beside it (one-ballot swing),
  and cadres whose gap one ballot could close form a group the ballots cannot tell apart.
- honor roll: most votes first; households with the same votes share a rank.
"""

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

# The version of the rules above. A results document carries it: a recount of one worked out by
# other rules says so instead of reporting every changed figure.
METHOD_VERSION = 2
PLACES = 4
NOT_ENOUGH_GRADES = "not_enough_grades"
INCOMPETENT = "incompetent"
STANDINGS = ("top", "pass", "low", "bottom", "abstain")
ABSTAIN = "abstain"
SATISFIED = frozenset({"top", "pass"})
BOTTOM = "bottom"
_NO_WEIGHT = Fraction(0)  # a group the scheme does not weight
Z_95 = 1.959964

Counts = Mapping[tuple[Any, str, str, str], int]


@dataclass(frozen=True)
class GradeSpec:
    code: str
    value: int | None
    standing: str

    def __post_init__(self) -> None:
        if self.standing not in STANDINGS:
            raise ValueError(f"grade {self.code!r}: unknown standing {self.standing!r}")
        if (self.value is None) != (self.standing == ABSTAIN):
            raise ValueError(f"grade {self.code!r}: only the abstention grade has no value")


@dataclass(frozen=True)
class SchemeSpec:
    grades: tuple[GradeSpec, ...]  # best first
    criteria: tuple[str, ...]
    group_weights: Mapping[str, Fraction]
    excellent_share: Fraction = Fraction(9, 10)
    incompetent_share: Fraction = Fraction(1, 2)
    # Fewest graded ballots for a verdict and a rank; 0 (no minimum) for documents from before it.
    min_graded: int = 0

    def __post_init__(self) -> None:
        codes = [grade.code for grade in self.grades]
        if len(set(codes)) != len(codes) or not self.scale:
            raise ValueError(
                "a scale needs distinct grade codes and at least one grade that is not an abstention"
            )
        if not self.criteria or len(set(self.criteria)) != len(self.criteria):
            raise ValueError("a scheme needs distinct criteria")
        if any(Fraction(weight) < 0 for weight in self.group_weights.values()):
            raise ValueError("group weights cannot be negative")
        if self.min_graded < 0:
            raise ValueError("the minimum of graded ballots cannot be negative")

    @classmethod
    def from_document(cls, scheme: Mapping[str, Any]) -> "SchemeSpec":
        """The scheme as a results document publishes it (the "scheme" of results.json).

        The document is written by ratings.results.tally from the scheme as it froze when voting opened,
        so that the portal, its rankings and an offline recount all read the same scale and weights.
        """
        return cls(
            grades=tuple(
                GradeSpec(code=grade["code"], value=grade["value"], standing=grade["standing"])
                for grade in scheme["grades"]
            ),
            criteria=tuple(criterion["code"] for criterion in scheme["criteria"]),
            group_weights={kind: Fraction(weight) for kind, weight in scheme["groups"].items()},
            excellent_share=Fraction(scheme["excellent_share"]),
            incompetent_share=Fraction(scheme["incompetent_share"]),
            min_graded=int(scheme.get("min_graded", 0)),
        )

    # Worked out once per scheme (a frozen dataclass may still cache in its __dict__): a county's
    # tally asks for them a few thousand times a meeting.
    @cached_property
    def scale(self) -> tuple[GradeSpec, ...]:
        """The grades that count as grades, best first."""
        return tuple(grade for grade in self.grades if grade.standing != ABSTAIN)

    @cached_property
    def _weights(self) -> dict[str, Fraction]:
        return {group: Fraction(weight) for group, weight in self.group_weights.items()}

    def weight(self, group: str) -> Fraction:
        return self._weights.get(group, _NO_WEIGHT)


@dataclass(frozen=True)
class CriterionStats:
    histogram: dict[str, int]
    graded: int
    abstained: int
    mean: Fraction | None
    trimmed_mean: Fraction | None
    satisfaction: Fraction | None
    median_grade: str | None
    wilson_lower: float | None
    weighted_mean: Fraction | None


@dataclass(frozen=True)
class OverallStats:
    histogram: dict[str, int]
    graded: int
    abstained: int
    score: Fraction | None
    mean: Fraction | None
    satisfaction: Fraction | None
    median_grade: str | None
    wilson_lower: float | None
    top_pass_share: Fraction | None
    bottom_share: Fraction | None


@dataclass(frozen=True)
class CadreResult:
    cadre_id: Any
    criteria: dict[str, CriterionStats]
    overall: OverallStats
    groups: dict[str, CriterionStats]
    verdict: str | None
    majority_value: tuple[int, ...]
    graded_ballots: int = 0

    @property
    def enough_grades(self) -> bool:
        return self.verdict != NOT_ENOUGH_GRADES and self.overall.graded > 0


def wilson_lower_bound(successes: Fraction | int, n: Fraction | int, z: float = Z_95) -> float | None:
    """Lower end of the Wilson score interval for a share of successes; None without ballots."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"cannot have {successes} successes out of {n}")
    if n == 0:
        return None
    return _wilson(float(Fraction(successes) / Fraction(n)), float(n), z)


def _wilson(p: float, size: float, z: float = Z_95) -> float:
    z2 = z * z
    centre = p + z2 / (2 * size)
    margin = z * math.sqrt(p * (1 - p) / size + z2 / (4 * size * size))
    # Mathematically within [0, p]; the clamp only absorbs float rounding.
    return min(max((centre - margin) / (1 + z2 / size), 0.0), p)


def majority_value(counts: Sequence[int]) -> tuple[int, ...]:
    """Positions (0 = best) of the successive median grades, given the counts in scale order.

    Works on the counts: each step finds the lower median by a running sum over the few grades.
    """
    remaining = list(counts)
    left = sum(remaining)
    sequence = []
    while left:
        position = _median_position(remaining, left)
        sequence.append(position)
        remaining[position] -= 1
        left -= 1
    return tuple(sequence)


def _median_position(counts: Sequence[int], total: int) -> int:
    # Best first, 0-based, the median of `total` ballots is ballot total // 2: the middle one, or on
    # an even count the worse of the two middle ones.
    seen = 0
    for position, count in enumerate(counts):
        seen += count
        if seen > total // 2:
            return position
    raise ValueError("no graded ballot")


def criterion_stats(histogram: Mapping[str, int], scheme: SchemeSpec) -> CriterionStats:
    """Statistics of one histogram (grade code → ballots) on its own, unweighted."""
    return _stats(_checked(histogram, scheme), scheme)


def _checked(histogram: Mapping[str, int], scheme: SchemeSpec) -> Counter:
    known = {grade.code for grade in scheme.grades}
    for code, count in histogram.items():
        _check(code, count, known)
    return Counter(histogram)


def _check(code: str, count: int, known: set[str]) -> None:
    if code not in known:
        raise ValueError(f"unknown grade {code!r}")
    if count < 0:
        raise ValueError(f"negative count for grade {code!r}")


def _stats(histogram: Mapping[str, int], scheme: SchemeSpec, *, pooled_over: int = 1) -> CriterionStats:
    """`pooled_over`: how many criteria the histogram adds up, which divides the Wilson sample size.

    The weighted mean is left equal to the mean; only `tally` knows the groups to weight.
    """
    scale = scheme.scale
    graded_counts = {grade.code: histogram.get(grade.code, 0) for grade in scale}
    graded = sum(graded_counts.values())
    abstained = sum(histogram.get(grade.code, 0) for grade in scheme.grades if grade.standing == ABSTAIN)
    if not graded:
        return CriterionStats(graded_counts, 0, abstained, None, None, None, None, None, None)
    total = sum(grade.value * graded_counts[grade.code] for grade in scale)
    mean = Fraction(total, graded)
    scores = [grade.value for grade in scale if graded_counts[grade.code]]
    trimmed = mean if graded < 3 else Fraction(total - max(scores) - min(scores), graded - 2)
    satisfied = sum(graded_counts[grade.code] for grade in scale if grade.standing in SATISFIED)
    median = scale[_median_position(list(graded_counts.values()), graded)].code
    # wilson_lower_bound(satisfied / pooled_over, graded / pooled_over) without building Fractions
    # (a quarter of a tally's time): the share is satisfied / graded, and int true division rounds
    # exactly as float(Fraction) does, so the figure is the same to the last bit.
    wilson = _wilson(satisfied / graded, graded / pooled_over)
    return CriterionStats(
        histogram=graded_counts,
        graded=graded,
        abstained=abstained,
        mean=mean,
        trimmed_mean=trimmed,
        satisfaction=Fraction(satisfied, graded),
        median_grade=median,
        wilson_lower=wilson,
        weighted_mean=mean,
    )


def _weighted(
    figures: Mapping[str, Fraction | None], scheme: SchemeSpec, fallback: Fraction | None
) -> Fraction | None:
    """Weighted average over the groups that have a figure, weights rescaled among them."""
    present = {group: figure for group, figure in figures.items() if figure is not None}
    weight = sum((scheme.weight(group) for group in present), Fraction(0))
    if not weight:
        return fallback
    return sum((scheme.weight(group) * figure for group, figure in present.items()), Fraction(0)) / weight


def _share(stats: CriterionStats, standings: Iterable[str], scheme: SchemeSpec) -> Fraction | None:
    if not stats.graded:
        return None
    wanted = set(standings)
    hits = sum(stats.histogram[grade.code] for grade in scheme.scale if grade.standing in wanted)
    return Fraction(hits, stats.graded)


def round_half_up(value: Fraction | float | int | Decimal, places: int = PLACES) -> Decimal:
    """`value` rounded to `places` decimals, half away from zero, from its exact value.

    The rule of a spreadsheet's ROUND, not Python's round() (half to even, on the binary float):
    93.90625 → 93.9063, -0.00005 → -0.0001. A float is taken at its exact binary value.
    """
    exact = Fraction(value)
    scaled = abs(exact) * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    return Decimal(-whole if exact < 0 else whole).scaleb(-places)


def publish(value: Fraction | float | None) -> float | None:
    """A figure as results.json publishes it: rounded by `round_half_up`, written as a JSON number.

    The float of a 4-place decimal prints back as that decimal, so the JSON shows exactly it.
    """
    return None if value is None else float(round_half_up(value))


def _verdict(
    top_pass: Fraction | None, bottom: Fraction | None, scheme: SchemeSpec, graded_ballots: int
) -> str | None:
    if top_pass is None or bottom is None:
        return NOT_ENOUGH_GRADES if scheme.min_graded else None
    if graded_ballots < scheme.min_graded:
        return NOT_ENOUGH_GRADES
    if top_pass >= scheme.excellent_share:
        return "excellent"
    if bottom >= scheme.incompetent_share:
        return INCOMPETENT
    return "competent" if top_pass >= Fraction(1, 2) else "basically_competent"


def tally(counts: Counts, scheme: SchemeSpec, cadre_ids: Sequence) -> dict[Any, CadreResult]:
    """Every listed cadre's result, in the order given; counts for cadres not listed are left out.

    Unknown criteria or grades, or negative counts, raise ValueError rather than vanish silently.
    """
    cells: dict[Any, dict[str, dict[str, Counter]]] = {cadre: {} for cadre in cadre_ids}
    criteria = set(scheme.criteria)
    known = {grade.code for grade in scheme.grades}
    for (cadre, criterion, group, grade), count in counts.items():
        if criterion not in criteria:
            raise ValueError(f"unknown criterion {criterion!r}")
        _check(grade, count, known)
        if cadre in cells:
            cells[cadre].setdefault(criterion, {}).setdefault(group, Counter())[grade] += count
    return {cadre: _cadre_result(cadre, by_criterion, scheme) for cadre, by_criterion in cells.items()}


def _cadre_result(cadre: Any, cells: Mapping[str, Mapping[str, Counter]], scheme: SchemeSpec) -> CadreResult:
    seen = {group for by_group in cells.values() for group in by_group}
    # Weighted groups in the scheme's order, then any other group that voted, for a stable order.
    groups = [*scheme.group_weights, *sorted(seen - set(scheme.group_weights), key=str)]
    criteria: dict[str, CriterionStats] = {}
    per_group: dict[str, Counter] = {group: Counter() for group in groups}
    criteria_graded: Counter = Counter()  # group → criteria it graded
    for criterion in scheme.criteria:
        by_group = cells.get(criterion, {})
        pooled: Counter = Counter()
        means = {}
        for group, histogram in by_group.items():
            pooled.update(histogram)
            per_group[group].update(histogram)
            stats = _stats(histogram, scheme)
            means[group] = stats.mean
            criteria_graded[group] += bool(stats.graded)
        plain = _stats(pooled, scheme)
        criteria[criterion] = replace(plain, weighted_mean=_weighted(means, scheme, plain.mean))

    graded_criteria = [stats for stats in criteria.values() if stats.graded]
    group_stats = {
        group: _stats(histogram, scheme, pooled_over=max(criteria_graded[group], 1))
        for group, histogram in per_group.items()
    }
    everything: Counter = sum(per_group.values(), Counter())
    pooled = _stats(everything, scheme, pooled_over=max(len(graded_criteria), 1))
    top_pass = _weighted(
        {group: _share(stats, SATISFIED, scheme) for group, stats in group_stats.items()},
        scheme,
        pooled.satisfaction,
    )
    bottom = _weighted(
        {group: _share(stats, {BOTTOM}, scheme) for group, stats in group_stats.items()},
        scheme,
        _share(pooled, {BOTTOM}, scheme),
    )
    score = (
        sum((stats.weighted_mean for stats in graded_criteria), Fraction(0)) / len(graded_criteria)
        if graded_criteria
        else None
    )
    overall = OverallStats(
        histogram=pooled.histogram,
        graded=pooled.graded,
        abstained=pooled.abstained,
        score=score,
        mean=pooled.mean,
        satisfaction=pooled.satisfaction,
        median_grade=pooled.median_grade,
        wilson_lower=pooled.wilson_lower,
        top_pass_share=top_pass,
        bottom_share=bottom,
    )
    graded_ballots = min(stats.graded for stats in criteria.values())
    return CadreResult(
        cadre_id=cadre,
        criteria=criteria,
        overall=overall,
        groups=group_stats,
        verdict=_verdict(top_pass, bottom, scheme, graded_ballots),
        majority_value=majority_value(list(pooled.histogram.values())),
        graded_ballots=graded_ballots,
    )


def _ballots(result: CadreResult) -> Fraction:
    """How many ballots graded the cadre: graded grades over the criteria that were graded."""
    graded_criteria = sum(1 for stats in result.criteria.values() if stats.graded)
    return Fraction(result.overall.graded, max(graded_criteria, 1))


def _competition_ranks(keys: Mapping[Hashable, tuple | None]) -> dict[Hashable, int | None]:
    """Standard competition ranks (1, 2, 2, 4) by ascending key; None where there is no key."""
    ranked = sorted((item for item in keys.items() if item[1] is not None), key=lambda item: item[1])
    ranks: dict[Hashable, int | None] = {}
    previous: tuple | None = None
    rank = 0
    for index, (cadre, key) in enumerate(ranked, start=1):
        if key != previous:
            rank, previous = index, key
        ranks[cadre] = rank
    ranks.update({cadre: None for cadre in keys if cadre not in ranks})
    return ranks


def rank_cadres(results: Mapping[Hashable, CadreResult]) -> dict[Hashable, int | None]:
    """Ranks within a village: by the overall score as published; equal published scores tie.

    Compared as published (4 places) so that two scores a reader sees as equal share a rank; the
    majority value and the Wilson bound break no tie, since no reader could tell why they did.
    """
    return _competition_ranks(
        {
            cadre: (-round_half_up(r.overall.score),) if r.enough_grades else None
            for cadre, r in results.items()
        }
    )


def rank_by_score(scores: Mapping[Hashable, Decimal | None]) -> dict[Hashable, int | None]:
    """Ranks across villages: by the published overall score, higher first; equal scores tie (1, 1, 3).

    The ballots are a census of the villagers present, not a sample of a larger population: a score
    is exactly what that village said, whatever its size, so no village is pulled toward a mean or
    marked down for having few voters. How far one ballot moves a score is shown beside it instead
    (`one_ballot_swing`, `tiers`).
    """
    keys = {cadre: None if value is None else (-value,) for cadre, value in scores.items()}
    return _competition_ranks(keys)


def one_ballot_swing(group_ballots: Mapping[str, Fraction | int], scheme: SchemeSpec) -> Fraction | None:
    """The most one ballot can move a cadre's overall score: the scale's span times the ballot's
    weight, which is its group's share of the weights present over that group's graded ballots (with
    no weighted group, one ballot of all those graded). None when nobody graded the cadre.
    """
    present = {group: Fraction(n) for group, n in group_ballots.items() if n}
    if not present:
        return None
    values = [grade.value for grade in scheme.scale]
    span = Fraction(max(values) - min(values))
    weighted = {group: scheme.weight(group) for group in present if scheme.weight(group)}
    if not weighted:
        return span / sum(present.values())
    total = sum(weighted.values())
    return max(span * weight / total / present[group] for group, weight in weighted.items())


def tiers(standings: Mapping[Hashable, tuple[Decimal, Fraction | Decimal]]) -> dict[Hashable, int]:
    """Groups of cadres the ballots cannot tell apart, numbered 1, 2, ... from the top.

    `standings`: each cadre's published score and one-ballot swing. Going down the scores, a cadre
    joins the group of the cadre heading it while the gap between them is within the larger of the
    two swings (one villager voting otherwise could close it); otherwise it heads the next group.
    Anchored at the head, so a group never drifts down a long run of small gaps.
    """
    ordered = sorted(standings.items(), key=lambda item: (-item[1][0], str(item[0])))
    groups: dict[Hashable, int] = {}
    head: tuple[Decimal, Fraction | Decimal] | None = None
    number = 0
    for cadre, (score, swing) in ordered:
        # Published figures are Decimals of 4 places, compared exactly as they are; mixed with a
        # Fraction (the core's own), Python compares the two exactly too.
        if head is None or head[0] - score > max(head[1], swing):
            head, number = (score, swing), number + 1
        groups[cadre] = number
    return groups


def rank_households(votes: Mapping[Hashable, int]) -> list[tuple[Hashable, int, int]]:
    """(household, votes, rank), most votes first; equal votes share a rank, listed by household id."""
    ranks = _competition_ranks({household: (-count,) for household, count in votes.items()})
    return [
        (household, votes[household], ranks[household])
        for household in sorted(votes, key=lambda h: (ranks[h], h))
    ]


# A household passes when more than this share of the ballots agree (the default of every decision).
HOUSEHOLD_THRESHOLD = Fraction(1, 2)


def household_passes(
    *, agree: int, disagree: int, abstain: int, ballots: int, threshold: Fraction = HOUSEHOLD_THRESHOLD
) -> bool:
    """Whether a household's evaluation passes: agreement on more than `threshold` of the ballots.

    Every ballot counts in the denominator: an abstention (弃权) is a ballot that did not agree, not
    one left out, so abstaining weighs like disagreeing. The three answers must add up to the ballots
    (a door that reads no answer on a line records an abstention). No ballot, no pass.
    """
    if min(agree, disagree, abstain, ballots) < 0:
        raise ValueError("counts must not be negative")
    if agree + disagree + abstain != ballots:
        raise ValueError("agree, disagree and abstain must add up to the ballots")
    if not 0 <= threshold < 1:
        raise ValueError("the threshold is a share from 0 (included) to 1 (excluded)")
    return ballots > 0 and Fraction(agree, ballots) > threshold


def _stats_json(stats: CriterionStats) -> dict:
    return {
        "histogram": dict(stats.histogram),
        "graded": stats.graded,
        "abstained": stats.abstained,
        "mean": publish(stats.mean),
        "trimmed_mean": publish(stats.trimmed_mean),
        "satisfaction": publish(stats.satisfaction),
        "median_grade": stats.median_grade,
        "wilson_lower": publish(stats.wilson_lower),
        "weighted_mean": publish(stats.weighted_mean),
    }


def result_as_json(result: CadreResult) -> dict:
    """Plain JSON data, every figure rounded by `publish`: same result, same bytes (snapshots, recounts)."""
    overall = result.overall
    cadre = result.cadre_id if isinstance(result.cadre_id, int | str) else str(result.cadre_id)
    return {
        "cadre_id": cadre,
        "criteria": {code: _stats_json(stats) for code, stats in result.criteria.items()},
        "overall": {
            "histogram": dict(overall.histogram),
            "graded": overall.graded,
            "abstained": overall.abstained,
            "score": publish(overall.score),
            "mean": publish(overall.mean),
            "satisfaction": publish(overall.satisfaction),
            "median_grade": overall.median_grade,
            "wilson_lower": publish(overall.wilson_lower),
            "top_pass_share": publish(overall.top_pass_share),
            "bottom_share": publish(overall.bottom_share),
            "graded_ballots": result.graded_ballots,
        },
        "groups": {str(group): _stats_json(stats) for group, stats in result.groups.items()},
        "verdict": result.verdict,
        "majority_value": list(result.majority_value),
    }
