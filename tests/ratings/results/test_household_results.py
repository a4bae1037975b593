"""Households' evaluations in the results: from the ballots through the close, the results document,
publication and the proposal's status; the threshold at and just above, abstentions, the k rule on a
small meeting; the open data (evaluations.csv, the codebook) and the recount of every household figure
from it alone."""

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from ratings.models import BallotEvaluation, HouseholdProposal
from ratings.recount import recount
from ratings.results.verify import recount_differences
from tests.worlds import agenda_of, published_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

ROOT = Path(__file__).resolve().parents[3]
Kind = HouseholdProposal.Kind
Status = HouseholdProposal.Status
FILES = {
    "counts-csv": "counts.csv",
    "results-json": "results.json",
    "receipts-txt": "receipts.txt",
    "codebook-csv": "codebook.csv",
    "evaluations-csv": "evaluations.csv",
}
# Six ballots on three households, in agenda order: the first exit passes with 4 of 6 (more than half);
# the second has 3 of 6 with 3 abstentions, exactly half: not more, so it fails; the monitoring entry,
# set to pass with more than 2 of 3, has 4 of 6: exactly two thirds, it fails too.
ANSWERS = [
    ("agree", "agree", "agree"),
    ("agree", "agree", "agree"),
    ("agree", "agree", "agree"),
    ("agree", "abstain", "agree"),
    ("disagree", "abstain", "disagree"),
    ("abstain", "abstain", "disagree"),
]
AGENDA = (
    (0, Kind.POVERTY_EXIT, {}),
    (1, Kind.POVERTY_EXIT, {}),
    (
        2,
        Kind.MONITORING_ENTRY,
        {
            "category": HouseholdProposal.Category.HARDSHIP,
            "threshold_numerator": 2,
            "threshold_denominator": 3,
        },
    ),
)


def publish(county, answers):
    world, snapshot = published_world(
        county, ["satisfied"] * len(answers), agenda=agenda_of(county, *AGENDA), evaluations=answers
    )
    proposals = list(HouseholdProposal.objects.on_agenda_of(world.meeting).order_by("pk"))
    return world, snapshot, proposals


@pytest.fixture
def published(county):
    return publish(county, ANSWERS)


def test_the_results_state_each_household_count_and_outcome(published):
    _world, snapshot, (passed, at_half, at_two_thirds) = published

    households = {row["id"]: row for row in snapshot.data["households"]}

    assert households[passed.pk] | {"head": ""} == {
        "id": passed.pk,
        "head": "",
        "kind": "poverty_exit",
        "category": "",
        "star": "",
        "threshold": {"numerator": 1, "denominator": 2},
        "ballots": 6,
        "agree": 4,
        "disagree": 1,
        "abstain": 1,
        "passed": True,
    }
    assert (households[at_half.pk]["agree"], households[at_half.pk]["abstain"]) == (3, 3)
    assert households[at_half.pk]["passed"] is False
    assert households[at_two_thirds.pk]["threshold"] == {"numerator": 2, "denominator": 3}
    assert (households[at_two_thirds.pk]["agree"], households[at_two_thirds.pk]["passed"]) == (4, False)


def test_publication_records_each_outcome_and_starts_the_notice(published):
    _world, snapshot, proposals = published
    passed, at_half, at_two_thirds = (HouseholdProposal.objects.get(pk=p.pk) for p in proposals)
    today = timezone.localdate(snapshot.published_at)

    assert passed.status == Status.UNDER_NOTICE
    assert (passed.agree, passed.disagree, passed.abstain, passed.ballots) == (4, 1, 1, 6)
    assert passed.notice_starts == today
    assert (passed.notice_ends - today).days == passed.notice_days - 1 == 6  # 7 days for an exit
    assert at_half.status == Status.FAILED and at_half.ballots == 6
    assert at_two_thirds.status == Status.FAILED
    assert passed.history.filter(status=Status.UNDER_NOTICE).exists()


def test_just_above_two_thirds_passes(county):
    answers = [*ANSWERS[:4], ("disagree", "abstain", "agree"), ANSWERS[5]]  # 5 of 6 on the entry

    _world, snapshot, proposals = publish(county, answers)

    entry = HouseholdProposal.objects.get(pk=proposals[2].pk)
    assert Fraction(entry.agree, entry.ballots) > Fraction(2, 3)
    assert entry.status == Status.UNDER_NOTICE
    assert (entry.notice_ends - entry.notice_starts).days == 4  # 5 days for a monitoring entry


