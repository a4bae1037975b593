"""Nothing published lets anyone prove how one person voted (issue 10).

Ballots are cast through the real kiosk over HTTP, the results published, and every public page and
file of the meeting downloaded: the results page, results.json, counts.csv, receipts.txt, the notice,
the honor roll, the ranking exports (CSV and XLSX), the village and township rankings and each cadre's
history. No record of any of them holds a receipt together with a grade.

Then the small groups: a 3-member township panel in a bigger meeting, and a meeting of 3 ballots. The
strongest check that nothing can be solved for the small group: change how it voted in the database
(keeping, for the panel, the pooled histograms), and every public page and file stays byte for byte
the same, and so does a fresh count of the results document. Whatever one tries to solve from the
published figures, they do not depend on how the small group voted.
"""

import io
import json
import re

import openpyxl
import pytest
from django.urls import reverse

from meetings import services as meeting_services
from portal.models import CadrePost
from ratings import aggregation
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import Ballot, BallotGrade, VoterGroup
from ratings.results import services as results_services
from ratings.results import tally, verify
from tests.worlds import build_kiosk_world, certify, print_panel_codes, published_world

pytestmark = pytest.mark.usefixtures("english_pages")
SCALE = ("satisfied", "basically_satisfied", "dissatisfied", "dont_know")
EXPORTS = ("csv", "xlsx")


def kiosk(name: str, *args) -> str:
    return reverse(f"ratings:{name}", args=args)


def cast_at_the_kiosk(client, world, code: str, grade_of, households=()) -> None:
    """One villager's whole path on the terminal: the code, the ballot page, the whole ballot cast once."""
    entered = client.post(kiosk("kiosk-code"), {"code": code, "language": "en", "text_size": "normal"})
    assert entered.status_code == 302
    assert client.get(kiosk("kiosk-ballot")).status_code == 200
    data = {
        f"grade-{cadre.pk}-{criterion.pk}": world.grades[grade_of(position, criterion.code)].pk
        for position, cadre in enumerate(world.cadres)
        for criterion in world.criteria
    }
    cast = client.post(kiosk("kiosk-cast"), {**data, "household": [household.pk for household in households]})
    assert cast.status_code == 302 and cast.url == kiosk("kiosk-receipt"), cast.content.decode()[:500]
    assert client.get(kiosk("kiosk-receipt")).status_code == 200


def villager_vote(number: int):
    return lambda cadre, criterion: SCALE[(number + cadre + len(criterion)) % len(SCALE)]


def panel_vote(number: int):
    return lambda cadre, criterion: ("dissatisfied", "satisfied", "basically_satisfied")[number % 3]


@pytest.fixture
def kiosk_meeting(client, county):
    """Eight villagers and a 3-member township panel vote at the kiosk; published, with an honor roll."""
    world = build_kiosk_world(county, cadres=2, codes=0, residents=8)
    client.cookies[TERMINAL_COOKIE] = world.token
    for number, code in enumerate(world.resident_codes):
        cast_at_the_kiosk(client, world, code, villager_vote(number), world.households[: number % 3])
    panel = print_panel_codes(world.meeting, 3, world.operator)
    for number, code in enumerate(panel):
        cast_at_the_kiosk(client, world, code, panel_vote(number))
    client.cookies.pop(TERMINAL_COOKIE)
    admin = county.township_admin
    world.meeting = meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    results_services.honor_candidates_collect(meeting=world.meeting, by=admin)
    for candidate in world.meeting.honor_candidates.all():
        results_services.honor_candidate_review(
            candidate=candidate, accept=True, award="Certificate", by=admin
        )
    draft = results_services.results_compute(meeting=world.meeting, by=admin)
    certify(draft.meeting, by=admin)
    snapshot = results_services.results_publish(snapshot=draft, by=admin)
    return world, snapshot


