"""The demo's visit log: a year of visits in the first village."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from meetings.models import HouseholdProblem, RiskFlag, Visit
from meetings.visits import counts
from portal import demo as portal_demo
from portal.models import Village


@pytest.fixture
def demo(seeded_once, db):
    pass


def test_the_first_village_has_a_year_of_visits(demo):
    first = Village.objects.get(code=portal_demo.VILLAGES[0].code)
    visits = Visit.objects.filter(household__village=first)
    span = visits.aggregate(first=Min("date"), last=Max("date"))
    assert span["last"] - span["first"] > datetime.timedelta(days=330)
    assert span["last"] <= timezone.localdate()
    assert not Visit.objects.exclude(household__village=first).exists()
    assert visits.filter(policies__isnull=False).exists()
    problems = HouseholdProblem.objects.filter(household__village=first)
    assert problems.solved().exists() and problems.open().exists()
    assert counts.open_for_long(first.township).exists()
    # The township's table has cadres on time and cadres below the requirement.
    last_month = counts.Month.of(None).previous
    rows = counts.frequency_table(first.township, last_month)
    assert any(row.below for row in rows) and not all(row.below for row in rows)
    # The demo's cadre (the first village's secretary) has figures for the year on the report.
    secretary = first.cadres.get(user__username="cadre")
    assert counts.year_figures(secretary, timezone.localdate().year).visits > 0


def test_the_demo_has_a_household_at_risk_with_two_measures_one_done(demo):
    flag = RiskFlag.objects.get()
    assert flag.status == "open" and flag.visit.household == flag.household
    assert flag.household.village.code == portal_demo.VILLAGES[0].code
    measures = list(flag.measures.all())
    assert len(measures) == 2 and sum(measure.done_at is not None for measure in measures) == 1
    assert flag.follow_up_visits().exists()


def test_seeding_again_adds_no_visit(demo):
    before = Visit.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Visit.objects.count() == before
    assert RiskFlag.objects.count() == 1
