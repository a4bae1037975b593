"""docs/method.md as a villager meets it: the minimum of graded ballots, the verdict's share, the rank
rule and the rounding, on the results page, the notice, the exports and the two-years flag."""

import re

import pytest
from django.urls import reverse

from portal import settings as portal_settings
from tests.worlds import published_world, vote_again

pytestmark = pytest.mark.usefixtures("english", "english_pages")

# Cadre 0 graded by all twelve ballots; cadre 1 by three (the rest "don't know").
VOTES = [
    lambda cadre, _criterion, number=number: (
        ("satisfied" if number else "basically_satisfied")
        if cadre == 0
        else ("dissatisfied" if number < 3 else "dont_know")
    )
    for number in range(12)
]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_default_minimum_is_ten():
    assert portal_settings.RESULTS_MIN_GRADED_BALLOTS == 10


def test_a_cadre_graded_by_too_few_gets_not_enough_grades_everywhere(client, county, settings):
    settings.RESULTS_MIN_GRADED_BALLOTS = 10
    world, snapshot = published_world(county, VOTES)
    enough, few = snapshot.data["cadres"]
    assert (enough["verdict"], enough["rank"], enough["overall"]["graded_ballots"]) == ("excellent", 1, 12)
    # Three dissatisfied grades would have made it "incompetent": too few to decide it.
    assert (few["verdict"], few["rank"], few["overall"]["graded_ballots"]) == ("not_enough_grades", None, 3)
    assert snapshot.data["scheme"]["min_graded"] == snapshot.data["method"]["min_graded"] == 10

    page = text(client.get(reverse("ratings:results", args=[world.meeting.pk])))
    assert "Not enough grades" in page
    assert "A cadre graded by fewer than 10 ballots gets “not enough grades” and no rank." in page
    assert "a cadre needs at least 10 ballots that gave a grade" in page
    # (11 × 100 + 75) / 12 = 97.9167 on every criterion; all twelve satisfied or basically: 100%
    assert "Ballots that gave a grade 12" in page and "97.9167" in page
    rows = client.get(reverse("ratings:results", args=[world.meeting.pk]), {"_export": "csv"})
    lines = rows.content.decode().splitlines()
    assert lines[1].startswith("1,Cadre 0,") and lines[1].endswith(",1.0,Excellent")
    assert lines[2].startswith(",Cadre 1,") and lines[2].endswith(",Not enough grades")

    notice = text(client.get(reverse("ratings:results-notice", args=[world.meeting.pk])))
    assert "— Cadre 1" in notice and "Not enough grades" in notice
    assert "a cadre graded by fewer than 10 ballots gets “not enough grades” and no rank" in notice


def flags(snapshot) -> list[tuple[str, bool]]:
    return [(cadre["verdict"], cadre["incompetent_two_years"]) for cadre in snapshot.data["cadres"]]


def test_not_enough_grades_neither_starts_nor_continues_the_two_years_flag(county, settings):
    admin, operator = county.township_admin, county.operator
    # 2022: six dissatisfied ballots, too few for a verdict under a minimum of 10.
    settings.RESULTS_MIN_GRADED_BALLOTS = 10
    world, first = published_world(county, ["dissatisfied"] * 6, year=2022)
    assert flags(first) == [("not_enough_grades", False)] * 2
    # 2023: the minimum lowered, the same six ballots: incompetent, but the year before had no verdict.
    settings.RESULTS_MIN_GRADED_BALLOTS = 6
    second = vote_again(world, 2023, "dissatisfied", admin=admin, operator=operator)
    assert flags(second) == [("incompetent", False)] * 2
    # 2024: under 10 again: not enough grades, so no flag although 2023 was incompetent.
    settings.RESULTS_MIN_GRADED_BALLOTS = 10
    third = vote_again(world, 2024, "dissatisfied", admin=admin, operator=operator)
    assert flags(third) == [("not_enough_grades", False)] * 2
    # With enough grades both years the flag is raised, as before.
    settings.RESULTS_MIN_GRADED_BALLOTS = 6
    fourth = vote_again(world, 2025, "dissatisfied", admin=admin, operator=operator)
    assert flags(fourth) == [("incompetent", False)] * 2
    fifth = vote_again(world, 2026, "dissatisfied", admin=admin, operator=operator)
    assert flags(fifth) == [("incompetent", True)] * 2