def public_files(client, world, county) -> dict[str, bytes]:
    """Every public page and file of the meeting, by a name saying where it came from."""
    meeting = world.meeting
    year = {"year": meeting.year}
    pages = {
        "results": kiosk("results", meeting.pk),
        "results.json": kiosk("results-json", meeting.pk),
        "counts.csv": kiosk("counts-csv", meeting.pk),
        "receipts.txt": kiosk("receipts-txt", meeting.pk),
        "codebook.csv": kiosk("codebook-csv", meeting.pk),
        "notice": kiosk("results-notice", meeting.pk),
        "honor roll": kiosk("honor-roll", meeting.pk),
        "meeting page": meeting.get_absolute_url(),
        "village ranking": reverse("ratings:village-ranking", args=[meeting.village.code]),
        "township ranking": reverse("ratings:township-ranking", args=[county.township.pk]),
    }
    for cadre in world.cadres:
        pages[f"history of {cadre.pk}"] = reverse("ratings:cadre-history", args=[cadre.pk])
    downloads = {}
    for name, path in pages.items():
        query = dict(year) if "ranking" in name else {}
        if name == "township ranking":
            query["post"] = CadrePost.Post.PARTY_SECRETARY
        response = client.get(path, query)
        assert response.status_code == 200, (name, response.status_code)
        downloads[name] = response.content
        if name in ("results", "honor roll", "village ranking", "township ranking") or name.startswith(
            "history"
        ):
            for export in EXPORTS:
                exported = client.get(path, {**query, "_export": export})
                assert exported.status_code == 200, (name, export)
                downloads[f"{name}.{export}"] = exported.content
    return downloads


def records(name: str, content: bytes) -> list[str]:
    """The records of a download: the rows of a spreadsheet or of a text file, the text of a page, the
    objects of a JSON document (each object with what it holds)."""
    if name.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return [
            " ".join(str(cell) for cell in row if cell is not None)
            for row in sheet.iter_rows(values_only=True)
        ]
    if name.endswith(".json"):
        found = []

        def walk(value):
            if isinstance(value, dict | list):
                found.append(json.dumps(value, ensure_ascii=False))
                for item in value.values() if isinstance(value, dict) else value:
                    walk(item)

        walk(json.loads(content))
        return found
    if name.endswith((".csv", ".txt")):
        return content.decode("utf-8").splitlines()
    return [content.decode("utf-8")]


CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def comparable(downloads: dict[str, bytes]) -> dict:
    """The downloads as a reader sees them: byte for byte, but a spreadsheet by its cells (an XLSX file
    carries the time it was written) and a page without the CSRF token of its forms (masked afresh on
    every response)."""
    return {
        name: records(name, content)
        if name.endswith(".xlsx")
        else CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken"', content)
        for name, content in downloads.items()
    }


def test_no_public_record_holds_a_receipt_with_a_grade(client, county, kiosk_meeting):
    world, snapshot = kiosk_meeting
    receipts = set(Ballot.objects.filter(meeting=world.meeting).values_list("receipt", flat=True))
    assert len(receipts) == 11 == snapshot.ballots
    grade_words = {code for code in SCALE} | {
        "Satisfied",
        "Basically satisfied",
        "Dissatisfied",
        "Don't know",
    }

    downloads = public_files(client, world, county)

    where = {}
    for name, content in downloads.items():
        for record in records(name, content):
            held = {receipt for receipt in receipts if receipt in record}
            if held:
                where.setdefault(name, set()).update(held)
                assert not any(word in record for word in grade_words), (name, record[:200])
    # The receipts are published in one place, each alone on its line: that is all a receipt proves.
    assert where == {"receipts.txt": receipts}
    assert downloads["receipts.txt"].decode().splitlines() == sorted(receipts)
    # The figures were published (the check above is not vacuous): the page shows grades.
    assert "Satisfied" in downloads["results"].decode() and b"basically_satisfied" in downloads["counts.csv"]


