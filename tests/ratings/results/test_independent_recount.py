"""The core (ratings/aggregation.py, ratings/disclosure.py) against a second implementation written from
docs/method.md alone (tests/ratings/results/independent.py): on generated schemes and histograms, every
figure results.json publishes, the verdict, the rank, the k rule, the turnout and the honor roll."""

from collections import Counter
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ratings import aggregation, disclosure, recount
from ratings.aggregation import SchemeSpec, publish, rank_cadres, rank_households, result_as_json, tally
from ratings.results.tally import COUNTED_KEYS
from tests.ratings.results import independent

QUICK = settings(max_examples=120, deadline=None)
GROUPS = ("villager", "party_member", "representative", "township_panel")
STANDINGS = ("top", "pass", "low", "bottom")


def thousandths(low: int = 0, high: int = 1000):
    """A weight or a share as results.json publishes it: a decimal string with 3 places."""
    return st.integers(low, high).map(lambda n: f"{n // 1000}.{n % 1000:03d}")


@st.composite
def schemes(draw, *, quick_mode: bool = False) -> dict:
    """A results.json `scheme` block: a scale best first with values falling, an optional "don't know",
    criteria, weights for some groups, thresholds."""
    size = draw(st.integers(1, 5))
    values = sorted(
        draw(st.lists(st.integers(0, 100), min_size=size, max_size=size, unique=True)), reverse=True
    )
    standings = sorted(
        draw(st.lists(st.sampled_from(STANDINGS), min_size=size, max_size=size)), key=STANDINGS.index
    )
    grades = [
        {"code": f"g{index}", "label": f"G{index}", "value": value, "standing": standing}
        for index, (value, standing) in enumerate(zip(values, standings, strict=True))
    ]
    if draw(st.booleans()):
        grades.append({"code": "dont_know", "label": "?", "value": None, "standing": "abstain"})
    criteria = (
        ["overall"]
        if quick_mode
        else draw(
            st.lists(
                st.sampled_from(["de", "neng", "qin", "ji", "lian"]), min_size=1, max_size=5, unique=True
            )
        )
    )
    weighted = draw(st.lists(st.sampled_from(GROUPS), max_size=4, unique=True))
    return {
        "grades": grades,
        "criteria": [{"code": code, "name": code} for code in criteria],
        "groups": {kind: draw(thousandths(1, 1000)) for kind in weighted},
        "excellent_share": draw(thousandths(500, 1000)),
        "incompetent_share": draw(thousandths(1, 1000)),
        "min_graded": draw(st.integers(1, 12)),
        "min_cell": draw(st.integers(1, 6)),
        "quick_mode": quick_mode,
        "max_nominations": 3,
    }


@st.composite
def histograms(draw, scheme: dict, cadres: int) -> Counter:
    """(cadre, criterion, group, grade) → ballots; any cell may be empty."""
    kinds = draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=4, unique=True))
    codes = [grade["code"] for grade in scheme["grades"]]
    counts: Counter = Counter()
    for cadre in range(1, cadres + 1):
        for criterion in scheme["criteria"]:
            for kind in kinds:
                for code in codes:
                    counts[(cadre, criterion["code"], kind, code)] = draw(st.integers(0, 25))
    return counts


def core_figures(counts: Counter, scheme: dict, cadres: list[int]) -> dict:
    tallied = tally(counts, SchemeSpec.from_document(scheme), cadres)
    ranks = rank_cadres(tallied)
    # What results.json publishes of a cadre's result (ratings/results/tally.py COUNTED_KEYS).
    published = {cadre: {**result_as_json(tallied[cadre]), "rank": ranks[cadre]} for cadre in cadres}
    return {cadre: {key: figures[key] for key in COUNTED_KEYS} for cadre, figures in published.items()}


def independent_figures(counts: Counter, scheme: dict, cadres: list[int], groups) -> dict:
    spec = independent.scheme_from_document(scheme)
    by_cadre: dict = {cadre: {} for cadre in cadres}
    for (cadre, criterion, kind, code), n in counts.items():
        by_cadre[cadre].setdefault((criterion, kind), Counter())[code] += n
    figures = {cadre: independent.cadre_figures(by_cadre[cadre], spec, groups) for cadre in cadres}
    ranks = independent.cadre_ranks(figures)
    return {cadre: {**independent.published(fig), "rank": ranks[cadre]} for cadre, fig in figures.items()}


def differences(core, other, path="") -> list[str]:
    """Where two published documents differ, by dotted path (exact equality of every leaf)."""
    if isinstance(core, dict) and isinstance(other, dict):
        out = []
        for key in sorted(set(core) | set(other), key=str):
            if key not in core or key not in other:
                out.append(f"{path}.{key}: only in {'core' if key in core else 'independent'}")
            else:
                out += differences(core[key], other[key], f"{path}.{key}")
        return out
    # Exact equality; 90 and 90.0 are the same figure in JSON.
    return [] if core == other else [f"{path}: core {core!r}, independent {other!r}"]


