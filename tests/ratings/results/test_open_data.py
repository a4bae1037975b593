"""The open data: counts.csv, receipts.txt, codebook.csv and results.json, which anyone can download,
check against their digests and count again, in Excel too; and no per-ballot file any more.

The served counts.csv must hash to the digest results.json (and the printed notice) carries; adding
its rows over the groups must give the histograms of the served results.json.
"""

import csv
import datetime
import hashlib
import io
import json
from collections import Counter

import openpyxl
import pytest
from django.db.models import QuerySet
from django.urls import reverse

from portal.models import Household
from ratings.models import Ballot, Criterion, Grade, ResultSnapshot
from ratings.recount import recount
from ratings.results import opendata, verify
from ratings.results import services as results_services
from tests.worlds import certify, published_world, voted_world

SCALE = ["satisfied", "basically_satisfied", "dissatisfied", "dont_know"]

FORMULA_LIKE_AWARD = '=HYPERLINK("http://example.invalid","Certificate")'


def varied_vote(ballot: int):
    """Every ballot grades every line differently, "don't know" included."""
    return lambda cadre, criterion: SCALE[(ballot + 2 * cadre + len(criterion)) % len(SCALE)]


VOTES = [varied_vote(ballot) for ballot in range(9)]


pytestmark = pytest.mark.usefixtures("english_pages")


def download(client, name: str, meeting, **headers):
    return client.get(reverse(f"ratings:{name}", args=[meeting.pk]), **headers)