def test_the_panel_of_three_cannot_be_solved_for(client, county, kiosk_meeting):
    world, snapshot = kiosk_meeting
    data = snapshot.data
    assert data["turnout"]["by_group"] == {"township_panel": 3, "villager": 8}
    assert data["disclosure"]["pooled"] == {"township_panel": "villager"}
    assert data["disclosure"]["ballots_by_group"] == {"villager": 11}
    assert {row[2] for row in data["counts"]} == {"villager"}
    before = comparable(public_files(client, world, county))
    raw_before = tally.box_counts(world.meeting)

    # Swap one line between a panel ballot and a villager ballot that graded it differently: the
    # pooled histograms stay the same, the panel's own do not.
    cadre, criterion = world.cadres[0], world.criteria[0]
    line = BallotGrade.objects.filter(ballot__meeting=world.meeting, cadre=cadre, criterion=criterion)
    panel = line.filter(ballot__group__kind=VoterGroup.Kind.TOWNSHIP_PANEL).first()
    villager = line.filter(ballot__group__kind=VoterGroup.Kind.VILLAGER).exclude(grade=panel.grade_id).first()
    BallotGrade.objects.filter(pk=panel.pk).update(grade=villager.grade_id)
    BallotGrade.objects.filter(pk=villager.pk).update(grade=panel.grade_id)
    raw_after = tally.box_counts(world.meeting)
    assert raw_after != raw_before
    # Weighted apart, as before the rule, the panel's vote would show in the score.
    spec = tally.scheme_spec(world.scheme)
    apart = [
        aggregation.tally(raw, spec, [cadre.pk])[cadre.pk].overall.score for raw in (raw_before, raw_after)
    ]
    assert apart[0] != apart[1]

    fresh = tally.results_document(world.meeting)
    assert json.dumps(fresh, sort_keys=True) == json.dumps(data, sort_keys=True)
    assert comparable(public_files(client, world, county)) == before
    # Only what the server keeps tells the box changed: the seal of its ballot file, and the
    # histograms of each group kept at the close.
    problems = verify.recount_differences(snapshot)
    assert "the ballots on the server have SHA-256" in problems[0]
    assert problems[1:] and all("the counts kept at the close say" in problem for problem in problems[1:])


def test_a_meeting_of_three_ballots_publishes_nothing_to_solve(client, county):
    world, snapshot = published_world(
        county, ["satisfied", "dissatisfied", "basically_satisfied"], nominations=[[0], [0, 1]]
    )
    data = snapshot.data
    assert data["disclosure"]["figures_shown"] is False
    assert data["counts"] == [] and data["nominations"] is None
    # The honor roll keeps its households and awards, not how many of the three ballots named each.
    assert [(row["votes"], row["rank"]) for row in data["honor_roll"]] == [(None, None), (None, None)]
    before = comparable(public_files(client, world, county))
    assert before["counts.csv"] == "\ufeffcadre,criterion,group,grade,n\n".encode()
    assert "Only 3 ballots were cast, fewer than 5." in re.sub(r"\s+", " ", before["results"].decode())
    # No score, histogram, verdict or rank of any cadre: not in the files, not on the pages.
    published = json.loads(before["results.json"])
    assert all(
        cadre[key] is None
        for cadre in published["cadres"]
        for key in ("criteria", "overall", "groups", "verdict", "rank")
    )
    for name in (
        "results",
        "notice",
        "village ranking",
        f"history of {world.cadres[0].pk}",
    ):
        text = before[name].decode()
        assert "Overall score" not in text and "Satisfied:" not in text and "Verdict" not in text, name

    assert before["village ranking.csv"].decode("utf-8-sig").splitlines() == [
        "Rank,Cadre,Post,Overall score,Satisfaction,Median grade,Satisfied share the verdict used,Verdict"
    ]

    # Change every grade of one ballot: nothing published moves.
    ballot = Ballot.objects.filter(meeting=world.meeting).first()
    BallotGrade.objects.filter(ballot=ballot).update(grade=world.grades["dissatisfied"])
    BallotGrade.objects.filter(ballot=ballot, cadre=world.cadres[0]).update(grade=world.grades["satisfied"])
    assert json.dumps(tally.results_document(world.meeting), sort_keys=True) == json.dumps(
        data, sort_keys=True
    )
    assert comparable(public_files(client, world, county)) == before
