"""Granting and revoking roles: scope, groups, staff flag and the audit log move together."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import AuditEntry, Role, RoleAssignment
from portal.services.roles import role_grant, role_revoke
from tests.factories import UserFactory


def test_grant_adds_group_staff_flag_and_audit_entry(county):
    clerk = UserFactory(username="clerk")
    assignment = role_grant(
        user=clerk, role=Role.MEETING_OPERATOR, village=county.neighbour, by=county.township_admin
    )
    clerk.refresh_from_db()
    assert clerk.groups.filter(name="meeting_operator").exists()
    assert clerk.is_staff
    entry = AuditEntry.objects.in_order_recorded().last()
    assert (entry.action, entry.actor_name, entry.scope) == ("role_grant", "admin1", county.neighbour.code)
    assert entry.details == {"user": "clerk", "role": "meeting_operator"}
    assert assignment.scope == county.neighbour


def test_granting_twice_changes_nothing(county):
    before = AuditEntry.objects.count()
    role_grant(
        user=county.moderator, role=Role.VILLAGE_MODERATOR, village=county.village, by=county.superuser
    )
    assert RoleAssignment.objects.filter(user=county.moderator).count() == 1
    assert AuditEntry.objects.count() == before


def test_township_admin_cannot_grant_in_another_township(county):
    with pytest.raises(PermissionDenied):
        role_grant(user=UserFactory(), role=Role.CADRE, village=county.elsewhere, by=county.township_admin)
    assert not RoleAssignment.objects.filter(village=county.elsewhere).exists()


@pytest.mark.parametrize("role", ["moderator", "operator", "cadre", "nobody"])
def test_only_township_admins_grant_roles(county, role):
    with pytest.raises(PermissionDenied):
        role_grant(user=UserFactory(), role=Role.CADRE, village=county.village, by=getattr(county, role))


def test_only_a_superuser_appoints_township_admins(county):
    with pytest.raises(PermissionDenied):
        role_grant(
            user=UserFactory(), role=Role.TOWNSHIP_ADMIN, township=county.township, by=county.township_admin
        )


def test_role_and_scope_must_match(county):
    with pytest.raises(ValidationError):
        role_grant(user=UserFactory(), role=Role.TOWNSHIP_ADMIN, village=county.village, by=county.superuser)
    with pytest.raises(ValidationError):
        role_grant(user=UserFactory(), role=Role.CADRE, township=county.township, by=county.superuser)


def test_revoke_removes_group_and_staff_flag_and_is_audited(county):
    assignment = RoleAssignment.objects.get(user=county.operator)
    role_revoke(assignment=assignment, by=county.township_admin)
    county.operator.refresh_from_db()
    assert not county.operator.groups.exists()
    assert not county.operator.is_staff
    assert AuditEntry.objects.in_order_recorded().last().action == "role_revoke"


def test_revoke_keeps_group_while_another_village_still_holds_the_role(county):
    role_grant(
        user=county.operator, role=Role.MEETING_OPERATOR, village=county.neighbour, by=county.superuser
    )
    role_revoke(
        assignment=RoleAssignment.objects.get(user=county.operator, village=county.village),
        by=county.superuser,
    )
    assert county.operator.groups.filter(name="meeting_operator").exists()


def test_every_role_has_its_group_with_permissions(county):
    for role in Role:
        assert Group.objects.get(name=role.value).permissions.exists()


def test_roles_page_grants_and_revokes(client, county):
    clerk = UserFactory(username="clerk")
    client.force_login(county.township_admin)
    url = reverse("staff:roles", args=[county.neighbour.code])
    response = client.post(url, {"username": "clerk", "role": "meeting_operator"})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=clerk, village=county.neighbour)
    page = client.get(url).content.decode()
    assert "clerk" in page
    revoke_url = reverse("staff:role-revoke", args=[county.neighbour.code, assignment.pk])
    assert client.get(revoke_url).status_code == 405  # no state change on GET
    assert client.post(revoke_url).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_roles_page_rejects_unknown_account_with_a_message(client, county):
    client.force_login(county.township_admin)
    response = client.post(
        reverse("staff:roles", args=[county.village.code]),
        {"username": "ghost", "role": "cadre"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "There is no active account with this user name." in response.content.decode()


def test_revoking_another_villages_assignment_through_own_village_is_a_404(client, county):
    foreign = role_grant(user=UserFactory(), role=Role.CADRE, village=county.elsewhere, by=county.superuser)
    client.force_login(county.township_admin)
    response = client.post(reverse("staff:role-revoke", args=[county.village.code, foreign.pk]))
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=foreign.pk).exists()


def test_roles_page_refuses_a_forged_role_choice(client, county):
    client.force_login(county.township_admin)
    UserFactory(username="clerk")
    response = client.post(
        reverse("staff:roles", args=[county.village.code]), {"username": "clerk", "role": "township_admin"}
    )
    assert response.status_code == 400
    assert not RoleAssignment.objects.filter(user__username="clerk").exists()


def test_dashboard_lists_the_accounts_roles(client, county):
    client.force_login(county.moderator)
    page = client.get(reverse("staff:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "village moderator" in page
    assert county.village.name in page
