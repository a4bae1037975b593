"""The arithmetic of a rating, worked by hand, and the properties it must keep whatever the ballots."""

import json
import math
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ratings import disclosure
from ratings.aggregation import (
    Z_95,
    GradeSpec,
    SchemeSpec,
    criterion_stats,
    household_passes,
    majority_value,
    one_ballot_swing,
    publish,
    rank_by_score,
    rank_cadres,
    rank_households,
    result_as_json,
    round_half_up,
    tally,
    tiers,
    wilson_lower_bound,
)

SATISFACTION = (
    GradeSpec("satisfied", 100, "top"),
    GradeSpec("basically_satisfied", 75, "pass"),
    GradeSpec("dissatisfied", 55, "bottom"),
    GradeSpec("dont_know", None, "abstain"),
)
COMPETENCE = (
    GradeSpec("excellent", 100, "top"),
    GradeSpec("competent", 80, "pass"),
    GradeSpec("basically_competent", 60, "low"),
    GradeSpec("incompetent", 40, "bottom"),
    GradeSpec("dont_know", None, "abstain"),
)
WEIGHTS = {"villager": Fraction(7, 10), "township_panel": Fraction(3, 10)}


def spec(grades=SATISFACTION, criteria=("overall",), weights=WEIGHTS) -> SchemeSpec:
    return SchemeSpec(grades=grades, criteria=criteria, group_weights=weights)


def quick(cadre, histogram, group="villager") -> dict:
    """Counts of a quick-mode vote (one overall grade) from one group."""
    return {(cadre, "overall", group, grade): n for grade, n in histogram.items()}


def one(histogram, scheme=None, group="villager"):
    scheme = scheme or spec()
    return tally(quick("a", histogram, group), scheme, ["a"])["a"]


# --- one histogram ------------------------------------------------------------------------------


def test_criterion_stats_worked_example():
    stats = criterion_stats(
        {"satisfied": 6, "basically_satisfied": 3, "dissatisfied": 1, "dont_know": 2}, spec()
    )
    assert stats.histogram == {"satisfied": 6, "basically_satisfied": 3, "dissatisfied": 1}
    assert list(stats.histogram) == ["satisfied", "basically_satisfied", "dissatisfied"]
    assert (stats.graded, stats.abstained) == (10, 2)
    # (6·100 + 3·75 + 1·55) / 10 = 880 / 10
    assert stats.mean == 88
    # drop one 100 and the 55: (880 − 100 − 55) / 8 = 725 / 8
    assert stats.trimmed_mean == Fraction(725, 8) == Fraction("90.625")
    assert stats.satisfaction == Fraction(9, 10)
    # best first S S S S S S B B B D: the 6th ballot (index 5) is still "satisfied"
    assert stats.median_grade == "satisfied"
    assert stats.wilson_lower == pytest.approx(0.5958, abs=1e-3)
    assert stats.weighted_mean == stats.mean


def test_missing_grades_are_zero_and_unknown_grades_raise():
    stats = criterion_stats({"basically_satisfied": 2}, spec())
    assert stats.histogram == {"satisfied": 0, "basically_satisfied": 2, "dissatisfied": 0}
    # fewer than three ballots: nothing to drop, the trimmed mean is the mean
    assert stats.mean == stats.trimmed_mean == 75
    with pytest.raises(ValueError):
        criterion_stats({"very_satisfied": 1}, spec())
    with pytest.raises(ValueError):
        criterion_stats({"satisfied": -1}, spec())