def assert_agree(counts, scheme, cadres):
    core = core_figures(counts, scheme, cadres)
    groups = sorted(next(iter(core.values()))["groups"])
    other = independent_figures(counts, scheme, cadres, groups)
    found = differences(core, other)
    assert not found, "\n".join(found[:20])
    return core


@st.composite
def rated(draw, *, quick_mode: bool = False):
    scheme = draw(schemes(quick_mode=quick_mode))
    cadres = draw(st.integers(1, 4))
    return scheme, draw(histograms(scheme, cadres)), list(range(1, cadres + 1))


@QUICK
@given(rated())
def test_every_figure_of_every_cadre_agrees(case):
    scheme, counts, cadres = case
    assert_agree(counts, scheme, cadres)


@QUICK
@given(rated(quick_mode=True))
def test_every_figure_agrees_in_quick_mode(case):
    scheme, counts, cadres = case
    assert_agree(counts, scheme, cadres)


@QUICK
@given(rated())
def test_the_groups_with_a_block_are_the_weighted_ones_and_those_that_graded(case):
    scheme, counts, cadres = case
    core = core_figures(counts, scheme, cadres)
    present = {kind for (_cadre, _criterion, kind, _code), n in counts.items()}
    for figures in core.values():
        assert set(figures["groups"]) == set(scheme["groups"]) | present


@QUICK
@given(rated())
def test_the_majority_value_agrees(case):
    scheme, counts, _cadres = case
    spec = independent.scheme_from_document(scheme)
    histogram = Counter()
    for (_cadre, _criterion, _kind, code), n in counts.items():
        histogram[code] += n
    scale = [histogram[grade.code] for grade in spec.graded_grades]
    assert list(aggregation.majority_value(scale)) == independent.majority_value(histogram, spec)


@QUICK
@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6))
def test_rounding_agrees(value):
    assert publish(value) == independent.half_up(value)


def test_rounding_is_half_away_from_zero_as_documented():
    assert independent.half_up(Fraction("93.90625")) == 93.9063
    assert independent.half_up(Fraction("0.00005")) == 0.0001
    assert independent.half_up(Fraction("-93.90625")) == -93.9063


@QUICK
@given(st.dictionaries(st.sampled_from(GROUPS), st.integers(0, 12), min_size=1), st.integers(1, 8))
def test_the_k_rule_agrees(by_group, k):
    rule = disclosure.decide(by_group, k)
    mine = independent.k_rule(by_group, k)
    assert rule.figures_shown == mine["figures_shown"]
    if rule.figures_shown:
        assert dict(rule.pooled) == mine["pooled"]
        assert disclosure.disclosed_ballots(by_group, rule) == mine["ballots_by_group"]


@QUICK
@given(st.dictionaries(st.integers(1, 30), st.integers(0, 9)))
def test_the_honor_roll_ranks_agree(votes):
    core = {household: rank for household, _votes, rank in rank_households(votes)}
    assert core == independent.honor_ranks(votes)


@QUICK
@given(st.integers(1, 19), st.booleans())
def test_a_share_exactly_at_a_threshold_decides_as_documented(hits, bottom):
    """ "At or above": 20 graded ballots, and the threshold set to exactly the share they give."""
    scheme = {
        "grades": [
            {"code": "good", "label": "good", "value": 100, "standing": "top"},
            {"code": "bad", "label": "bad", "value": 55, "standing": "bottom"},
        ],
        "criteria": [{"code": "de", "name": "de"}],
        "groups": {},
        "excellent_share": "1.000" if bottom else f"{hits * 50 // 1000}.{hits * 50 % 1000:03d}",
        "incompetent_share": f"{(20 - hits) * 50 // 1000}.{(20 - hits) * 50 % 1000:03d}",
        "min_graded": 10,
        "min_cell": 5,
        "quick_mode": False,
    }
    counts = Counter({(1, "de", "villager", "good"): hits, (1, "de", "villager", "bad"): 20 - hits})
    core = assert_agree(counts, scheme, [1])
    assert core[1]["verdict"] == ("incompetent" if bottom else "excellent")


@QUICK
@given(
    st.integers(0, 400),
    st.integers(0, 400),
    st.integers(0, 30),
    st.sampled_from(["villagers", "representatives"]),
)
def test_the_turnout_figures_agree_with_the_recount(roll, present, panel, kind):
    present = min(present, roll)
    by_group = {"villager": present, "township_panel": panel}
    figures = independent.turnout_figures(
        ballots=present + panel, by_group=by_group, roll=roll, present=present, kind=kind
    )
    results = {
        "meeting": {"kind": kind},
        "turnout": {
            "ballots": present + panel,
            "by_group": by_group,
            "roll": roll,
            "present": present,
            **figures,
        },
    }
    assert recount.check_turnout(results) == []
