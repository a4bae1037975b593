"""End to end: a meeting voted through the ballot's own services, its results computed and published,
then worked out again from the open data files alone by the second implementation written from
docs/method.md (tests/ratings/results/independent.py). Every figure of results.json must follow."""

import hashlib
import json
from collections import Counter

from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from meetings import services as meeting_services
from ratings.ballot import services
from ratings.results import services as results_services
from ratings.results.tally import ballots_csv
from tests.ratings.results import independent
from tests.worlds import build_world, certify, print_panel_codes

GRADES = ("satisfied", "basically_satisfied", "dissatisfied", "dont_know")
FILES = ("counts-csv", "results-json", "codebook-csv", "receipts-txt")
LINES = 5  # criteria a full ballot grades per cadre; 1 in quick mode


@st.composite
def meetings(draw) -> dict:
    """A meeting's shape and its ballots: each one a grade per line and up to 3 households nominated."""
    quick_mode = draw(st.booleans())
    cadres = draw(st.integers(1, 3))
    villagers = draw(st.integers(3, 12))
    panel = draw(st.sampled_from([0, 0, 2, 5, 6]))  # none, pooled below k, or weighted apart
    lines = cadres * (1 if quick_mode else LINES)
    # Skewed grades, so that verdicts other than "competent" and ties of rank come up.
    grade = st.sampled_from(GRADES) | st.just("satisfied") | st.just("dissatisfied")
    ballot = st.tuples(
        st.lists(grade, min_size=lines, max_size=lines),
        st.lists(st.integers(0, 3), max_size=3, unique=True),
    )
    return {
        "quick_mode": quick_mode,
        "cadres": cadres,
        "min_graded": draw(st.integers(0, 6)),
        "villager_ballots": draw(st.lists(ballot, min_size=villagers, max_size=villagers)),
        "panel_ballots": draw(st.lists(ballot, min_size=panel, max_size=panel)),
    }


def hold(county, case) -> object:
    """Vote, close, collect and accept the honor roll, compute and publish: what a village does."""
    admin = county.township_admin
    world = build_world(
        county,
        quick_mode=case["quick_mode"],
        codes=0,
        residents=len(case["villager_ballots"]),
        cadres=case["cadres"],
    )
    panel = len(case["panel_ballots"])
    panel_codes = print_panel_codes(world.meeting, panel, world.operator) if panel else []
    codes = world.resident_codes + panel_codes
    for code, (grades, chosen) in zip(codes, case["villager_ballots"] + case["panel_ballots"], strict=True):
        services.ballot_cast(
            terminal=world.terminal,
            code=code,
            grades={line: world.grades[grade].pk for line, grade in zip(world.lines(), grades, strict=True)},
            households=[world.households[index].pk for index in chosen],
        )
    world.meeting = meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    results_services.honor_candidates_collect(meeting=world.meeting, by=admin)
    for candidate in world.meeting.honor_candidates.all():
        results_services.honor_candidate_review(
            candidate=candidate, accept=True, award="Certificate", by=admin
        )
    snapshot = results_services.results_compute(meeting=world.meeting, by=admin)
    certify(snapshot.meeting)
    results_services.results_publish(snapshot=snapshot, by=admin)
    return world.meeting


def download(client, meeting) -> dict[str, bytes]:
    files = {}
    for name in FILES:
        response = client.get(reverse(f"ratings:{name}", args=[meeting.pk]))
        assert response.status_code == 200, name
        files[name] = response.content
    return files


def recount_from_files(files: dict[str, bytes], ballots: bytes) -> dict:
    """What the second implementation makes of the open data: the codebook's scheme, counts.csv's
    histograms, the poll book's figures from results.json's turnout, votes from the per-ballot file."""
    results = json.loads(files["results-json"])
    scheme = independent.scheme_from_codebook(files["codebook-csv"])
    counts = independent.read_counts(files["counts-csv"])
    rule = independent.k_rule(results["turnout"]["by_group"], scheme.k)
    from_ballots, by_group, votes, nominations = independent.read_ballots(ballots, scheme, rule["pooled"])
    cadres = scheme.extra["cadres"]
    return {
        "results": results,
        "scheme": scheme,
        "counts": counts,
        "from_ballots": from_ballots,
        "by_group": by_group,
        "votes": votes,
        "nominations": nominations,
        "recount": independent.recount_document(
            counts=counts,
            scheme=scheme,
            cadres=cadres,
            turnout=results["turnout"],
            kind=scheme.extra["meeting"]["kind"],
            votes={row["household"]: row["votes"] for row in results["honor_roll"]},
        ),
    }