def test_trimmed_mean_drops_one_highest_and_one_lowest():
    # 100, 75, 55: only the 75 is left
    assert (
        criterion_stats({"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 1}, spec()).trimmed_mean
        == 75
    )
    # 100, 100, 100, 55: (355 − 100 − 55) / 2 = 100
    assert criterion_stats({"satisfied": 3, "dissatisfied": 1}, spec()).trimmed_mean == 100


def test_only_abstentions_give_no_statistics():
    stats = criterion_stats({"dont_know": 4}, spec())
    assert (stats.graded, stats.abstained) == (0, 4)
    assert stats.mean is stats.trimmed_mean is stats.satisfaction is stats.median_grade is None
    assert stats.wilson_lower is stats.weighted_mean is None


def test_median_takes_the_worse_middle_on_even_counts():
    # S S B B: the middle two are S and B, the worse one is the median
    assert (
        criterion_stats({"satisfied": 2, "basically_satisfied": 2}, spec()).median_grade
        == "basically_satisfied"
    )
    # S S S B B: the 3rd ballot
    assert criterion_stats({"satisfied": 3, "basically_satisfied": 2}, spec()).median_grade == "satisfied"
    # the order of the scale decides, not the scores
    odd = spec(grades=(GradeSpec("first", 10, "top"), GradeSpec("second", 90, "bottom")))
    assert criterion_stats({"first": 1, "second": 1}, odd).median_grade == "second"


def test_majority_value_worked_example():
    # E BC BC BC BC → median BC, then BC, BC, BC, E
    assert majority_value([1, 0, 4, 0]) == (2, 2, 2, 2, 0)
    # E E BC I I → BC; E E I I → I; E E I → E; E I → I; E
    assert majority_value([2, 0, 1, 2]) == (2, 3, 0, 3, 0)
    assert majority_value([0, 0, 0]) == ()


# --- verdicts -----------------------------------------------------------------------------------


def test_excellent_exactly_at_ninety_percent():
    result = one({"satisfied": 6, "basically_satisfied": 3, "dissatisfied": 1, "dont_know": 2})
    assert result.overall.top_pass_share == Fraction(9, 10)
    assert result.verdict == "excellent"
    # one satisfied fewer: 8/9 ≈ 0.889 < 0.9; bottom 1/9 < 1/2; 8/9 ≥ 1/2
    result = one({"satisfied": 5, "basically_satisfied": 3, "dissatisfied": 1})
    assert result.overall.top_pass_share == Fraction(8, 9)
    assert result.verdict == "competent"


def test_incompetent_exactly_at_half():
    scheme = spec(grades=COMPETENCE)
    # E, BC, I, I: bottom 2/4 = 1/2
    result = one({"excellent": 1, "basically_competent": 1, "incompetent": 2}, scheme)
    assert (result.overall.bottom_share, result.verdict) == (Fraction(1, 2), "incompetent")
    # E, BC×4, I×4: bottom 4/9 just below half, top-or-pass 1/9
    result = one({"excellent": 1, "basically_competent": 4, "incompetent": 4}, scheme)
    assert (result.overall.bottom_share, result.verdict) == (Fraction(4, 9), "basically_competent")


def test_competent_exactly_at_half():
    scheme = spec(grades=COMPETENCE)
    # E, C, BC, I: top-or-pass 2/4, bottom 1/4
    result = one({"excellent": 1, "competent": 1, "basically_competent": 1, "incompetent": 1}, scheme)
    assert (result.overall.top_pass_share, result.verdict) == (Fraction(1, 2), "competent")
    # E, C, BC, BC, I: top-or-pass 2/5
    result = one({"excellent": 1, "competent": 1, "basically_competent": 2, "incompetent": 1}, scheme)
    assert (result.overall.top_pass_share, result.verdict) == (Fraction(2, 5), "basically_competent")


def test_thresholds_come_from_the_scheme():
    scheme = SchemeSpec(SATISFACTION, ("overall",), WEIGHTS, excellent_share=Fraction(8, 9))
    assert one({"satisfied": 5, "basically_satisfied": 3, "dissatisfied": 1}, scheme).verdict == "excellent"


# --- tally --------------------------------------------------------------------------------------


def test_abstentions_count_in_turnout_only():
    counts = quick("a", {"satisfied": 1, "dont_know": 3}) | quick("b", {"dont_know": 5})
    results = tally(counts, spec(), ["a", "b"])
    assert (results["a"].overall.graded, results["a"].overall.abstained) == (1, 3)
    assert results["a"].overall.mean == results["a"].overall.score == 100
    nobody = results["b"]
    assert (nobody.overall.graded, nobody.overall.abstained) == (0, 5)
    assert nobody.overall.score is nobody.overall.mean is nobody.overall.wilson_lower is None
    assert nobody.verdict is None and nobody.majority_value == ()
    assert rank_cadres(results) == {"a": 1, "b": None}


def test_group_weighting_worked_by_hand():
    scheme = spec(criteria=("de", "neng"))
    counts = {
        ("a", "de", "villager", "satisfied"): 3,
        ("a", "de", "villager", "dissatisfied"): 1,
        ("a", "de", "township_panel", "basically_satisfied"): 2,
        ("a", "neng", "villager", "satisfied"): 4,
        ("a", "neng", "township_panel", "dont_know"): 2,
    }
    result = tally(counts, scheme, ["a"])["a"]
    de, neng = result.criteria["de"], result.criteria["neng"]
    # de: villagers (300 + 55) / 4 = 88.75, panel 75; 0.7·88.75 + 0.3·75 = 62.125 + 22.5
    assert de.weighted_mean == Fraction("84.625")
    # pooled: (300 + 55 + 150) / 6
    assert de.mean == Fraction(505, 6)
    # neng: the panel only abstained, so the villagers carry the whole weight
    assert neng.weighted_mean == neng.mean == 100
    assert (neng.graded, neng.abstained) == (4, 2)
    # score: (84.625 + 100) / 2
    assert result.overall.score == Fraction("92.3125")
    # pooled over everything: S 7, B 2, D 1, 2 abstentions; (700 + 150 + 55) / 10
    assert result.overall.histogram == {"satisfied": 7, "basically_satisfied": 2, "dissatisfied": 1}
    assert (result.overall.graded, result.overall.abstained, result.overall.mean) == (10, 2, Fraction("90.5"))
    # groups: villagers 7 of 8 top-or-pass, 1 of 8 bottom; panel 2 of 2 and 0
    assert result.groups["villager"].satisfaction == Fraction(7, 8)
    assert result.groups["township_panel"].satisfaction == 1
    # 0.7·7/8 + 0.3·1 = 0.9125; 0.7·1/8 = 0.0875
    assert result.overall.top_pass_share == Fraction("0.9125")
    assert result.overall.bottom_share == Fraction("0.0875")
    assert result.verdict == "excellent"
    # Wilson overall: 9 satisfied of 10 grades over 2 criteria, i.e. of 5 ballots
    assert result.overall.wilson_lower == wilson_lower_bound(Fraction(9, 2), 5)
    assert result.criteria["neng"].wilson_lower == wilson_lower_bound(4, 4)


def test_group_with_no_ballots():
    result = one({"satisfied": 1, "dissatisfied": 1})
    # only villagers voted: their weight is rescaled to one; (100 + 55) / 2
    assert result.overall.score == Fraction(155, 2)
    panel = result.groups["township_panel"]
    assert (panel.graded, panel.abstained, panel.mean) == (0, 0, None)
    assert list(result.groups) == ["villager", "township_panel"]


def test_unweighted_group_counts_in_pooled_figures_only():
    counts = quick("a", {"satisfied": 2}) | quick("a", {"dissatisfied": 2}, group="party_member")
    result = tally(counts, spec(), ["a"])["a"]
    assert result.criteria["overall"].weighted_mean == result.overall.score == 100
    assert result.overall.mean == Fraction(155, 2)
    assert result.overall.top_pass_share == 1
    assert list(result.groups) == ["villager", "township_panel", "party_member"]


def test_zero_weights_fall_back_to_pooled_figures():
    scheme = spec(weights={"villager": Fraction(0)})
    result = one({"satisfied": 1, "dissatisfied": 1}, scheme)
    assert result.overall.score == result.overall.mean == Fraction(155, 2)
    assert result.overall.top_pass_share == result.overall.bottom_share == Fraction(1, 2)


def test_tally_lists_every_cadre_and_checks_its_input():
    results = tally(quick("a", {"satisfied": 1}) | quick("x", {"satisfied": 1}), spec(), ["b", "a"])
    assert list(results) == ["b", "a"]  # the order asked for; "x" was not asked for
    assert results["b"].overall.graded == 0
    with pytest.raises(ValueError):
        tally({("a", "de", "villager", "satisfied"): 1}, spec(), ["a"])
    with pytest.raises(ValueError):
        tally({("a", "overall", "villager", "splendid"): 1}, spec(), ["a"])


def test_scheme_is_checked():
    with pytest.raises(ValueError):
        GradeSpec("dont_know", 0, "abstain")
    with pytest.raises(ValueError):
        SchemeSpec(grades=(GradeSpec("dont_know", None, "abstain"),), criteria=("overall",), group_weights={})
    with pytest.raises(ValueError):
        spec(weights={"villager": Fraction(-1)})


# --- rankings -----------------------------------------------------------------------------------


def test_ties_share_a_rank():
    counts = (
        quick("a", {"satisfied": 2, "dissatisfied": 1})
        | quick("b", {"dissatisfied": 1, "satisfied": 2})
        | quick("c", {"dissatisfied": 3})
        | quick("d", {"dont_know": 3})
    )
    results = tally(counts, spec(), ["a", "b", "c", "d"])
    assert rank_cadres(results) == {"a": 1, "b": 1, "c": 3, "d": None}


def test_equal_scores_tie_whatever_the_majority_value():
    scheme = spec(grades=COMPETENCE)
    counts = quick("a", {"excellent": 1, "basically_competent": 4}) | quick(
        "b", {"excellent": 2, "basically_competent": 1, "incompetent": 2}
    )
    results = tally(counts, scheme, ["b", "a"])
    a, b = results["a"], results["b"]
    # same score ((100 + 4·60) / 5 = (200 + 60 + 80) / 5 = 68) and the same median
    assert a.overall.score == b.overall.score == 68
    assert a.overall.median_grade == b.overall.median_grade == "basically_competent"
    # after the median, a has another BC where b has an I; published, but it breaks no tie
    # (docs/method.md: the rank is by the published score alone, equal scores share a rank)
    assert (a.majority_value, b.majority_value) == ((2, 2, 2, 2, 0), (2, 3, 0, 3, 0))
    assert rank_cadres(results) == {"a": 1, "b": 1}


def test_same_grades_more_ballots_is_a_tie():
    counts = quick("a", {"satisfied": 3}) | quick("b", {"satisfied": 4})
    assert rank_cadres(tally(counts, spec(), ["a", "b"])) == {"a": 1, "b": 1}


def test_rank_households():
    ranked = rank_households({"h3": 5, "h1": 5, "h2": 7, "h4": 1})
    assert ranked == [("h2", 7, 1), ("h1", 5, 2), ("h3", 5, 2), ("h4", 1, 4)]
    assert rank_households({}) == []


def test_wilson_known_values():
    assert wilson_lower_bound(9, 10) == pytest.approx(0.5958, abs=1e-3)
    # all satisfied: the bound is n / (n + z²)
    assert wilson_lower_bound(10, 10) == pytest.approx(10 / (10 + Z_95**2))
    assert wilson_lower_bound(0, 10) == 0
    assert wilson_lower_bound(0, 0) is None
    # the same 90% from half the ballots is less sure: (1.28415 − 0.46553) / 1.76830
    assert wilson_lower_bound(Fraction(9, 2), 5) == pytest.approx(0.4629, abs=1e-3)
    with pytest.raises(ValueError):
        wilson_lower_bound(11, 10)


def test_rank_by_score_ties_equal_scores_and_leaves_out_the_unranked():
    scores = {"a": Decimal("91.5"), "b": Decimal("97.75"), "c": Decimal("91.5"), "d": None}
    assert rank_by_score(scores) == {"b": 1, "a": 2, "c": 2, "d": None}


def test_one_ballot_swing_worked_by_hand():
    scheme = spec()  # values 100 to 55: a span of 45; villagers weigh 7/10, the panel 3/10
    # 40 villagers and 5 panel members: a panel ballot weighs 3/10 / 5 = 0.06, a villager's 7/10 / 40
    assert one_ballot_swing({"villager": 40, "township_panel": 5}, scheme) == Fraction(45 * 3, 10 * 5)
    # no panel ballot: the villagers' weight is all the weight there is
    assert one_ballot_swing({"villager": 40}, scheme) == Fraction(45, 40)
    # a group with no weight counts in no weighted score; with no weighted group, every ballot alike
    assert one_ballot_swing({"other": 9}, spec(weights={})) == 5
    assert one_ballot_swing({"villager": 0}, scheme) is None
    # the larger the village, the less one ballot can move its score
    assert one_ballot_swing({"villager": 300}, scheme) < one_ballot_swing({"villager": 40}, scheme)


def test_tiers_group_what_one_ballot_could_close_from_the_head_of_each_group():
    standings = {
        "a": (Decimal("95"), Decimal("1")),
        "b": (Decimal("94.2"), Decimal("0.5")),  # 0.8 below a, within a's swing of 1
        "c": (Decimal("93.5"), Decimal("0.5")),  # 1.5 below a: heads the next group
        "d": (Decimal("93.1"), Decimal("0.5")),  # 0.4 below c
        "e": (Decimal("80"), Decimal("20")),  # a tiny village: its own swing reaches c's score
    }
    assert tiers(standings) == {"a": 1, "b": 1, "c": 2, "d": 2, "e": 2}
    # a gap exactly one swing wide cannot tell them apart either
    assert tiers({"x": (Decimal("90"), Decimal("2")), "y": (Decimal("88"), Decimal("1"))}) == {"x": 1, "y": 1}
    assert tiers({}) == {}


def test_result_as_json_is_deterministic_and_rounded():
    scheme = spec(criteria=("de", "neng"))
    rows = [
        (("a", "de", "villager", "satisfied"), 3),
        (("a", "de", "villager", "dissatisfied"), 1),
        (("a", "de", "township_panel", "basically_satisfied"), 2),
        (("a", "neng", "villager", "satisfied"), 4),
        (("a", "neng", "township_panel", "dont_know"), 2),
    ]
    first = result_as_json(tally(dict(rows), scheme, ["a"])["a"])
    second = result_as_json(tally(dict(reversed(rows)), scheme, ["a"])["a"])
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first["criteria"]["de"]["mean"] == 84.1667  # 505 / 6
    assert first["criteria"]["de"]["weighted_mean"] == 84.625
    assert first["overall"]["score"] == 92.3125
    assert first["overall"]["wilson_lower"] == float(round_half_up(wilson_lower_bound(Fraction(9, 2), 5)))
    assert first["verdict"] == "excellent"
    assert first["groups"]["township_panel"]["abstained"] == 2
    nobody = result_as_json(tally({}, scheme, [7])[7])
    assert nobody["overall"]["score"] is None and nobody["verdict"] is None and nobody["cadre_id"] == 7


# --- properties ---------------------------------------------------------------------------------

CRITERIA = ("de", "neng", "qin")
CADRES = (1, 2, 3)
GROUPS = ("villager", "township_panel", "party_member")  # the last one has no weight
SCALES = {"satisfaction": SATISFACTION, "competence": COMPETENCE}
FAST = settings(max_examples=150, deadline=None)


def scheme_for(scale: str) -> SchemeSpec:
    return spec(grades=SCALES[scale], criteria=CRITERIA)


@st.composite
def votes(draw):
    """A scale and a list of ballots (cadre, group, one grade code per criterion)."""
    scale = draw(st.sampled_from(sorted(SCALES)))
    codes = [grade.code for grade in SCALES[scale]]
    ballot = st.tuples(
        st.sampled_from(CADRES), st.sampled_from(GROUPS), st.tuples(*[st.sampled_from(codes)] * len(CRITERIA))
    )
    return scale, draw(st.lists(ballot, max_size=30))


def counts_of(ballots) -> dict:
    counts: dict = {}
    for cadre, group, grades in ballots:
        for criterion, grade in zip(CRITERIA, grades, strict=True):
            key = (cadre, criterion, group, grade)
            counts[key] = counts.get(key, 0) + 1
    return counts


@FAST
@given(votes(), st.randoms(use_true_random=False))
def test_order_of_the_counts_changes_nothing(vote, random):
    scale, ballots = vote
    shuffled = list(ballots)
    random.shuffle(shuffled)
    first = tally(counts_of(ballots), scheme_for(scale), CADRES)
    second = tally(counts_of(shuffled), scheme_for(scale), CADRES)
    assert first == second
    for cadre in CADRES:
        assert json.dumps(result_as_json(first[cadre]), sort_keys=True) == json.dumps(
            result_as_json(second[cadre]), sort_keys=True
        )
    assert rank_cadres(first) == rank_cadres(second)


@FAST
@given(votes(), st.sampled_from(CADRES), st.sampled_from(GROUPS))
def test_one_more_top_ballot_never_hurts(vote, cadre, group):
    scale, ballots = vote
    scheme = scheme_for(scale)
    top = SCALES[scale][0].code
    before = tally(counts_of(ballots), scheme, CADRES)
    after = tally(counts_of([*ballots, (cadre, group, (top,) * len(CRITERIA))]), scheme, CADRES)
    old_score, new_score = before[cadre].overall.score, after[cadre].overall.score
    assert new_score is not None
    assert old_score is None or new_score >= old_score
    old_rank, new_rank = rank_cadres(before)[cadre], rank_cadres(after)[cadre]
    assert old_rank is None or new_rank <= old_rank


@FAST
@given(votes())
def test_histograms_add_up_to_the_ballots(vote):
    scale, ballots = vote
    results = tally(counts_of(ballots), scheme_for(scale), CADRES)
    for cadre, result in results.items():
        cast = sum(1 for ballot in ballots if ballot[0] == cadre)
        for stats in result.criteria.values():
            assert sum(stats.histogram.values()) == stats.graded
            assert stats.graded + stats.abstained == cast
        assert sum(result.overall.histogram.values()) == result.overall.graded
        assert result.overall.graded + result.overall.abstained == cast * len(CRITERIA)
        assert sum(stats.graded for stats in result.groups.values()) == result.overall.graded
        assert len(result.majority_value) == result.overall.graded


@FAST
@given(st.sampled_from(sorted(SCALES)), st.data())
def test_trimmed_mean_and_wilson_stay_in_range(scale, data):
    grades = SCALES[scale]
    histogram = {grade.code: data.draw(st.integers(0, 40), label=grade.code) for grade in grades}
    stats = criterion_stats(histogram, spec(grades=grades))
    scores = [grade.value for grade in grades if grade.value is not None and histogram[grade.code]]
    if not scores:
        assert stats.mean is None and stats.wilson_lower is None
        return
    assert min(scores) <= stats.trimmed_mean <= max(scores)
    assert 0 <= stats.wilson_lower <= stats.satisfaction


@FAST
@given(votes())
def test_overall_wilson_within_zero_and_satisfaction(vote):
    scale, ballots = vote
    for result in tally(counts_of(ballots), scheme_for(scale), CADRES).values():
        if result.overall.graded:
            assert 0 <= result.overall.wilson_lower <= result.overall.satisfaction
            assert 0 <= result.overall.top_pass_share <= 1


def naive_majority_value(counts) -> tuple[int, ...]:
    """The definition itself: line the ballots up best first, take the lower median, repeat."""
    line = [position for position, count in enumerate(counts) for _ in range(count)]
    sequence = []
    while line:
        sequence.append(line.pop(len(line) // 2))
    return tuple(sequence)


@FAST
@given(st.lists(st.integers(0, 12), min_size=1, max_size=5))
def test_majority_value_follows_the_definition(counts):
    assert majority_value(counts) == naive_majority_value(counts)


def test_majority_value_is_quick_on_thousands_of_ballots():
    counts = [5000, 5000, 5000, 5000]
    assert majority_value(counts)[:3] == (2, 1, 2)
    assert len(majority_value(counts)) == 20000
    assert math.isclose(wilson_lower_bound(19000, 20000), 0.947, abs_tol=1e-3)


# --- the k rule (ratings/disclosure.py) ------------------------------------------------------------

CODES = [grade.code for grade in SATISFACTION]


def test_the_k_rule_by_hand():
    assert disclosure.decide({"villager": 3}, 5).figures_shown is False
    assert disclosure.decide({"villager": 5}, 5).as_json() == {"k": 5, "figures_shown": True, "pooled": {}}
    rule = disclosure.decide({"villager": 8, "township_panel": 3, "party_member": 0}, 5)
    assert rule.pooled == {"township_panel": "villager"}
    assert disclosure.disclosed_ballots({"villager": 8, "township_panel": 3}, rule) == {"villager": 11}
    # Every group small: all pool into the largest (a tie goes to the first by name).
    rule = disclosure.decide({"villager": 3, "township_panel": 3}, 5)
    assert rule.pooled == {"villager": "township_panel"} and rule.figures_shown
    assert disclosure.disclosed_counts({("a", "overall", "villager", "satisfied"): 3}, rule) == {
        ("a", "overall", "township_panel", "satisfied"): 3
    }
    assert (
        disclosure.disclosed_counts(
            {("a", "overall", "villager", "satisfied"): 3}, disclosure.decide({"villager": 3}, 5)
        )
        == {}
    )


ballot = st.sampled_from(CODES)


@settings(max_examples=200, deadline=None)
@given(
    villagers=st.lists(ballot, min_size=5, max_size=30),
    panel=st.lists(ballot, min_size=1, max_size=4),
    swaps=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 3)), max_size=5),
)
def test_a_small_group_cannot_be_solved_from_what_the_rule_publishes(villagers, panel, swaps):
    """Swap ballots between the panel (under k) and the villagers: the pooled histograms stay the same,
    and so does every published figure, however the panel's own histogram moved."""

    def published(villager_ballots, panel_ballots):
        counts = Counter()
        for group, ballots in (("villager", villager_ballots), ("township_panel", panel_ballots)):
            for grade in ballots:
                counts[("a", "overall", group, grade)] += 1
        rule = disclosure.decide({"villager": len(villager_ballots), "township_panel": len(panel_ballots)}, 5)
        disclosed = disclosure.disclosed_counts(counts, rule)
        return json.dumps(result_as_json(tally(disclosed, spec(), ["a"])["a"]), sort_keys=True), sorted(
            disclosed.items()
        )

    moved_villagers, moved_panel = list(villagers), list(panel)
    for v, p in swaps:
        v, p = v % len(moved_villagers), p % len(moved_panel)
        moved_villagers[v], moved_panel[p] = moved_panel[p], moved_villagers[v]
    assert published(villagers, panel) == published(moved_villagers, moved_panel)


# --- the written method (docs/method.md) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("exact", "published"),
    [
        (Fraction("93.90625"), "93.9063"),  # half-to-even would give 93.9062; a spreadsheet 93.9063
        (93.90625, "93.9063"),  # the same as a float (exactly representable)
        (Fraction("0.00005"), "0.0001"),
        (Fraction("-93.90625"), "-93.9063"),  # away from zero, not up
        (Fraction("0.12344999"), "0.1234"),
        (Fraction(1, 3), "0.3333"),
        (Fraction(2, 3), "0.6667"),
        (Fraction(100), "100.0000"),
        (0, "0.0000"),
        (Fraction("84.62495"), "84.6250"),
    ],
)
def test_rounding_is_half_away_from_zero(exact, published):
    assert round_half_up(exact) == Decimal(published)
    assert str(round_half_up(exact)) == published