def read_counts(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_served_counts_hash_to_the_published_digest(client, county):
    world, snapshot = published_world(county, VOTES)

    response = download(client, "counts-csv", world.meeting)

    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == snapshot.data["counts_sha256"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="counts-653121100201-2024-v1.csv"'
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["ETag"] == f'"{snapshot.data["counts_sha256"]}"'
    # Canonical: UTF-8 with a BOM (for Excel on Chinese Windows), LF line ends, rows sorted.
    assert response.content.startswith("\ufeff".encode())
    content = response.content.decode("utf-8-sig")
    assert "\r" not in content
    rows = content.splitlines()
    assert rows[0] == "cadre,criterion,group,grade,n"
    keys = [
        (int(row["cadre"]), row["criterion"], row["group"], row["grade"])
        for row in read_counts(response.content)
    ]
    assert keys == sorted(keys)


def test_a_browser_holding_the_file_gets_not_modified(client, county):
    world, snapshot = published_world(county, VOTES)
    response = download(
        client, "counts-csv", world.meeting, HTTP_IF_NONE_MATCH=f'"{snapshot.data["counts_sha256"]}"'
    )
    assert response.status_code == 304
    assert response.content == b""


def test_adding_the_counts_gives_the_published_histograms(client, county):
    world, _snapshot = published_world(county, VOTES, nominations=[[0], [1, 2]])
    published = json.loads(download(client, "results-json", world.meeting).content)
    rows = read_counts(download(client, "counts-csv", world.meeting).content)
    abstention = {grade["code"] for grade in published["scheme"]["grades"] if grade["standing"] == "abstain"}

    counted = {}
    for row in rows:
        column = counted.setdefault(
            f"{row['cadre']}:{row['criterion']}", {"histogram": Counter(), "abstained": 0}
        )
        if row["grade"] in abstention:
            column["abstained"] += int(row["n"])
        else:
            column["histogram"][row["grade"]] += int(row["n"])

    expected = {}
    for cadre in published["cadres"]:
        for code, stats in cadre["criteria"].items():
            histogram = Counter({grade: n for grade, n in stats["histogram"].items() if n})
            expected[f"{cadre['id']}:{code}"] = {"histogram": histogram, "abstained": stats["abstained"]}
    assert counted == expected
    # The votes did use every grade and "don't know", so the comparison means something.
    assert any(column["abstained"] for column in counted.values())
    # Each column of a group sums to that group's ballots.
    sums = Counter()
    for row in rows:
        sums[(row["cadre"], row["criterion"], row["group"])] += int(row["n"])
    assert set(sums.values()) == {published["disclosure"]["ballots_by_group"]["villager"]} == {9}
    assert len(sums) == len(world.cadres) * 5


def test_quick_mode_counts_one_overall_grade_per_cadre(client, county):
    world, _snapshot = published_world(county, VOTES, quick_mode=True, cadres=3)
    rows = read_counts(download(client, "counts-csv", world.meeting).content)
    assert {row["criterion"] for row in rows} == {"overall"}
    assert {int(row["cadre"]) for row in rows} == {cadre.pk for cadre in world.cadres}


def test_receipts_are_a_sorted_list_joined_to_nothing(client, county):
    world, snapshot = published_world(county, VOTES)

    response = download(client, "receipts-txt", world.meeting)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert hashlib.sha256(response.content).hexdigest() == snapshot.data["receipts_sha256"]
    receipts = response.content.decode("utf-8").splitlines()
    assert receipts == sorted(Ballot.objects.filter(meeting=world.meeting).values_list("receipt", flat=True))
    assert len(receipts) == len(set(receipts)) == 9
    # One receipt a line and nothing else on it.
    assert all("," not in line and " " not in line for line in receipts)


def test_the_per_ballot_file_is_no_longer_public(client, county):
    world, _snapshot = published_world(county, VOTES)
    response = client.get(f"/results/meetings/{world.meeting.pk}/ballots.csv")
    assert response.status_code == 404


def test_results_json_is_the_snapshot_with_its_standing(client, county):
    world, snapshot = published_world(county, VOTES)

    response = download(client, "results-json", world.meeting)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    standing = document.pop("snapshot")
    # Everything the snapshot published but the counts, which are counts.csv; and never the seal.
    assert document == {key: value for key, value in snapshot.data.items() if key != "counts"}
    assert "ballots_sha256" not in document and snapshot.ballots_sha256 not in response.content.decode()
    assert standing == {
        "version": 1,
        "status": "published",
        "published_at": snapshot.published_at.isoformat(),
        "notice_ends": snapshot.notice_ends.isoformat(),
        "finalized_at": None,
        # The village's audit chain head at publication (tests/ratings/results/test_audit_anchor.py).
        "audit_anchor": standing["audit_anchor"],
    }
    assert standing["audit_anchor"]["chain"] == world.meeting.village.code
    raw = response.content.decode("utf-8")
    assert "德" in raw  # written as it is, not as \u escapes
    assert raw == json.dumps(json.loads(raw), ensure_ascii=False, sort_keys=True, indent=2)


def test_the_codebook_names_every_code_of_the_counts(client, county):
    world, _snapshot = published_world(county, VOTES)
    codebook = json.loads(download(client, "results-json", world.meeting).content)["codebook"]
    rows = read_counts(download(client, "counts-csv", world.meeting).content)

    assert {row["cadre"] for row in rows} <= set(codebook["cadres"])
    assert (
        {row["criterion"] for row in rows} == set(codebook["criteria"]) == {"de", "neng", "qin", "ji", "lian"}
    )
    assert {row["grade"] for row in rows} <= set(codebook["grades"])
    assert {row["group"] for row in rows} <= set(codebook["groups"])
    assert codebook["cadres"][str(world.cadres[0].pk)]["name"] == world.cadres[0].name
    assert codebook["groups"]["township_panel"]["en"] == "township panel"
    assert codebook["groups"]["township_panel"]["zh-hans"] != "township panel"
    assert codebook["grades"]["dont_know"]["standing"] == "abstain"
    assert set(codebook["files"]) == {"counts.csv", "receipts.txt", "results.json", "codebook.csv"}
    assert codebook["consistency_rules"]


def test_results_json_of_final_results(client, county):
    world, snapshot = published_world(county, VOTES)
    final = results_services.results_finalize(
        snapshot=snapshot, today=snapshot.notice_ends + datetime.timedelta(days=1)
    )

    standing = json.loads(download(client, "results-json", world.meeting).content)["snapshot"]

    assert standing["status"] == "final"
    assert standing["finalized_at"] == final.finalized_at.isoformat()


# --- snapshots published before counts.csv --------------------------------------------------------


def legacy(snapshot: ResultSnapshot, **changes) -> ResultSnapshot:
    """The snapshot as an earlier version of the portal stored it: no format, counts or digests of them,
    the ballots file's digest in the data, a breakdown by group that is None when a group was small."""
    data = {
        key: value
        for key, value in snapshot.data.items()
        if key
        not in (
            "format",
            "disclosure",
            "counts",
            "counts_sha256",
            "receipts_sha256",
            "codebook",
            "codebook_sha256",
            "csv_for_spreadsheets",
        )
    }
    data["ballots_sha256"] = snapshot.ballots_sha256
    data["turnout"] = {key: value for key, value in data["turnout"].items() if key != "codes_used"}
    data.update(changes)
    # Past the immutability guard on purpose: the row as the earlier version wrote it.
    QuerySet.update(ResultSnapshot.objects.filter(pk=snapshot.pk), data=data)
    snapshot.refresh_from_db()
    return snapshot


def test_an_older_snapshot_still_shows_and_says_it_has_no_counts_file(client, county):
    world, snapshot = published_world(county, VOTES)
    legacy(snapshot)

    page = download(client, "results", world.meeting)
    assert page.status_code == 200
    assert "Each cadre's results" in page.content.decode()
    assert reverse("ratings:counts-csv", args=[world.meeting.pk]) not in page.content.decode()
    assert download(client, "counts-csv", world.meeting).status_code == 404
    assert download(client, "receipts-txt", world.meeting).status_code == 200
    document = json.loads(download(client, "results-json", world.meeting).content)
    assert "ballots_sha256" not in document
    assert document["cadres"][0]["overall"]["score"] == snapshot.data["cadres"][0]["overall"]["score"]
    for name in ("results-notice", "honor-roll"):
        assert download(client, name, world.meeting).status_code == 200


def test_an_older_snapshot_with_a_small_group_counted_apart_shows_no_figure(client, county):
    world, snapshot = published_world(county, VOTES)
    turnout = {**snapshot.data["turnout"], "by_group": {"villager": 9, "township_panel": 2}}
    legacy(snapshot, turnout=turnout)

    page = download(client, "results", world.meeting).content.decode()
    assert "These results were published before the rule" in page
    assert "Each cadre's results" not in page
    document = json.loads(download(client, "results-json", world.meeting).content)
    assert all(cadre["overall"] is None and cadre["rank"] is None for cadre in document["cadres"])
    assert download(client, "results-notice", world.meeting).status_code == 200
    ranking = client.get(reverse("ratings:village-ranking", args=[county.village.code]))
    assert ranking.status_code == 200 and "<tbody" not in ranking.content.decode()


# --- for spreadsheets: codebook.csv, codes kept as text, results from before -----------------------


def read_codebook(content: bytes) -> dict[tuple[str, str, str], str]:
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return {(row["section"], row["code"], row["field"]): row["value"] for row in rows}


def test_the_codebook_file_spells_out_every_code_and_the_method(client, county):
    world, snapshot = published_world(county, VOTES)
    published = json.loads(download(client, "results-json", world.meeting).content)

    response = download(client, "codebook-csv", world.meeting)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="codebook-653121100201-2024-v1.csv"'
    assert hashlib.sha256(response.content).hexdigest() == published["codebook_sha256"]
    assert response.content.startswith("\ufeff".encode())
    book = read_codebook(response.content)
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[0] == [
        "section",
        "code",
        "field",
        "value",
    ]
    # Every code of counts.csv, with what it means and what it counts for.
    for grade in published["scheme"]["grades"]:
        assert book[("grade", grade["code"], "label")] == grade["label"]
        assert book[("grade", grade["code"], "standing")] == grade["standing"]
        assert book[("grade", grade["code"], "value")] == (
            "" if grade["value"] is None else str(grade["value"])
        )
    assert book[("grade", "dont_know", "standing")] == "abstain"
    for criterion in published["scheme"]["criteria"]:
        assert book[("criterion", criterion["code"], "name")] == criterion["name"]
    for kind, weight in published["scheme"]["groups"].items():
        assert book[("group", kind, "weight")] == weight
    assert book[("group", "township_panel", "en")] == "township panel"
    assert (
        book[("group", "township_panel", "zh-hans")]
        == published["codebook"]["groups"]["township_panel"]["zh-hans"]
    )
    for cadre in world.cadres:
        assert book[("cadre", str(cadre.pk), "name")] == cadre.name
    # The method: its version and every threshold it applied, k included.
    for key in (
        "version",
        "excellent_share",
        "incompetent_share",
        "min_graded",
        "k",
        "rounding",
        "verdict",
        "rank",
    ):
        assert book[("method", "", key)] == str(published["method"][key])
    # The village's division code kept as text: Excel would show 6.53E+11.
    assert book[("meeting", "", "village_code")] == '="653121100201"'
    assert book[("file", "counts.csv", "n")].startswith("how many ballots")

    page = download(client, "results", world.meeting).content.decode()
    assert reverse("ratings:codebook-csv", args=[world.meeting.pk]) in page
    assert published["codebook_sha256"] in page
    assert "which Excel shows as the text 007" in page
    assert (
        download(client, "codebook-csv", world.meeting, HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )


def test_codes_excel_would_turn_into_numbers_are_kept_as_text_in_every_csv(client, county):
    world = voted_world(county, VOTES, nominations=[[0], [0, 1]])
    admin = county.township_admin
    # Codes a township may well choose; slugs allow them. Renamed after the votes, before the count.
    Criterion.objects.filter(scheme=world.scheme, code="de").update(code="007")
    Grade.objects.filter(scheme=world.scheme, code="basically_satisfied").update(code="1-2")
    Household.objects.filter(pk=world.households[0].pk).update(number="0012")
    results_services.honor_candidates_collect(meeting=world.meeting, by=admin)
    for candidate in world.meeting.honor_candidates.all():
        results_services.honor_candidate_review(
            candidate=candidate, accept=True, award=FORMULA_LIKE_AWARD, by=admin
        )
    snapshot = results_services.results_compute(meeting=world.meeting, by=admin)
    certify(snapshot.meeting, by=admin)
    results_services.results_publish(snapshot=snapshot, by=admin)

    counts = download(client, "counts-csv", world.meeting).content
    raw = list(csv.reader(io.StringIO(counts.decode("utf-8-sig"))))
    assert {row[1] for row in raw[1:]} == {'="007"', "neng", "qin", "ji", "lian"}
    assert '="1-2"' in {row[3] for row in raw[1:]}
    codebook = read_codebook(download(client, "codebook-csv", world.meeting).content)
    assert codebook[("criterion", '="007"', "name")]
    # The recount reads them back exactly, and the box still gives what was published.
    published = json.loads(download(client, "results-json", world.meeting).content)
    assert "007" in published["codebook"]["criteria"]
    assert recount(counts, published, download(client, "receipts-txt", world.meeting).content) == []
    assert verify.recount_differences(ResultSnapshot.objects.get(pk=snapshot.pk)) == []
    assert codebook[("grade", '="1-2"', "standing")] == "pass"

    honor = client.get(reverse("ratings:honor-roll", args=[world.meeting.pk]), {"_export": "csv"}).content
    assert honor.startswith("\ufeff".encode())
    numbers = [row[1] for row in csv.reader(io.StringIO(honor.decode("utf-8-sig")))][1:]
    assert numbers == ['="0012"', "B2024-1"]
    # In a workbook a text cell stays text: no ="…" needed there.
    xlsx = client.get(reverse("ratings:honor-roll", args=[world.meeting.pk]), {"_export": "xlsx"}).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == ["0012", "B2024-1"]
    # An award typed as a formula stays the text typed: it does not run when the workbook opens.
    awards = [row[5] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in awards] == [(FORMULA_LIKE_AWARD, "s")] * 2


def published_before_the_spreadsheet_format(snapshot: ResultSnapshot) -> ResultSnapshot:
    """The snapshot as the portal stored it before: counts.csv without BOM, hashed so; no codebook.csv."""
    data = {
        key: value
        for key, value in snapshot.data.items()
        if key not in ("csv_for_spreadsheets", "codebook_sha256")
    }
    plain = opendata.counts_csv(data["counts"], for_spreadsheets=False)
    data["counts_sha256"] = opendata.sha256(plain)
    # Past the immutability guard on purpose: the row as the earlier version wrote it.
    QuerySet.update(ResultSnapshot.objects.filter(pk=snapshot.pk), data=data)
    snapshot.refresh_from_db()
    return snapshot


def test_results_published_before_keep_the_counts_file_their_digest_names(client, county):
    world, snapshot = published_world(county, VOTES)
    snapshot = published_before_the_spreadsheet_format(snapshot)

    counts = download(client, "counts-csv", world.meeting).content
    assert not counts.startswith("\ufeff".encode())
    assert hashlib.sha256(counts).hexdigest() == snapshot.data["counts_sha256"]
    published = json.loads(download(client, "results-json", world.meeting).content)
    receipts = download(client, "receipts-txt", world.meeting).content
    assert recount(counts, published, receipts) == []
    assert verify.recount_differences(snapshot) == []
    assert download(client, "codebook-csv", world.meeting).status_code == 404
    page = download(client, "results", world.meeting).content.decode()
    assert reverse("ratings:codebook-csv", args=[world.meeting.pk]) not in page
    assert "which Excel shows as the text 007" not in page
    assert reverse("ratings:counts-csv", args=[world.meeting.pk]) in page


def reversed_keys(value):
    """The same JSON with every object's keys in reverse order, as a database may give them back."""
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


def test_the_codebook_file_does_not_depend_on_the_order_the_database_gives_keys_back(county):
    _world, snapshot = published_world(county, VOTES)
    data = reversed_keys(snapshot.data)
    assert list(data["codebook"]["groups"]) != list(snapshot.data["codebook"]["groups"])
    assert opendata.sha256(opendata.codebook_csv(data)) == snapshot.data["codebook_sha256"]
