"""A risk flag leading to a household evaluation: from an open flag found at a visit, the village's
staff start the household's entry into monitoring, and each page shows the other."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings.models import Pairing, RiskFlag, Visit
from meetings.monitoring import services as monitoring
from meetings.visits import services as visits
from ratings.evaluations import services
from ratings.models import HouseholdProposal
from tests.factories import CadreFactory
from tests.ratings.evaluations.conftest import FACTS

pytestmark = pytest.mark.usefixtures("english_pages")

Kind = HouseholdProposal.Kind


@pytest.fixture
def risk(ev) -> RiskFlag:
    cadre = CadreFactory(village=ev.county.village, user=ev.county.cadre)
    Pairing.objects.create(
        cadre=cadre, household=ev.household, start=timezone.localdate() - datetime.timedelta(days=30)
    )
    seen, _created = visits.visit_record(
        cadre=cadre, household=ev.household, date=timezone.localdate(), met="The head", by=ev.county.cadre
    )
    return monitoring.flag_raise(
        visit=seen, category="hardship", risk="accident", note="Hurt at work.", by=ev.county.cadre
    )


def test_a_risk_flag_leading_to_a_household_evaluation(client, ev, risk):
    client.force_login(ev.county.operator)
    flag_page = client.get(risk.get_absolute_url()).content.decode()
    url = reverse("ratings:household-propose-from-risk", args=[risk.pk])
    assert url in flag_page and "No evaluation has been started from this risk." in flag_page
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial == {
        "household": ev.household.pk,
        "kind": Kind.MONITORING_ENTRY,
        "category": "hardship",
        "reason": "accident",
    }
    data = FACTS | {"household": ev.household.pk, "kind": Kind.MONITORING_ENTRY, "category": "hardship"}
    data |= {"threshold_numerator": 1, "threshold_denominator": 2}
    response = client.post(url, data | {"reason": "accident"})
    proposal = HouseholdProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert (proposal.kind, proposal.category, proposal.reason) == (
        Kind.MONITORING_ENTRY,
        "hardship",
        "accident",
    )
    assert proposal.risk_flag == risk and proposal.household == ev.household
    # Each page shows the other: the proposal its flag, the flag the proposal and its status.
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert risk.get_absolute_url() in page and "From the risk found at a visit" in page
    flag_page = client.get(risk.get_absolute_url()).content.decode()
    assert proposal.get_absolute_url() in flag_page and proposal.get_status_display() in flag_page
    # It stays an entry into monitoring.
    with pytest.raises(ValidationError, match="risk leads to an entry"):
        services.proposal_update(
            proposal=proposal, by=ev.county.operator, kind=Kind.POVERTY_EXIT, category=""
        )
    services.proposal_submit(proposal=proposal, by=ev.county.operator)
    assert "submitted to the moderator" in client.get(risk.get_absolute_url()).content.decode()
    # A second one for the same decision is refused while the first is open.
    assert client.post(url, data | {"reason": "again"}).status_code == 400
    assert HouseholdProposal.objects.count() == 1


def test_only_an_entry_into_monitoring_of_the_flags_household_starts_from_it(ev, risk):
    values = FACTS | {"village": ev.county.village, "by": ev.county.operator, "risk_flag": risk}
    with pytest.raises(ValidationError):
        services.proposal_create(household=ev.household, kind=Kind.POVERTY_EXIT, **values)
    with pytest.raises(ValidationError):
        services.proposal_create(
            household=ev.second, kind=Kind.MONITORING_ENTRY, category="hardship", **values
        )
    assert not HouseholdProposal.objects.exists()


def test_another_villages_or_a_closed_flag_is_a_404(client, ev, risk):
    url = reverse("ratings:household-propose-from-risk", args=[risk.pk])
    client.force_login(ev.county.township_admin)  # checks, does not propose
    assert client.get(url).status_code == 404
    neighbour_cadre = CadreFactory(village=ev.county.neighbour)
    seen = Visit.objects.create(
        household=ev.neighbour_household, cadre=neighbour_cadre, date=timezone.localdate(), met="x"
    )
    other = RiskFlag.objects.create(
        household=ev.neighbour_household,
        visit=seen,
        category="marginal",
        risk="illness",
        raised_by=neighbour_cadre,
    )
    client.force_login(ev.county.operator)
    assert client.get(reverse("ratings:household-propose-from-risk", args=[other.pk])).status_code == 404
    monitoring.flag_close(flag=risk, by=ev.county.township_admin)
    assert client.get(url).status_code == 404