def test_rounding_reaches_the_json():
    # (25 × 100 + 6 × 75 + 1 × 55) / 32 = 3005 / 32 = 93.90625 exactly
    result = one({"satisfied": 25, "basically_satisfied": 6, "dissatisfied": 1})
    assert result.overall.mean == Fraction("93.90625")
    assert result_as_json(result)["overall"]["mean"] == 93.9063
    assert publish(None) is None
    assert json.dumps(publish(Fraction(505, 6))) == "84.1667"


def test_the_rank_is_by_the_mean_score_alone():
    # The case: 51 satisfied / 49 dissatisfied has the median "satisfied", but its score
    # (5100 + 2695) / 100 = 77.95 is below 50 satisfied / 50 basically satisfied: 87.5.
    counts = quick("split", {"satisfied": 51, "dissatisfied": 49}) | quick(
        "steady", {"satisfied": 50, "basically_satisfied": 50}
    )
    results = tally(counts, spec(), ["split", "steady"])
    # the better median (and majority value) does not rank first: the page says the rank is by score
    assert results["split"].overall.median_grade == "satisfied"
    assert results["steady"].overall.median_grade == "basically_satisfied"  # the lower middle of 100
    assert rank_cadres(results) == {"steady": 1, "split": 2}


def test_scores_equal_as_published_share_a_rank():
    # 2/3 satisfied + 1/3 dissatisfied = 85 exactly; against a score that differs only past the
    # 4th decimal: they are equal as published, so they tie, and the next rank is skipped.
    spec_2 = spec()
    a = quick("a", {"satisfied": 2, "dissatisfied": 1})
    b = quick("b", {"satisfied": 2, "dissatisfied": 1})
    c = quick("c", {"dissatisfied": 3})
    results = tally(a | b | c, spec_2, ["a", "b", "c"])
    assert rank_cadres(results) == {"a": 1, "b": 1, "c": 3}
    near = SchemeSpec(SATISFACTION, ("overall",), WEIGHTS)
    almost = {
        **quick("x", {"satisfied": 1}),
        **quick("y", {"satisfied": 19999, "dissatisfied": 1}),  # 99.99775 → 99.9978
        **quick("z", {"satisfied": 39999, "dissatisfied": 1}),  # 99.998875 → 99.9989
    }
    ranked = rank_cadres(tally(almost, near, ["x", "y", "z"]))
    assert ranked == {"x": 1, "z": 2, "y": 3}
    nearly_equal = quick("p", {"satisfied": 199999, "dissatisfied": 1}) | quick("q", {"satisfied": 1})
    # 99.999775 is published as 99.9998, below 100: still apart; 99.99999 would tie with 100
    assert rank_cadres(tally(nearly_equal, near, ["p", "q"])) == {"q": 1, "p": 2}
    tie = quick("p", {"satisfied": 4_499_999, "dissatisfied": 1}) | quick("q", {"satisfied": 1})
    assert result_as_json(tally(tie, near, ["p"])["p"])["overall"]["score"] == 100.0
    assert rank_cadres(tally(tie, near, ["p", "q"])) == {"p": 1, "q": 1}


