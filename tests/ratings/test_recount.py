"""Anyone can recount: ratings/recount.py checks published results from the open-data files alone.

The files are fetched the way a villager would, over HTTP from the public results page's links, and
recounted by `python -m ratings.recount` in a separate process with no Django and no database.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from ratings.recount import OpenDataError, recount
from tests.worlds import published_world

ROOT = Path(__file__).resolve().parents[2]
# Cadre 0: a spread of grades and "don't know"; cadre 1 mostly dissatisfied; eight ballots.
VOTES = [
    lambda cadre, criterion, grade=grade: (
        grade if cadre == 0 else ("satisfied" if criterion == "de" else "dissatisfied")
    )
    for grade in ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied", "dont_know", "satisfied"]
]
FILES = {"counts-csv": "counts.csv", "results-json": "results.json", "receipts-txt": "receipts.txt"}


def fetch(client, meeting, folder: Path) -> dict[str, bytes]:
    files = {}
    for name, file_name in FILES.items():
        response = client.get(reverse(f"ratings:{name}", args=[meeting.pk]))
        assert response.status_code == 200
        files[file_name] = response.content
        (folder / file_name).write_bytes(response.content)
    return files


@pytest.fixture
def open_data(client, county, tmp_path):
    world, _snapshot = published_world(county, VOTES, nominations=[[0], [0, 1]])
    files = fetch(client, world.meeting, tmp_path)
    return tmp_path, files["counts.csv"], json.loads(files["results.json"]), files["receipts.txt"]


def run_recount(folder: Path, *names: str) -> subprocess.CompletedProcess:
    names = names or ("counts.csv", "results.json", "receipts.txt")
    return subprocess.run(
        [sys.executable, "-m", "ratings.recount", *(str(folder / name) for name in names)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},  # no DJANGO_SETTINGS_MODULE, no DATABASE_URL
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_published_open_data_recounts_exactly(open_data):
    folder, counts, results, receipts = open_data
    assert recount(counts, results, receipts) == []
    done = run_recount(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(
        f"OK: 8 ballots; counts.csv and receipts.txt match their SHA-256 (counts {results['counts_sha256']})"
    )
    # Without the receipts, everything else is still checked.
    assert run_recount(folder, "counts.csv", "results.json").returncode == 0


def change_one_count(counts: bytes) -> tuple[bytes, list[str]]:
    """Move one ballot of one line from one grade to another: the column still sums to its ballots."""
    header, *rows = counts.decode().splitlines()
    cells = [row.split(",") for row in rows]
    first = next(row for row in cells if int(row[4]) > 1)
    other = next(row for row in cells if row[:3] == first[:3] and row is not first)
    first[4], other[4] = str(int(first[4]) - 1), str(int(other[4]) + 1)
    return ("\n".join([header, *(",".join(row) for row in cells)]) + "\n").encode(), first


def test_one_changed_count_of_the_file_is_named(open_data):
    folder, counts, _results, _receipts = open_data
    changed, row = change_one_count(counts)
    (folder / "counts.csv").write_bytes(changed)

    done = run_recount(folder)

    assert done.returncode == 1
    assert "counts.csv has SHA-256" in done.stdout
    assert f"cadre {row[0]} " in done.stdout and "criteria recounts to" in done.stdout
    assert row[1] in done.stdout


def test_a_count_that_breaks_a_column_sum_is_named(open_data):
    folder, counts, results, receipts = open_data
    header, first, *rest = counts.decode().splitlines()
    cadre, criterion, group, grade, n = first.split(",")
    broken = "\n".join([header, f"{cadre},{criterion},{group},{grade},{int(n) + 1}", *rest]) + "\n"

    problems = recount(broken.encode(), results, receipts)

    assert (
        f"cadre {cadre} criterion {criterion} group {group}: the column sums to 9, "
        "but the group cast 8 ballots"
    ) in problems


def test_a_published_figure_that_does_not_follow_from_the_counts_is_named(open_data):
    _folder, counts, results, receipts = open_data
    results["cadres"][0]["overall"]["score"] += 1
    problems = recount(counts, results, receipts)
    assert len(problems) == 1
    assert (
        problems[0].startswith(f"cadre {results['cadres'][0]['id']} ")
        and "overall recounts to" in problems[0]
    )


def test_ballots_codes_and_receipts_must_agree(open_data):
    _folder, counts, results, receipts = open_data
    one = receipts.splitlines(keepends=True)[0]
    assert recount(counts, results, one) == [
        f"receipts.txt has SHA-256 {hashlib.sha256(one).hexdigest()}, "
        f"results.json published {results['receipts_sha256']}",
        "receipts.txt lists 1 receipts, but 8 ballots",
    ]
    results["turnout"]["codes_used"] = 9
    assert recount(counts, results, receipts) == ["codes used: 9, but 8 ballots"]


def test_a_small_group_published_apart_breaks_the_rule(open_data):
    _folder, counts, results, receipts = open_data
    results["turnout"]["by_group"] = {"villager": 6, "township_panel": 2}
    problems = recount(counts, results, receipts)
    assert (
        "disclosure pooled: the k rule gives {'township_panel': 'villager'}, results.json published {}"
        in problems
    )


def test_results_from_before_counts_csv_are_refused_plainly(open_data):
    folder, counts, results, _receipts = open_data
    for key in ("format", "counts_sha256"):
        results.pop(key)
    with pytest.raises(OpenDataError, match="from before counts.csv was published"):
        recount(counts, results)
    (folder / "results.json").write_text(json.dumps(results))
    done = run_recount(folder)
    assert done.returncode == 2
    assert "cannot recount: this results.json is from before counts.csv" in done.stderr


def test_the_recount_needs_no_django():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, ratings.recount; print('django' in sys.modules)"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "False", done.stderr


def _set(path: str, value):
    """A change to results.json at a dotted path (list items by index)."""

    def change(results: dict) -> None:
        *parents, last = path.split(".")
        node = results
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value(
            node[int(last) if isinstance(node, list) else last]
        )

    return change


# Each published figure the recount must catch when it alone is changed in results.json.
TAMPERED = {
    "honor roll votes": _set("honor_roll.0.votes", lambda votes: votes + 1),
    "honor roll votes beyond the ballots": _set("honor_roll.1.votes", lambda _votes: 9),
    "honor roll rank": _set("honor_roll.1.rank", lambda rank: rank - 1),
    "turnout by group": _set(
        "turnout.by_group", lambda groups: {**groups, "villager": groups["villager"] + 1}
    ),
    "turnout rate": _set("turnout.rate", lambda rate: round(rate + 0.0001, 4)),
    "turnout present": _set("turnout.present", lambda _present: 7),
    "turnout roll": _set("turnout.roll", lambda roll: roll + 1),
    "quorum flag": _set("turnout.quorum_met", lambda met: not met),
    "quorum required": _set("turnout.quorum_required", lambda required: required - 1),
    "nominations count": _set("nominations", lambda count: count - 1),
    "nominations withheld": _set("nominations", lambda _count: None),
    "suppression: figures hidden": _set("disclosure.figures_shown", lambda _shown: False),
    "suppression: k": _set("disclosure.k", lambda k: k + 10),
    "suppression: a group pooled": _set("disclosure.pooled", lambda _pooled: {"party_member": "villager"}),
    "suppression: a cadre's figures dropped": _set("cadres.0.overall", lambda _overall: None),
    "format version": _set("format", lambda version: version + 1),
    "method version": _set("method.version", lambda version: version - 1),
    "method threshold": _set("method.min_graded", lambda least: least + 1),
    "scheme threshold": _set("scheme.excellent_share", lambda _share: "0.8"),
    "verdict": _set("cadres.1.verdict", lambda _verdict: "excellent"),
    "rank": _set("cadres.1.rank", lambda _rank: 1),
    "graded ballots": _set("cadres.0.overall.graded_ballots", lambda n: n + 1),
    "verdict's share": _set("cadres.0.overall.top_pass_share", lambda share: round(share - 0.0001, 4)),
    "two-years flag": _set("cadres.0.incompetent_two_years", lambda _flag: True),
}


@pytest.mark.parametrize("change", TAMPERED.values(), ids=TAMPERED.keys())
def test_every_tampered_figure_fails_the_recount(open_data, change):
    folder, counts, results, receipts = open_data
    assert recount(counts, results, receipts) == []
    change(results)
    assert recount(counts, results, receipts) != []
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    done = run_recount(folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "every figure recounts" not in done.stdout


def test_the_open_data_says_its_method(open_data):
    _folder, _counts, results, _receipts = open_data
    method = results["method"]
    assert method["version"] == 2 and method["description"] == "docs/method.md"
    assert (method["excellent_share"], method["incompetent_share"]) == ("0.900", "0.500")
    assert method["min_graded"] == results["scheme"]["min_graded"] == 10 and method["k"] == 5
    assert "half away from zero" in method["rounding"]
    # Eight ballots, fewer than the default 10: every cadre has "not enough grades" and no rank.
    assert {cadre["verdict"] for cadre in results["cadres"]} == {"not_enough_grades"}
    assert {cadre["rank"] for cadre in results["cadres"]} == {None}
