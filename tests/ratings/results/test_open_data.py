"""The open data: anyone can download the ballots, check the digest and count them again.

The served ballots.csv must hash to the digest the snapshot published (and the printed notice
carries); counting its cells must give the histograms of the served results.json.
"""

import csv
import datetime
import hashlib
import io
import json
from collections import Counter

import pytest
from django.urls import reverse

from ratings.models import BallotGrade, Grade
from ratings.results import services as results_services
from ratings.results import tally as results
from tests.worlds import published_world

SCALE = ["satisfied", "basically_satisfied", "dissatisfied", "dont_know"]


def varied_vote(ballot: int):
    """Every ballot grades every line differently, "don't know" included."""
    return lambda cadre, criterion: SCALE[(ballot + 2 * cadre + len(criterion)) % len(SCALE)]


VOTES = [varied_vote(ballot) for ballot in range(9)]


pytestmark = pytest.mark.usefixtures("english_pages")


def download(client, name: str, meeting, **headers):
    return client.get(reverse(f"ratings:{name}", args=[meeting.pk]), **headers)


def recount(ballots_file: bytes, graded_codes: list[str]) -> dict[str, dict]:
    """Column → {histogram of the grades, abstained}: what anyone can do with the csv module."""
    rows = list(csv.DictReader(io.StringIO(ballots_file.decode("utf-8"))))
    columns = [name for name in rows[0] if name not in {"receipt", "group", "nominations"}]
    counted = {}
    for column in columns:
        cells = Counter(row[column] for row in rows)
        counted[column] = {
            "histogram": {code: cells.get(code, 0) for code in graded_codes},
            "abstained": cells.get("", 0),
        }
    return counted


def test_served_ballots_hash_to_the_published_digest(client, county):
    world, snapshot = published_world(county, VOTES)

    response = download(client, "ballots-csv", world.meeting)

    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == snapshot.ballots_sha256
    assert snapshot.data["ballots_sha256"] == snapshot.ballots_sha256
    assert response.content == results.ballots_csv(world.meeting)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ballots-653121100201-2024-v1.csv"'
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["ETag"] == f'"{snapshot.ballots_sha256}"'


def test_a_browser_holding_the_file_gets_not_modified(client, county):
    world, snapshot = published_world(county, VOTES)
    response = download(
        client, "ballots-csv", world.meeting, HTTP_IF_NONE_MATCH=f'"{snapshot.ballots_sha256}"'
    )
    assert response.status_code == 304
    assert response.content == b""


def test_a_tampered_ballot_no_longer_matches_the_digest(client, county):
    world, snapshot = published_world(county, VOTES)
    row = BallotGrade.objects.filter(ballot__meeting=world.meeting, grade__code="dissatisfied").first()
    row.grade = Grade.objects.get(scheme=world.scheme, code="satisfied")
    row.save()

    response = download(client, "ballots-csv", world.meeting)

    assert hashlib.sha256(response.content).hexdigest() != snapshot.ballots_sha256


def test_counting_the_csv_gives_the_published_histograms(client, county):
    world, _snapshot = published_world(county, VOTES, nominations=[[0], [1, 2]])
    ballots_file = download(client, "ballots-csv", world.meeting).content
    published = json.loads(download(client, "results-json", world.meeting).content)
    graded_codes = [
        grade["code"] for grade in published["scheme"]["grades"] if grade["standing"] != "abstain"
    ]

    counted = recount(ballots_file, graded_codes)

    rows = list(csv.DictReader(io.StringIO(ballots_file.decode())))
    assert len(rows) == published["ballots"] == len(VOTES)
    assert len({row["receipt"] for row in rows}) == len(rows)
    assert sorted(row["nominations"] for row in rows if row["nominations"]) == sorted(
        [str(world.households[0].pk), f"{world.households[1].pk};{world.households[2].pk}"]
    )
    expected = {}
    for cadre in published["cadres"]:
        for code, stats in cadre["criteria"].items():
            expected[f"{cadre['id']}:{code}"] = {
                "histogram": stats["histogram"],
                "abstained": stats["abstained"],
            }
    assert counted == expected
    # The votes did use every grade and "don't know", so the comparison means something.
    assert any(column["abstained"] for column in counted.values())
    assert all(sum(column["histogram"].values()) for column in counted.values())


def test_quick_mode_columns_are_one_overall_grade_per_cadre(client, county):
    world, _snapshot = published_world(county, VOTES, quick_mode=True, cadres=3)
    ballots_file = download(client, "ballots-csv", world.meeting).content
    published = json.loads(download(client, "results-json", world.meeting).content)

    header = ballots_file.decode().splitlines()[0].split(",")
    assert header == ["receipt", "group", *(f"{cadre.pk}:overall" for cadre in world.cadres), "nominations"]
    counted = recount(ballots_file, ["satisfied", "basically_satisfied", "dissatisfied"])
    for cadre in published["cadres"]:
        stats = cadre["criteria"]["overall"]
        assert counted[f"{cadre['id']}:overall"] == {
            "histogram": stats["histogram"],
            "abstained": stats["abstained"],
        }


def test_results_json_is_the_snapshot_with_its_standing(client, county):
    world, snapshot = published_world(county, VOTES)

    response = download(client, "results-json", world.meeting)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    standing = document.pop("snapshot")
    assert document == snapshot.data
    assert standing == {
        "version": 1,
        "status": "published",
        "published_at": snapshot.published_at.isoformat(),
        "notice_ends": snapshot.notice_ends.isoformat(),
        "finalized_at": None,
    }
    raw = response.content.decode("utf-8")
    assert "德" in raw  # written as it is, not as \u escapes
    assert raw == json.dumps(json.loads(raw), ensure_ascii=False, sort_keys=True, indent=2)


def test_results_json_of_final_results(client, county):
    world, snapshot = published_world(county, VOTES)
    final = results_services.results_finalize(
        snapshot=snapshot, today=snapshot.notice_ends + datetime.timedelta(days=1)
    )

    standing = json.loads(download(client, "results-json", world.meeting).content)["snapshot"]

    assert standing["status"] == "final"
    assert standing["finalized_at"] == final.finalized_at.isoformat()