def test_the_verdict_uses_the_weighted_share_and_publishes_it():
    # The case: pooled satisfaction above 90%, weighted share below: the verdict follows the
    # weighted share, and the document publishes that share beside the pooled one.
    scheme = spec()
    counts = quick("a", {"satisfied": 190}) | quick(
        "a", {"satisfied": 6, "dissatisfied": 4}, "township_panel"
    )
    result = tally(counts, scheme, ["a"])["a"]
    assert result.overall.satisfaction == Fraction(196, 200)  # 98% of all the grades
    assert result.overall.top_pass_share == Fraction(7, 10) + Fraction(3, 10) * Fraction(6, 10)  # 0.88
    assert result.verdict == "competent"
    published = result_as_json(result)["overall"]
    assert (published["satisfaction"], published["top_pass_share"]) == (0.98, 0.88)


def min_spec(least: int = 10) -> SchemeSpec:
    return SchemeSpec(SATISFACTION, ("de", "neng"), WEIGHTS, min_graded=least)


def both(cadre, histogram, group="villager") -> dict:
    return {
        (cadre, criterion, group, grade): n for criterion in ("de", "neng") for grade, n in histogram.items()
    }


def test_not_enough_grades_gets_no_verdict_and_no_rank():
    # The cases: 5 of 200 graded (the rest "don't know") would rank first and be excellent;
    # 3 of 200 would be incompetent.
    counts = (
        both("few_good", {"satisfied": 5, "dont_know": 195})
        | both("few_bad", {"dissatisfied": 3, "dont_know": 197})
        | both("many", {"satisfied": 150, "basically_satisfied": 40, "dissatisfied": 10})
        | both("just", {"satisfied": 10, "dont_know": 190})
    )
    results = tally(counts, min_spec(), ["few_good", "few_bad", "many", "just"])
    assert results["few_good"].verdict == results["few_bad"].verdict == "not_enough_grades"
    assert results["few_good"].graded_ballots == 5
    assert results["just"].verdict == "excellent"  # exactly the minimum is enough
    assert rank_cadres(results) == {"just": 1, "many": 2, "few_good": None, "few_bad": None}
    # its figures are still published
    published = result_as_json(results["few_good"])
    assert published["overall"]["score"] == 100.0 and published["overall"]["graded_ballots"] == 5


