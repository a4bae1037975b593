"""Pairing cadres with households: the township administrator's page, its scope, the audit, and the
cadre's "My households"."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings.models import Pairing
from meetings.visits import services
from portal.models import AuditEntry
from tests.factories import CadreFactory, HouseholdFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def test_the_township_administrator_pairs_a_cadre_with_a_household_audited(client, county, vw):
    client.force_login(county.township_admin)
    url = reverse("meetings:visit-pairings", args=[county.village.code])
    today = timezone.localdate()
    response = client.post(
        url, {"cadre": vw.other_cadre.pk, "household": vw.unpaired.pk, "start": today.isoformat()}
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(cadre=vw.other_cadre, household=vw.unpaired)
    assert pairing.start == today and pairing.end is None
    entry = AuditEntry.objects.filter(action="visit_pairing_create").get()
    assert entry.chain == county.village.code
    page = client.get(url)
    assert "Gulnar Member" in page.content.decode()


def test_another_villages_household_is_refused_and_its_page_is_a_404(client, county, vw):
    client.force_login(county.township_admin)
    url = reverse("meetings:visit-pairings", args=[county.village.code])
    response = client.post(
        url, {"cadre": vw.cadre.pk, "household": vw.neighbours.pk, "start": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400  # not a choice of this village's form
    assert not Pairing.objects.filter(household=vw.neighbours).exists()
    # A village of another township, and any village for a moderator or a cadre: no such page.
    assert client.get(reverse("meetings:visit-pairings", args=[county.elsewhere.code])).status_code == 404
    client.force_login(county.moderator)
    assert client.get(reverse("meetings:visit-pairings", args=[county.village.code])).status_code == 404
    # Ending another township's pairing is a 404 too.
    client.force_login(county.township_admin)
    far = Pairing.objects.create(
        cadre=CadreFactory(village=county.elsewhere),
        household=HouseholdFactory(village=county.elsewhere),
        start=datetime.date(2025, 1, 1),
    )
    response = client.post(reverse("meetings:pairing-end", args=[far.pk]), {"end": "2025-02-01"})
    assert response.status_code == 404
    far.refresh_from_db()
    assert far.end is None


def test_the_service_refuses_a_cadre_of_another_village_an_overlap_and_a_non_administrator(county, vw):
    stranger = CadreFactory(village=county.neighbour)
    with pytest.raises(ValidationError):
        services.pairing_create(
            cadre=stranger, household=vw.unpaired, start=timezone.localdate(), by=county.township_admin
        )
    with pytest.raises(ValidationError):
        services.pairing_create(
            cadre=vw.cadre, household=vw.household, start=timezone.localdate(), by=county.township_admin
        )
    with pytest.raises(PermissionDenied):
        services.pairing_create(
            cadre=vw.cadre, household=vw.unpaired, start=timezone.localdate(), by=county.moderator
        )


def test_an_ended_pairing_leaves_my_households(client, county, vw):
    client.force_login(county.cadre)
    page = client.get(reverse("meetings:my-households")).content.decode()
    assert "001" in page and "002" not in page
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.pairing_end(pairing=vw.pairing, end=yesterday, by=county.township_admin)
    assert AuditEntry.objects.filter(action="visit_pairing_end").exists()
    page = client.get(reverse("meetings:my-households")).content.decode()
    assert "You are not paired with any household" in page


def test_my_households_is_only_for_an_account_linked_to_a_cadre(client, county, vw):
    client.force_login(county.moderator)
    assert client.get(reverse("meetings:my-households")).status_code == 404
