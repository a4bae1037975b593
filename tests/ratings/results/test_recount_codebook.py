"""`python -m ratings.recount` reads codebook.csv when given it, and fails on any fact of it that
disagrees with results.json or counts.csv: a grade's value or standing, a group's weight, a threshold,
k, the method version, a cadre or a criterion."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from ratings.recount import recount
from tests.worlds import published_world

ROOT = Path(__file__).resolve().parents[3]
FILES = {
    "counts-csv": "counts.csv",
    "results-json": "results.json",
    "receipts-txt": "receipts.txt",
    "codebook-csv": "codebook.csv",
}
VOTES = ["satisfied"] * 5 + ["basically_satisfied", "dissatisfied", "dont_know"]


@pytest.fixture
def open_data(client, county, tmp_path):
    world, _snapshot = published_world(county, VOTES, nominations=[[0]])
    for name, file_name in FILES.items():
        response = client.get(reverse(f"ratings:{name}", args=[world.meeting.pk]))
        assert response.status_code == 200
        (tmp_path / file_name).write_bytes(response.content)
    return tmp_path


def run_recount(folder: Path, *names: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ratings.recount", *(str(folder / name) for name in names)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},  # no Django, no database: the open data alone
        capture_output=True,
        text=True,
        timeout=60,
    )


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def written(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def changed(section: str, code: str, field: str, value: str | None):
    """A change to one codebook.csv row (None: the row is dropped). A cadre's code "{0}" or "{1}" is
    the first or second cadre's id, whatever the database numbered it."""

    def change(rows: list[list[str]], cadres: list[str]) -> list[list[str]]:
        target = [section, code.format(*cadres), field]
        assert any(row[:3] == target for row in rows), target
        return [
            row if row[:3] != target else [*target, value]
            for row in rows
            if not (value is None and row[:3] == target)
        ]

    return change


# Each tampered fact and the line the recount must print for it (besides the digest's).
TAMPERED = {
    "grade value": (
        changed("grade", "satisfied", "value", "90"),
        "codebook.csv grade satisfied value: '90', results.json says '100'",
    ),
    "grade standing": (
        changed("grade", "basically_satisfied", "standing", "bottom"),
        "codebook.csv grade basically_satisfied standing: 'bottom', results.json says 'pass'",
    ),
    "group weight": (
        changed("group", "villager", "weight", "0.9"),
        "codebook.csv group villager weight: '0.9', results.json says '0.700'",
    ),
    "excellent share": (
        changed("method", "", "excellent_share", "0.800"),
        "codebook.csv method excellent_share: '0.800', results.json says '0.900'",
    ),
    "incompetent share": (
        changed("method", "", "incompetent_share", "0.400"),
        "codebook.csv method incompetent_share: '0.400', results.json says '0.500'",
    ),
    "minimum of graded ballots": (
        changed("method", "", "min_graded", "3"),
        "codebook.csv method min_graded: '3', results.json says '1'",
    ),
    "k": (changed("method", "", "k", "3"), "codebook.csv method k: '3', results.json says '5'"),
    "method version": (
        changed("method", "", "version", "1"),
        "codebook.csv states method version '1'; this recount follows version 2 (docs/method.md)",
    ),
    "a cadre's name": (
        changed("cadre", "{0}", "name", "Somebody else"),
        "codebook.csv cadre {0} name: 'Somebody else', results.json says 'Cadre 0'",
    ),
    "a cadre left out": (
        changed("cadre", "{1}", "name", None),
        "counts.csv uses cadre {1}, which codebook.csv does not define",
    ),
    "a criterion's name": (
        changed("criterion", "de", "name", "能"),
        "codebook.csv criterion de name: '能', results.json says '德'",
    ),
    "a criterion left out": (
        changed("criterion", "lian", "name", None),
        "counts.csv uses criterion lian, which codebook.csv does not define",
    ),
}


def test_the_published_codebook_recounts_in_either_order(open_data):
    done = run_recount(open_data, "counts.csv", "results.json", "receipts.txt", "codebook.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "counts.csv, receipts.txt and codebook.csv match their SHA-256" in done.stdout
    assert (
        run_recount(open_data, "counts.csv", "results.json", "codebook.csv", "receipts.txt").returncode == 0
    )
    alone = run_recount(open_data, "counts.csv", "results.json", "codebook.csv")
    assert alone.returncode == 0 and "counts.csv and codebook.csv match" in alone.stdout
    # The old invocations still work.
    assert run_recount(open_data, "counts.csv", "results.json", "receipts.txt").returncode == 0
    assert run_recount(open_data, "counts.csv", "results.json").returncode == 0


@pytest.mark.parametrize(("change", "line"), TAMPERED.values(), ids=TAMPERED.keys())
def test_every_tampered_fact_of_the_codebook_fails_the_recount(open_data, change, line):
    path = open_data / "codebook.csv"
    cadres = [str(cadre["id"]) for cadre in json.loads((open_data / "results.json").read_text())["cadres"]]
    path.write_bytes(written(change(rows_of(path.read_bytes()), cadres)))
    line = line.format(*cadres)

    done = run_recount(open_data, "counts.csv", "results.json", "receipts.txt", "codebook.csv")

    assert done.returncode == 1, done.stdout + done.stderr
    assert line in done.stdout.splitlines(), done.stdout
    assert "codebook.csv has SHA-256" in done.stdout
    assert "every figure recounts" not in done.stdout


def test_a_codebook_saved_again_by_a_spreadsheet_differs_only_by_its_digest(open_data):
    # Excel writes 0.700 back as 0.7 and drops the ="…" around codes: the same facts, other bytes.
    path = open_data / "codebook.csv"
    rows = [[cell.removeprefix('="').removesuffix('"') for cell in row] for row in rows_of(path.read_bytes())]
    rows = [[*row[:3], "0.7"] if row[:3] == ["group", "villager", "weight"] else row for row in rows]
    path.write_bytes(written(rows))
    problems = recount(
        (open_data / "counts.csv").read_bytes(),
        json.loads((open_data / "results.json").read_text()),
        codebook_file=path.read_bytes(),
    )
    assert len(problems) == 1 and problems[0].startswith("codebook.csv has SHA-256"), problems


def test_results_whose_own_codebook_disagrees_with_their_scheme_fail(open_data):
    results = json.loads((open_data / "results.json").read_text())
    results["codebook"]["groups"]["villager"]["weight"] = "0.900"
    problems = recount((open_data / "counts.csv").read_bytes(), results)
    assert "codebook group villager: weight 0.900, but the scheme applied 0.700" in problems


def test_a_codebook_for_results_published_before_codebooks_is_named(open_data):
    results = json.loads((open_data / "results.json").read_text())
    results.pop("codebook_sha256")
    problems = recount(
        (open_data / "counts.csv").read_bytes(),
        results,
        codebook_file=(open_data / "codebook.csv").read_bytes(),
    )
    assert problems == ["codebook.csv was given, but results.json was published before codebook.csv existed"]


def test_two_codebooks_cannot_be_recounted(open_data):
    done = run_recount(open_data, "counts.csv", "results.json", "codebook.csv", "codebook.csv")
    assert done.returncode == 2
    assert "is a second codebook.csv" in done.stderr