def test_below_k_the_counts_are_withheld_and_the_outcomes_stated(client, county):
    world, snapshot, proposals = publish(county, ANSWERS[:3])  # 3 ballots, k is 5

    households = snapshot.data["households"]
    assert [(row["agree"], row["disagree"], row["abstain"]) for row in households] == [(None, None, None)] * 3
    assert [row["ballots"] for row in households] == [3] * 3
    assert [row["passed"] for row in households] == [True] * 3
    assert HouseholdProposal.objects.get(pk=proposals[0].pk).status == Status.UNDER_NOTICE
    csv_file = client.get(reverse("ratings:evaluations-csv", args=[world.meeting.pk])).content
    assert csv_file.decode("utf-8-sig") == "proposal,answer,n\n"
    page = client.get(reverse("ratings:results", args=[world.meeting.pk])).content.decode()
    assert "how many agreed is not published" in page
    assert page.count("text-bg-success") == 3


def test_the_results_page_lists_the_households(client, published):
    world, _snapshot, _proposals = published

    page = client.get(reverse("ratings:results", args=[world.meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()

    assert "Ahmat Tursun" in html and "Tursun Niyaz" in html
    assert "more than 2 of 3 agree" in html
    assert html.count("not passed</span>") == 2
    assert "evaluations.csv" in html
    # The facts of the ballot beyond the decision are not published.
    assert "Greenhouse vegetables" not in html and "9800" not in html


@pytest.fixture
def open_data(client, published, tmp_path):
    world, _snapshot, _proposals = published
    for name, file_name in FILES.items():
        response = client.get(reverse(f"ratings:{name}", args=[world.meeting.pk]))
        assert response.status_code == 200, name
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


def test_the_household_results_recount_from_the_open_data(open_data):
    results = json.loads((open_data / "results.json").read_text())
    book = results["codebook"]
    assert set(book["answers"]) == {"agree", "disagree", "abstain"}
    assert {household["threshold"] for household in book["households"].values()} == {"1/2", "2/3"}
    assert "evaluations.csv" in book["files"]

    ran = run_recount(open_data, *FILES.values())

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "evaluations.csv" in ran.stdout


def test_a_tampered_household_figure_fails_the_recount(open_data):
    results = json.loads((open_data / "results.json").read_text())
    files = {name: (open_data / name).read_bytes() for name in ("counts.csv", "evaluations.csv")}
    first = results["households"][0]

    turned = json.loads(json.dumps(results))
    turned["households"][1]["passed"] = True
    assert any(
        "outcome recounts to passed=False" in problem for problem in recount(files["counts.csv"], turned)
    )

    moved = json.loads(json.dumps(results))
    moved["households"][0] |= {"agree": first["agree"] - 1, "disagree": first["disagree"] + 1}
    problems = recount(files["counts.csv"], moved, evaluations_file=files["evaluations.csv"])
    assert any(f"evaluations.csv household {first['id']} agree" in problem for problem in problems)

    forged = files["evaluations.csv"].replace(
        f"{first['id']},agree,4".encode(), f"{first['id']},agree,5".encode()
    )
    assert forged != files["evaluations.csv"]
    (open_data / "evaluations.csv").write_bytes(forged)
    ran = run_recount(open_data, "counts.csv", "results.json", "evaluations.csv")
    assert ran.returncode == 1
    assert "evaluations.csv has SHA-256" in ran.stdout
    assert f"evaluations.csv household {first['id']} agree: 5, results.json says 4" in ran.stdout


def test_verify_results_finds_an_answer_changed_in_the_box(published):
    world, snapshot, (passed, _at_half, _at_two_thirds) = published
    assert recount_differences(snapshot) == []
    answer = BallotEvaluation.objects.filter(proposal=passed, answer="agree").first()

    BallotEvaluation.objects.filter(pk=answer.pk).update(answer="disagree")

    problems = recount_differences(snapshot)
    assert any("the ballots on the server have SHA-256" in problem for problem in problems)
    assert any(
        f"the counts kept at the close say 4 for household {passed.pk} agree, the box holds 3" in problem
        for problem in problems
    )
    assert any(f"household {passed.pk}: published" in problem for problem in problems)


def test_the_staff_review_shows_each_household_outcome(client, county, published):
    world, _snapshot, _proposals = published
    client.force_login(county.township_admin)

    html = client.get(reverse("ratings:staff-results", args=[world.meeting.pk])).content.decode()

    assert "households-outcomes" in html
    assert "Ahmat Tursun" in html and "Tursun Niyaz" in html
