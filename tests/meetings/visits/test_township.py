"""The township's side of the visit log: its policies and visit requirement, the visits households say
did not happen, and the counts of visits per cadre."""

import pytest
from django.urls import reverse

from meetings.models import Policy, VisitRequirement
from portal.models import AuditEntry

pytestmark = pytest.mark.django_db


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


def test_only_the_townships_administrators_keep_its_list(client, county, vw):
    client.force_login(county.township_admin)
    assert client.get(reverse("meetings:visit-policies", args=["653121200"])).status_code == 404
    client.force_login(county.moderator)
    assert client.get(reverse("meetings:visit-policies", args=[county.township.code])).status_code == 404
