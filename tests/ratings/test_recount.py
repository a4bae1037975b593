"""Anyone can recount: ratings/recount.py checks published results from the two open-data files alone.

The files are fetched the way a villager would, over HTTP from the public results page's links, and
recounted by `python -m ratings.recount` in a separate process with no Django and no database.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from ratings.recount import recount
from tests.worlds import published_world

ROOT = Path(__file__).resolve().parents[2]
# Cadre 0: a spread of grades and "don't know"; cadre 1 mostly dissatisfied; eight ballots.
VOTES = [
    lambda cadre, criterion, grade=grade: (
        grade if cadre == 0 else ("satisfied" if criterion == "de" else "dissatisfied")
    )
    for grade in ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied", "dont_know", "satisfied"]
]


@pytest.fixture
def open_data(client, county, tmp_path):
    world, _snapshot = published_world(county, VOTES, nominations=[[0], [0, 1]])
    files = {}
    for name in ("ballots-csv", "results-json"):
        response = client.get(reverse(f"ratings:{name}", args=[world.meeting.pk]))
        assert response.status_code == 200
        files[name] = response.content
    (tmp_path / "ballots.csv").write_bytes(files["ballots-csv"])
    (tmp_path / "results.json").write_bytes(files["results-json"])
    return tmp_path, files["ballots-csv"], json.loads(files["results-json"])


def run_recount(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ratings.recount", str(folder / "ballots.csv"), str(folder / "results.json")],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},  # no DJANGO_SETTINGS_MODULE, no DATABASE_URL
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_published_open_data_recounts_exactly(open_data):
    folder, ballots, results = open_data
    assert recount(ballots, results) == []
    done = run_recount(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK: 8 ballots, SHA-256 {results['ballots_sha256']}")


def test_one_changed_cell_of_the_file_is_named(open_data):
    folder, ballots, results = open_data
    header, first, *rest = ballots.decode().splitlines(keepends=True)
    cells = first.split(",")
    column = next(index for index, cell in enumerate(cells) if index > 1 and cell == "dissatisfied")
    cells[column] = "satisfied"
    (folder / "ballots.csv").write_text(header + ",".join(cells) + "".join(rest), encoding="utf-8")

    done = run_recount(folder)

    assert done.returncode == 1
    assert "ballots.csv has SHA-256" in done.stdout
    cadre_id, criterion = header.strip().split(",")[column].split(":")
    assert f"cadre {cadre_id} " in done.stdout and "criteria recounts to" in done.stdout
    assert criterion in done.stdout


def test_a_published_figure_that_does_not_follow_from_the_ballots_is_named(open_data):
    _folder, ballots, results = open_data
    results["cadres"][0]["overall"]["score"] += 1
    problems = recount(ballots, results)
    assert len(problems) == 1
    assert (
        problems[0].startswith(f"cadre {results['cadres'][0]['id']} ")
        and "overall recounts to" in problems[0]
    )


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