def test_graded_ballots_are_the_fewest_over_the_criteria():
    counts = {
        ("a", "de", "villager", "satisfied"): 30,
        ("a", "neng", "villager", "satisfied"): 9,
        ("a", "neng", "villager", "dont_know"): 21,
    }
    result = tally(counts, min_spec(), ["a"])["a"]
    assert result.graded_ballots == 9 and result.verdict == "not_enough_grades"
    assert tally(counts, min_spec(9), ["a"])["a"].verdict == "excellent"


def test_nobody_graded_is_not_enough_grades_under_a_minimum():
    results = tally(both("a", {"dont_know": 40}), min_spec(), ["a"])
    assert results["a"].verdict == "not_enough_grades" and rank_cadres(results) == {"a": None}
    # without a minimum (documents from before it) there is simply no verdict
    assert tally(both("a", {"dont_know": 40}), min_spec(0), ["a"])["a"].verdict is None


def test_the_minimum_is_read_from_the_document():
    document = {
        "grades": [{"code": g.code, "value": g.value, "standing": g.standing} for g in SATISFACTION],
        "criteria": [{"code": "overall"}],
        "groups": {"villager": "0.7"},
        "excellent_share": "0.9",
        "incompetent_share": "0.5",
    }
    assert SchemeSpec.from_document(document).min_graded == 0
    assert SchemeSpec.from_document({**document, "min_graded": 12}).min_graded == 12
    with pytest.raises(ValueError):
        SchemeSpec(SATISFACTION, ("overall",), WEIGHTS, min_graded=-1)


