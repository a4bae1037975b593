"""The venue laptops page: township administrators register, list and revoke a village's laptop keys
and download its preparation file; anyone else finds no such page."""

import io
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse

from portal import signing
from portal.models import AuditEntry, VenueKey
from portal.services.venue_keys import venue_key_register

pytestmark = pytest.mark.usefixtures("english", "english_pages")


def a_public_key() -> str:
    return signing.public_text(Ed25519PrivateKey.generate().public_key())


def url(village) -> str:
    return reverse("staff:venue-keys", args=[village.code])


def test_the_administrator_registers_a_key_and_reads_its_fingerprint(client, county):
    client.force_login(county.township_admin)
    key = a_public_key()
    answer = client.post(url(county.village), {"public_key": key, "label": "Laptop 1"}, follow=True)
    registered = VenueKey.objects.get(village=county.village)
    assert registered.label == "Laptop 1" and registered.registered_by == county.township_admin
    page = answer.content.decode()
    assert f"Its fingerprint: {signing.fingerprint(key)}" in page
    assert "Laptop 1" in page and "in force" in page
    assert AuditEntry.objects.filter(action="venue_key_register", scope=county.village.code).exists()


def test_a_key_that_is_no_key_is_a_400_saying_so(client, county):
    client.force_login(county.township_admin)
    answer = client.post(url(county.village), {"public_key": "not a key", "label": ""})
    assert answer.status_code == 400
    assert "This is not an Ed25519 public key" in answer.content.decode()
    assert not VenueKey.objects.exists()


def test_a_key_registered_elsewhere_is_a_400_naming_the_village(client, county):
    key = a_public_key()
    venue_key_register(village=county.neighbour, public_key=key, by=county.township_admin)
    client.force_login(county.township_admin)
    answer = client.post(url(county.village), {"public_key": key})
    assert answer.status_code == 400
    assert "already registered for Yulghun" in answer.content.decode()


def test_the_administrator_revokes_a_key(client, county):
    key = venue_key_register(village=county.village, public_key=a_public_key(), by=county.township_admin)
    client.force_login(county.township_admin)
    revoke = reverse("staff:venue-key-revoke", args=[county.village.code, key.pk])
    assert client.get(revoke).status_code == 405  # no state change on GET
    answer = client.post(revoke, follow=True)
    key.refresh_from_db()
    assert not key.in_force and key.revoked_by == county.township_admin
    assert "bundles signed with it are refused" in answer.content.decode()
    assert "revoked" in answer.content.decode()


def test_another_village_key_is_not_found_through_this_village(client, county):
    key = venue_key_register(village=county.neighbour, public_key=a_public_key(), by=county.township_admin)
    client.force_login(county.township_admin)
    answer = client.post(reverse("staff:venue-key-revoke", args=[county.village.code, key.pk]))
    assert answer.status_code == 404
    key.refresh_from_db()
    assert key.in_force


@pytest.mark.parametrize("account", ["operator", "moderator", "cadre", "nobody"])
def test_only_township_administrators_find_the_page(client, county, account):
    client.force_login(getattr(county, account))
    assert client.get(url(county.village)).status_code == 404
    assert client.post(reverse("ratings:village-prepare", args=[county.village.code])).status_code == 404


def test_a_village_of_another_township_is_not_found(client, county):
    client.force_login(county.township_admin)
    assert client.get(url(county.elsewhere)).status_code == 404
    assert client.post(reverse("ratings:village-prepare", args=[county.elsewhere.code])).status_code == 404


def test_the_dashboard_links_to_each_village_laptops(client, county):
    client.force_login(county.township_admin)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "Venue laptops" in page
    assert url(county.village) in page and url(county.neighbour) in page


def test_the_page_downloads_the_preparation_file(client, county, settings, tmp_path):
    settings.SIGNING_KEY_FILE = tmp_path / "signing-key.pem"
    signing.create_key_file(settings.SIGNING_KEY_FILE)
    client.force_login(county.township_admin)
    prepare = reverse("ratings:village-prepare", args=[county.village.code])
    assert prepare in client.get(url(county.village)).content.decode()
    assert client.get(prepare).status_code == 405
    answer = client.post(prepare)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    assert f"village-{county.village.code}-" in answer["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert {"manifest.json", "manifest.sig", "roll.json", "cadres.json", "schemes.json"} <= set(names)
    assert AuditEntry.objects.filter(action="village_prepare", actor_id=county.township_admin.pk).exists()


def test_without_a_signing_key_the_page_says_how_to_make_one(client, county, settings, tmp_path):
    settings.SIGNING_KEY_FILE = tmp_path / "none.pem"
    client.force_login(county.township_admin)
    answer = client.post(reverse("ratings:village-prepare", args=[county.village.code]), follow=True)
    assert "no signing key yet" in answer.content.decode()


def test_the_page_is_not_n_plus_one(client, county, django_assert_num_queries):
    for _index in range(5):
        venue_key_register(village=county.village, public_key=a_public_key(), by=county.township_admin)
    client.force_login(county.township_admin)
    # session, user, village in scope, the keys with who registered and revoked them, the navigation's
    # permissions (2): whatever the number of keys
    with django_assert_num_queries(6):
        assert client.get(url(county.village)).status_code == 200
