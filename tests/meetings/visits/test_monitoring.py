"""The monitoring of households at risk: a visit flags a risk, measures answer it, the township sees
the households at risk without a recent visit and the measures overdue."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from meetings.models import Measure, MeasureKind, Pairing, RiskFlag, Visit
from meetings.monitoring import services
from meetings.visits import counts
from meetings.visits import services as visit_services
from portal.models import AuditEntry
from tests.factories import CadreFactory, HouseholdFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def visit(vw, by, days_ago=0, household=None):
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    made, _created = visit_services.visit_record(
        cadre=vw.cadre, household=household or vw.household, date=day, met="The head", by=by
    )
    return made


def flag(vw, county, days_ago=0, household=None, **more):
    values = {"category": "marginal", "risk": "illness", "note": "The father fell ill."} | more
    return services.flag_raise(visit=visit(vw, county.cadre, days_ago, household), by=county.cadre, **values)


def neighbours_flag(county, vw) -> RiskFlag:
    """A flag of the neighbouring village's household, raised by its own cadre."""
    cadre = CadreFactory(village=county.neighbour)
    seen = Visit.objects.create(household=vw.neighbours, cadre=cadre, date=timezone.localdate(), met="x")
    return RiskFlag.objects.create(
        household=vw.neighbours, visit=seen, category="hardship", risk="accident", raised_by=cadre
    )


def test_the_paired_cadre_flags_a_household_at_risk_from_a_visit(client, county, vw):
    seen = visit(vw, county.cadre)
    client.force_login(county.cadre)
    url = reverse("meetings:risk-flag-new", args=[seen.pk])
    assert url in client.get(reverse("meetings:my-households")).content.decode()
    assert client.post(url, {"category": "nonsense", "risk": "illness"}).status_code == 400
    response = client.post(url, {"category": "unstable", "risk": "income_drop", "note": "Lost the job."})
    made = RiskFlag.objects.get()
    assert response.status_code == 302 and response["Location"] == made.get_absolute_url()
    assert (made.household, made.visit, made.raised_by) == (vw.household, seen, vw.cadre)
    assert (made.category, made.risk, made.status) == ("unstable", "income_drop", "open")
    assert AuditEntry.objects.filter(action="risk_flag_raise").exists()
    page = client.get(made.get_absolute_url()).content.decode()
    assert "income drop" in page and "Lost the job." in page
    # Listed among the cadre's households at risk.
    assert made.get_absolute_url() in client.get(reverse("meetings:my-households")).content.decode()