def check(files: dict[str, bytes], ballots: bytes) -> None:
    found = recount_from_files(files, ballots)
    results, scheme, fresh = found["results"], found["scheme"], found["recount"]
    digest = {name: hashlib.sha256(files[name]).hexdigest() for name in FILES}
    assert (results["counts_sha256"], results["codebook_sha256"], results["receipts_sha256"]) == (
        digest["counts-csv"],
        digest["codebook-csv"],
        digest["receipts-txt"],
    )
    assert scheme.extra["method_version"] == results["method"]["version"] == 2
    # The per-ballot file, grouped and pooled by hand, gives counts.csv; and the poll book's groups.
    shown = fresh["disclosure"]["figures_shown"]
    as_counts = {
        cadre: {line: +hist for line, hist in lines.items()} for cadre, lines in found["from_ballots"].items()
    }
    assert (as_counts if shown else {}) == {
        cadre: {line: +hist for line, hist in lines.items()} for cadre, lines in found["counts"].items()
    }
    assert found["by_group"] == results["turnout"]["by_group"]
    assert {key: results["disclosure"][key] for key in fresh["disclosure"]} == fresh["disclosure"]
    assert {key: results["turnout"][key] for key in fresh["turnout"]} == fresh["turnout"]
    for cadre in results["cadres"]:
        mine = fresh["cadres"][cadre["id"]]
        assert {key: cadre.get(key) for key in mine} == mine, cadre["id"]
        if not shown:
            assert cadre.get("overall") is None and cadre.get("rank") is None
    # The honor roll: each household's votes are the nominations on the ballots, ranked as documented.
    if shown:
        assert results["nominations"] == found["nominations"]
        for row in results["honor_roll"]:
            assert row["votes"] == found["votes"].get(row["household"], 0)
            assert row["rank"] == fresh["honor_ranks"][row["household"]]
    else:
        assert results["nominations"] is None


@settings(
    max_examples=6,
    # No shrinking: each example votes a whole meeting, and a shrink would take minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=meetings())
def test_the_open_data_recounts_to_every_published_figure(client, county, case):
    # Each example in a savepoint of its own, rolled back: the county stays, the meetings go. The
    # next meeting may get the same id, so nothing cached for the last one may linger.
    cache.clear()
    with transaction.atomic(), override_settings(RESULTS_MIN_GRADED_BALLOTS=case["min_graded"]):
        meeting = hold(county, case)
        check(download(client, meeting), ballots_csv(meeting))
        transaction.set_rollback(True)


def test_a_meeting_below_k_recounts_to_no_figure(client, county):
    case = {
        "quick_mode": False,
        "cadres": 2,
        "min_graded": 1,
        "villager_ballots": [(["satisfied"] * 10, [0])] * 3,
        "panel_ballots": [],
    }
    meeting = hold(county, case)
    files = download(client, meeting)
    check(files, ballots_csv(meeting))
    assert json.loads(files["results-json"])["disclosure"]["figures_shown"] is False


def test_a_small_panel_is_pooled_and_still_recounts(client, county):
    case = {
        "quick_mode": True,
        "cadres": 2,
        "min_graded": 1,
        "villager_ballots": [(["satisfied", "dissatisfied"], [0, 1])] * 6,
        "panel_ballots": [(["dissatisfied", "satisfied"], [1])] * 2,
    }
    meeting = hold(county, case)
    files = download(client, meeting)
    check(files, ballots_csv(meeting))
    results = json.loads(files["results-json"])
    assert results["disclosure"]["pooled"] == {"township_panel": "villager"}
    assert Counter(row["votes"] for row in results["honor_roll"]) == Counter({8: 1, 6: 1})


def test_villagers_alone_recount_with_the_panel_weighted_but_empty(client, county):
    # The common case: the scheme weights a township panel that cast no ballot; one cadre unanimous,
    # one split, and two tied at the top.
    case = {
        "quick_mode": True,
        "cadres": 3,
        "min_graded": 5,
        "villager_ballots": [(["satisfied", "satisfied", "satisfied"], [2])] * 5
        + [(["satisfied", "dissatisfied", "satisfied"], [])] * 5,
        "panel_ballots": [],
    }
    meeting = hold(county, case)
    files = download(client, meeting)
    check(files, ballots_csv(meeting))
    cadres = json.loads(files["results-json"])["cadres"]
    assert [cadre["rank"] for cadre in cadres] == [1, 3, 1]
    assert cadres[0]["groups"]["township_panel"]["graded"] == 0
