"""The township's side of the visit log: its policies and visit requirement, the visits households say
did not happen, and the counts of visits per cadre."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import (
    HouseholdProblem,
    MeasureKind,
    Meeting,
    Pairing,
    Policy,
    Visit,
    VisitRequirement,
    WorkReport,
)
from meetings.visits import counts, services
from portal.models import AuditEntry, Role
from portal.services.roles import role_grant
from ratings.models import RatingScheme
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def test_the_township_keeps_its_list_of_policies_and_its_requirement(client, county, vw):
    client.force_login(county.township_admin)
    url = reverse("meetings:visit-policies", args=[county.township.code])
    assert (
        client.post(url, {"add": "", "name": "Medical insurance subsidy", "active": "on"}).status_code == 302
    )
    added = Policy.objects.get(name="Medical insurance subsidy")
    assert added.active and added.township == county.township
    assert client.post(url, {"add": "", "name": "Medical insurance subsidy"}).status_code == 400  # twice
    client.post(url, {"toggle": added.pk})
    added.refresh_from_db()
    assert not added.active
    assert client.post(url, {"requirement": "", "visits_per_month": "4"}).status_code == 302
    assert VisitRequirement.objects.get(township=county.township).visits_per_month == 4
    assert client.post(url, {"requirement": "", "visits_per_month": "0"}).status_code == 400
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"visit_policy_add", "visit_policy_change", "visit_requirement_set"} <= actions
    # The offered list is what the visit form shows.
    client.force_login(county.cadre)
    form = client.get(reverse("meetings:visit-new")).content.decode()
    assert "Minimum living allowance" in form and "Medical insurance subsidy" not in form


def test_the_township_keeps_its_list_of_measures_on_the_same_page(client, county, vw):
    client.force_login(county.township_admin)
    url = reverse("meetings:visit-policies", args=[county.township.code])
    # Reading the page writes nothing; its first save writes the usual seven.
    assert "Add a measure" in client.get(url).content.decode()
    assert not MeasureKind.objects.exists()
    added = {
        "add_kind": "",
        "kind-name": "Solar panels",
        "kind-name_ug": "قۇياش تاختىسى",
        "kind-active": "on",
    }
    assert client.post(url, added).status_code == 302
    kinds = MeasureKind.objects.of_township(county.township)
    assert kinds.count() == 8 and not MeasureKind.objects.filter(township=county.elsewhere.township).exists()
    assert client.post(url, added).status_code == 400  # twice
    assert client.post(url, added | {"kind-name": " "}).status_code == 400
    housing = kinds.get(name="住房保障")
    client.post(url, {"toggle_kind": housing.pk})
    housing.refresh_from_db()
    assert not housing.active
    client.post(url, {"toggle_kind": housing.pk})
    housing.refresh_from_db()
    assert housing.active
    # Another township's kind is not toggled from this page.
    elsewhere = MeasureKind.objects.create(township=county.elsewhere.township, name="Elsewhere")
    client.post(url, {"toggle_kind": elsewhere.pk})
    elsewhere.refresh_from_db()
    assert elsewhere.active
    page = client.get(url).content.decode()
    assert "Solar panels" in page and "قۇياش تاختىسى" in page
    audited = list(
        AuditEntry.objects.filter(action__startswith="measure_kind_").values_list("action", flat=True)
    )
    assert sorted(audited) == ["measure_kind_add", "measure_kind_change", "measure_kind_change"]


def test_only_the_townships_administrators_keep_its_list(client, county, vw):
    client.force_login(county.township_admin)
    assert client.get(reverse("meetings:visit-policies", args=["653121200"])).status_code == 404
    client.force_login(county.moderator)
    assert client.get(reverse("meetings:visit-policies", args=[county.township.code])).status_code == 404


def record(vw, by, day, household=None, cadre=None, **more):
    visit, _created = services.visit_record(
        cadre=cadre or vw.cadre, household=household or vw.household, date=day, met="Someone", by=by, **more
    )
    return visit


def test_the_frequency_table_shows_a_cadre_below_the_requirement(client, county, vw):
    """Requirement 2 a month: Alim (one household) made 2 visits, Gulnar (two households) made 1 of 4."""
    gulnar_account = UserFactory(username="gulnar")
    role_grant(user=gulnar_account, role=Role.CADRE, village=county.village, by=county.superuser)
    vw.other_cadre.user = gulnar_account
    vw.other_cadre.save()
    today = timezone.localdate()
    first = today.replace(day=1)
    for household in (vw.household, vw.unpaired):
        Pairing.objects.create(
            cadre=vw.other_cadre, household=household, start=first - datetime.timedelta(days=60)
        )
    record(vw, county.cadre, first)
    record(vw, county.cadre, today)
    record(vw, gulnar_account, today, household=vw.unpaired, cadre=vw.other_cadre)
    disputed = record(vw, gulnar_account, first, household=vw.household, cadre=vw.other_cadre)
    Visit.objects.filter(pk=disputed.pk).update(disputed_at=timezone.now())  # not counted

    rows = {row.cadre.name: row for row in counts.frequency_table(county.township, counts.Month.of(None))}
    assert (rows["Alim Secretary"].required, rows["Alim Secretary"].made, rows["Alim Secretary"].below) == (
        2,
        2,
        False,
    )
    assert (rows["Gulnar Member"].households, rows["Gulnar Member"].required, rows["Gulnar Member"].made) == (
        2,
        4,
        1,
    )
    assert rows["Gulnar Member"].below

    client.force_login(county.township_admin)
    url = reverse("meetings:visit-counts", args=[county.township.code])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    below = re.findall(r'<tr class="table-danger below">\s*<td>[^<]*</td><td>([^<]*)</td>', html)
    assert below == ["Gulnar Member"]
    assert "<svg" in html and "1/4" in html and "2/2" in html and "style=" not in html.split("<svg", 1)[1]
    csv = client.get(url, {"format": "csv", "month": f"{today:%Y-%m}"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[1:5] for line in lines[1:]] == [
        ["Alim Secretary", "1", "2", "2"],
        ["Gulnar Member", "2", "4", "1"],
    ]
    assert lines[1].split(",")[5] != lines[2].split(",")[5]  # no, yes
    # A month before any pairing: nobody.
    assert "No cadre was paired" in client.get(url, {"month": "2001-01"}).content.decode()
    assert client.get(url, {"month": "garbage"}).status_code == 200
    # Another township's counts, and any township's for a moderator: no such page.
    assert client.get(reverse("meetings:visit-counts", args=["653121200"])).status_code == 404
    client.force_login(county.moderator)
    assert client.get(url).status_code == 404


def test_problems_open_for_long_are_listed(client, county, vw):
    old = timezone.localdate() - datetime.timedelta(days=45)
    record(vw, county.cadre, old, problems_raised="Well water is salty")
    record(vw, county.cadre, timezone.localdate(), problems_raised="New: fence broken")
    client.force_login(county.township_admin)
    html = client.get(reverse("meetings:visit-counts", args=[county.township.code])).content.decode()
    table = html.split('class="table align-middle open-for-long"', 1)[1]
    assert "Well water is salty" in table and "fence broken" not in table


def test_the_work_report_counts_the_year_from_the_log(client, county, vw):
    """The report of the cadre's meeting year shows visits made, problems solved and households helped;
    the figures are not fields of the report and the cadre cannot change them."""
    today = timezone.localdate()
    Pairing.objects.create(cadre=vw.cadre, household=vw.unpaired, start=vw.pairing.start)
    record(vw, county.cadre, today, problems_raised="Roof leaks")
    roof = HouseholdProblem.objects.get()
    record(vw, county.cadre, today, problems_solved=[roof], solution="Mended")
    record(vw, county.cadre, today, household=vw.unpaired)
    meeting = Meeting.objects.create(
        village=county.village,
        year=today.year,
        held_at=timezone.now(),
        venue="Hall",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        scheme=RatingScheme.objects.create(name="Scheme"),
    )
    report = WorkReport.objects.create(meeting=meeting, cadre=vw.cadre, status=WorkReport.Status.PUBLISHED)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ANNOUNCED)
    assert counts.year_figures(vw.cadre, today.year) == counts.YearFigures(today.year, 3, 1, 2)
    public = client.get(reverse("meetings:report", args=[report.pk])).content.decode()
    assert re.search(r'class="col-4 visits-made">3<', public)
    assert re.search(r'class="col-4 problems-solved">1<', public)
    assert re.search(r'class="col-4 households-helped">2<', public)
    client.force_login(county.cadre)
    editor = client.get(reverse("meetings:report-edit", args=[report.pk])).content.decode()
    assert re.search(r'class="col-4 visits-made">3<', editor)
    assert "visits_made" not in editor  # no field to edit


def test_a_county_officer_reads_the_townships_visits_but_pairs_nobody(client, county, vw):
    officer = UserFactory(username="county-officer")
    role_grant(user=officer, role=Role.COUNTY_OFFICER, township=county.township, by=county.superuser)
    client.force_login(officer)
    assert client.get(reverse("meetings:visit-counts", args=[county.township.code])).status_code == 200
    index = client.get(reverse("meetings:visits-staff")).content.decode()
    assert reverse("meetings:visit-counts", args=[county.township.code]) in index
    assert reverse("meetings:visit-policies", args=[county.township.code]) not in index
    assert client.get(reverse("meetings:visit-policies", args=[county.township.code])).status_code == 404
    assert client.get(reverse("meetings:visit-pairings", args=[county.village.code])).status_code == 404
    # Another township's figures are not the officer's.
    assert (
        client.get(reverse("meetings:visit-counts", args=[county.elsewhere.township.code])).status_code == 404
    )
    assert reverse("meetings:visits-staff") in client.get(reverse("staff:dashboard")).content.decode()