def test_only_the_cadre_who_made_the_visit_flags_from_it(client, county, vw):
    seen = visit(vw, county.cadre)
    url = reverse("meetings:risk-flag-new", args=[seen.pk])
    for user in (county.township_admin, county.moderator, county.nobody):
        client.force_login(user)
        assert client.post(url, {"category": "marginal", "risk": "illness"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.flag_raise(visit=seen, category="marginal", risk="illness", by=county.township_admin)
    # A cadre no longer paired with the household flags nothing from an old visit.
    Pairing.objects.filter(pk=vw.pairing.pk).update(end=timezone.localdate() - datetime.timedelta(days=1))
    old = Visit.objects.create(
        household=vw.household,
        cadre=vw.cadre,
        date=timezone.localdate() - datetime.timedelta(days=3),
        met="x",
    )
    with pytest.raises(PermissionDenied):
        services.flag_raise(visit=old, category="marginal", risk="illness", by=county.cadre)
    assert not RiskFlag.objects.exists()


def test_another_villages_flag_is_a_404(client, county, vw):
    other = neighbours_flag(county, vw)
    for user in (county.moderator, county.cadre, county.nobody):
        client.force_login(user)
        assert client.get(other.get_absolute_url()).status_code == 404
        assert client.post(reverse("meetings:risk-flag-close", args=[other.pk])).status_code == 404
    client.force_login(county.township_admin)  # the township's: both villages
    assert client.get(other.get_absolute_url()).status_code == 200


def kinds(township) -> dict[str, MeasureKind]:
    """The township's list of measures, started with the usual ones."""
    visit_services.measure_kinds_start(township)
    return {kind.name: kind for kind in MeasureKind.objects.of_township(township)}


def test_the_township_assigns_measures_and_the_owner_marks_them_done(client, county, vw):
    risk = flag(vw, county)
    medical = kinds(county.township)["医疗救助"]
    due = timezone.localdate() + datetime.timedelta(days=14)
    assign = reverse("meetings:risk-measure-assign", args=[risk.pk])
    values = {"kind": medical.pk, "owner": vw.cadre.pk, "due_date": due.isoformat(), "note": "Card"}
    # The cadre and the village's moderator do not assign measures.
    for user in (county.cadre, county.moderator):
        client.force_login(user)
        assert client.post(assign, values).status_code == 403
    client.force_login(county.township_admin)
    assert client.post(assign, values).status_code == 302
    neighbour_cadre = CadreFactory(village=county.neighbour)
    assert client.post(assign, values | {"owner": neighbour_cadre.pk}).status_code == 400
    assert client.post(assign, values | {"kind": "nonsense"}).status_code == 400
    measure = Measure.objects.get()
    assert (measure.kind, measure.owner, measure.due_date, measure.done_at) == (
        medical,
        vw.cadre,
        due,
        None,
    )
    done = reverse("meetings:risk-measure-done", args=[measure.pk])
    # Only its owner marks it done.
    client.post(done, {"on": timezone.localdate().isoformat()})
    measure.refresh_from_db()
    assert measure.done_at is None
    with pytest.raises(PermissionDenied):
        services.measure_done(measure=measure, on=timezone.localdate(), by=county.township_admin)
    client.force_login(county.cadre)
    page = client.get(risk.get_absolute_url()).content.decode()
    assert done in page
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client.post(done, {"on": tomorrow.isoformat()})
    measure.refresh_from_db()
    assert measure.done_at is None
    client.post(done, {"on": timezone.localdate().isoformat()})
    measure.refresh_from_db()
    assert measure.done_at == timezone.localdate()
    with pytest.raises(ValidationError):
        services.measure_done(measure=measure, on=timezone.localdate(), by=county.cadre)
    # The township closes the risk; a closed risk takes no measure.
    client.force_login(county.township_admin)
    client.post(reverse("meetings:risk-flag-close", args=[risk.pk]))
    risk.refresh_from_db()
    assert risk.status == "closed" and risk.closed_at is not None
    assert client.post(assign, values).status_code == 400
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"risk_measure_assign", "risk_measure_done", "risk_flag_close"} <= actions


def test_the_measure_form_offers_the_townships_offered_measures_only(client, county, vw):
    risk = flag(vw, county)
    listed = kinds(county.township)
    listed["住房保障"].active = False
    listed["住房保障"].save()
    kinds(county.elsewhere.township)
    MeasureKind.objects.create(township=county.elsewhere.township, name="Camel breeding")
    client.force_login(county.township_admin)
    page = client.get(risk.get_absolute_url()).content.decode()
    assert "医疗救助" in page and "住房保障" not in page and "Camel breeding" not in page
    # A stopped measure is refused by the form too.
    assign = reverse("meetings:risk-measure-assign", args=[risk.pk])
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    values = {"kind": listed["住房保障"].pk, "owner": vw.cadre.pk, "due_date": due}
    assert client.post(assign, values).status_code == 400
    assert not Measure.objects.exists()


def test_another_townships_measure_is_refused(county, vw):
    risk = flag(vw, county)
    theirs = kinds(county.elsewhere.township)["医疗救助"]
    due = timezone.localdate() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        services.measure_assign(
            flag=risk, kind=theirs, owner=vw.cadre, due_date=due, by=county.township_admin
        )
    assert refused.value.message_dict == {"kind": ["Choose a measure from the township's list."]}
    assert not Measure.objects.exists()


def test_a_later_visit_of_the_household_is_the_flags_follow_up(client, county, vw):
    risk = flag(vw, county, days_ago=10)
    assert not risk.follow_up_visits().exists()
    later = visit(vw, county.cadre, days_ago=2)
    assert list(risk.follow_up_visits()) == [later]
    client.force_login(county.cadre)
    page = client.get(risk.get_absolute_url()).content.decode()
    assert "No visit since the risk was found." not in page


@override_settings(MONITORING_RECENT_VISIT_DAYS=30)
def test_households_at_risk_without_a_recent_visit_and_measures_overdue(client, county, vw):
    """One flagged household last visited 40 days ago is listed; one visited 5 days ago is not."""
    stale = flag(vw, county, days_ago=40)
    second = HouseholdFactory(village=county.village, number="003")
    Pairing.objects.create(cadre=vw.cadre, household=second, start=vw.pairing.start)
    fresh = flag(vw, county, days_ago=5, household=second, risk="schooling")
    assert list(counts.at_risk_without_recent_visit(county.township)) == [stale]
    assert counts.at_risk_without_recent_visit(county.township)[0].last_visit == stale.visit.date
    late = timezone.localdate() - datetime.timedelta(days=1)
    listed = kinds(county.township)
    Measure.objects.create(flag=fresh, kind=listed["教育资助"], owner=vw.cadre, due_date=late)
    Measure.objects.create(flag=fresh, kind=listed["住房保障"], owner=vw.cadre, due_date=late, done_at=late)
    Measure.objects.create(flag=stale, kind=listed["产业帮扶"], owner=vw.cadre, due_date=timezone.localdate())
    overdue = list(counts.measures_overdue(county.township))
    assert [measure.kind.name for measure in overdue] == ["教育资助"]

    client.force_login(county.township_admin)
    url = reverse("meetings:visit-counts", args=[county.township.code])
    page = client.get(url).content.decode()
    assert stale.get_absolute_url() in page and fresh.get_absolute_url() in page  # the latter: overdue
    csv = client.get(url, {"format": "csv", "table": "at-risk"}).content.decode("utf-8-sig")
    assert "001" in csv and "003" not in csv
    csv = client.get(url, {"format": "csv", "table": "overdue"}).content.decode("utf-8-sig")
    assert "003" in csv and "教育资助" in csv and "住房保障" not in csv
    # Nothing of it reaches someone outside the township's administration.
    client.force_login(county.moderator)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(stale.get_absolute_url()).status_code == 302  # to the sign-in page