# --- households' evaluations -------------------------------------------------------------------------


def test_a_household_passes_on_more_than_half_of_the_ballots_not_on_half():
    assert household_passes(agree=6, disagree=4, abstain=0, ballots=10)
    assert not household_passes(agree=5, disagree=5, abstain=0, ballots=10)
    assert household_passes(agree=5, disagree=4, abstain=0, ballots=9)
    assert not household_passes(agree=4, disagree=5, abstain=0, ballots=9)
    assert not household_passes(agree=0, disagree=0, abstain=0, ballots=0)


def test_abstentions_count_as_ballots_not_as_agreement():
    assert not household_passes(agree=5, disagree=0, abstain=5, ballots=10)
    assert household_passes(agree=6, disagree=0, abstain=4, ballots=10)


def test_a_household_threshold_is_a_share_that_must_be_exceeded():
    assert not household_passes(agree=20, disagree=10, abstain=0, ballots=30, threshold=Fraction(2, 3))
    assert household_passes(agree=21, disagree=9, abstain=0, ballots=30, threshold=Fraction(2, 3))


@pytest.mark.parametrize(
    "counts",
    [
        {"agree": 5, "disagree": 2, "abstain": 1, "ballots": 10},
        {"agree": -1, "disagree": 2, "abstain": 0, "ballots": 1},
        {"agree": 1, "disagree": 0, "abstain": 0, "ballots": 1, "threshold": 1},
    ],
)
def test_household_counts_that_do_not_add_up_are_refused(counts):
    with pytest.raises(ValueError):
        household_passes(**counts)
