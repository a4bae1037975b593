"""Every change made in the Django admin is in the audit log: registry, users and groups alike."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from portal import audit
from portal.admin import AuditedAdminMixin
from portal.models import AuditEntry, Household, Village
from portal.models.audit import COUNTY_CHAIN
from tests.factories import HouseholdFactory


def last_entry() -> AuditEntry:
    return AuditEntry.objects.in_order_recorded().last()


def test_adding_a_village_in_the_admin_is_audited_in_its_own_chain(client, county):
    client.force_login(county.superuser)
    response = client.post(
        reverse("admin:portal_village_add"),
        {"township": county.township.pk, "name": "Yengi", "code": "653121100209"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    village = Village.objects.get(code="653121100209")
    entry = last_entry()
    assert (entry.action, entry.actor_name, entry.target_label) == ("admin_add", "root", "Yengi")
    assert (entry.chain, entry.target_id) == ("653121100209", str(village.pk))
    assert entry.details == {"model": "portal.village", "id": str(village.pk), "change": [{"added": {}}]}
    assert audit.verify_chain().intact


def test_changing_and_deleting_a_household_in_the_admin_is_audited(client, county):
    household = HouseholdFactory(village=county.village, number="H-0001")
    client.force_login(county.superuser)
    response = client.post(
        reverse("admin:portal_household_change", args=[household.pk]),
        {"village": county.village.pk, "number": "H-0002"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = last_entry()
    assert (change.action, change.chain, change.target_label) == (
        "admin_change",
        county.village.code,
        "H-0002",
    )
    assert change.details["change"] == [{"changed": {"fields": ["Household"]}}]

    response = client.post(reverse("admin:portal_household_delete", args=[household.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Household.objects.filter(pk=household.pk).exists()
    deletion = last_entry()
    assert (deletion.action, deletion.chain, deletion.target_label) == (
        "admin_delete",
        county.village.code,
        "H-0002",
    )
    assert deletion.details == {"model": "portal.household", "id": str(household.pk)}
    assert audit.verify_chain().intact


def test_a_bulk_deletion_in_the_admin_leaves_one_entry_per_row(client, county):
    households = [HouseholdFactory(village=county.village) for _ in range(3)]
    client.force_login(county.superuser)
    response = client.post(
        reverse("admin:portal_household_changelist"),
        {"action": "delete_selected", "_selected_action": [h.pk for h in households], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Household.objects.filter(pk__in=[h.pk for h in households]).exists()
    deleted = AuditEntry.objects.filter(action="admin_delete", target_type="portal.household")
    assert sorted(deleted.values_list("target_id", flat=True)) == sorted(str(h.pk) for h in households)


def test_users_and_groups_changed_in_the_admin_are_audited_in_the_county_chain(client, county):
    client.force_login(county.superuser)
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "new-clerk", "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="new-clerk")
    entry = last_entry()
    assert (entry.action, entry.chain, entry.target_id) == ("admin_add", COUNTY_CHAIN, str(user.pk))
    assert "a-long-pass-phrase-42" not in str(entry.details) and user.password not in str(entry.details)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "password1": "another-pass-phrase-43",
            "password2": "another-pass-phrase-43",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert (last_entry().action, last_entry().target_id) == ("admin_change", str(user.pk))

    response = client.post(reverse("admin:auth_group_add"), {"name": "Archivists"})
    assert response.status_code == 302, response.content.decode()[:2000]
    group = Group.objects.get(name="Archivists")
    assert (last_entry().action, last_entry().target_type, last_entry().target_id) == (
        "admin_add",
        "auth.group",
        str(group.pk),
    )
    assert audit.verify_chain().intact


@pytest.mark.parametrize("model_admin", list(admin.site._registry.values()), ids=str)
def test_every_admin_page_that_can_change_rows_is_audited(county, model_admin):
    request = RequestFactory().get("/")
    request.user = county.superuser
    changes = (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    )
    assert not changes or isinstance(model_admin, AuditedAdminMixin)
