"""The permission matrix: role × own village / neighbour (same township) / another township."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from portal import permissions
from portal.permissions import Capability

# Expected villages for each (role, capability): "own" = the role's village, "township" = every
# village of the township, "none" = nowhere.
MATRIX = {
    "township_admin": {
        Capability.VIEW_ROLL: "township",
        Capability.MANAGE_ROLL: "township",
        Capability.MODERATE: "township",
        Capability.OPERATE_MEETING: "township",
        Capability.MANAGE_MEETINGS: "township",
        Capability.MANAGE_ROLES: "township",
        Capability.VIEW_AUDIT: "township",
        Capability.WRITE_OWN_CONTENT: "none",
        Capability.PROJECT_COUNT: "township",
        Capability.PROPOSE_HOUSEHOLDS: "none",
        Capability.CHECK_HOUSEHOLDS: "township",
        Capability.DECIDE_HOUSEHOLDS: "none",
        Capability.VIEW_HOUSEHOLD_EVALUATIONS: "township",
        Capability.MANAGE_VISITS: "township",
        Capability.VIEW_VISITS: "township",
    },
    "moderator": {
        Capability.VIEW_ROLL: "own",
        Capability.MANAGE_ROLL: "own",
        Capability.MODERATE: "own",
        Capability.OPERATE_MEETING: "none",
        Capability.MANAGE_MEETINGS: "none",
        Capability.MANAGE_ROLES: "none",
        Capability.VIEW_AUDIT: "none",
        Capability.WRITE_OWN_CONTENT: "none",
        Capability.PROJECT_COUNT: "own",
        Capability.PROPOSE_HOUSEHOLDS: "own",
        Capability.CHECK_HOUSEHOLDS: "none",
        Capability.DECIDE_HOUSEHOLDS: "none",
        Capability.VIEW_HOUSEHOLD_EVALUATIONS: "own",
        Capability.MANAGE_VISITS: "none",
        Capability.VIEW_VISITS: "none",
    },
    "operator": {
        Capability.VIEW_ROLL: "own",
        Capability.MANAGE_ROLL: "none",
        Capability.MODERATE: "none",
        Capability.OPERATE_MEETING: "own",
        Capability.MANAGE_MEETINGS: "none",
        Capability.MANAGE_ROLES: "none",
        Capability.VIEW_AUDIT: "none",
        Capability.WRITE_OWN_CONTENT: "none",
        Capability.PROJECT_COUNT: "own",
        Capability.PROPOSE_HOUSEHOLDS: "own",
        Capability.CHECK_HOUSEHOLDS: "none",
        Capability.DECIDE_HOUSEHOLDS: "none",
        Capability.VIEW_HOUSEHOLD_EVALUATIONS: "own",
        Capability.MANAGE_VISITS: "none",
        Capability.VIEW_VISITS: "none",
    },
    "cadre": {
        Capability.VIEW_ROLL: "none",
        Capability.MANAGE_ROLL: "none",
        Capability.MODERATE: "none",
        Capability.OPERATE_MEETING: "none",
        Capability.MANAGE_MEETINGS: "none",
        Capability.MANAGE_ROLES: "none",
        Capability.VIEW_AUDIT: "none",
        Capability.WRITE_OWN_CONTENT: "own",
        Capability.PROJECT_COUNT: "none",
        Capability.PROPOSE_HOUSEHOLDS: "own",
        Capability.CHECK_HOUSEHOLDS: "none",
        Capability.DECIDE_HOUSEHOLDS: "none",
        Capability.VIEW_HOUSEHOLD_EVALUATIONS: "own",
        Capability.MANAGE_VISITS: "none",
        Capability.VIEW_VISITS: "none",
    },
    "nobody": dict.fromkeys(permissions.GRANTED_BY, "none"),
}


def expected_villages(county, reach):
    return {
        "own": {county.village},
        "township": {county.village, county.neighbour},
        "none": set(),
    }[reach]


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("capability", list(permissions.GRANTED_BY))
def test_capability_reaches_exactly_the_expected_villages(county, role, capability):
    user = getattr(county, role)
    expected = expected_villages(county, MATRIX[role][capability])
    assert set(permissions.villages_with(user, capability)) == expected
    for village in (county.village, county.neighbour, county.elsewhere):
        assert permissions.has_capability(user, capability, village) == (village in expected)


def test_superuser_reaches_everything_and_anonymous_nothing(county):
    everywhere = {county.village, county.neighbour, county.elsewhere}
    for capability in permissions.GRANTED_BY:
        assert set(permissions.villages_with(county.superuser, capability)) == everywhere
        assert not permissions.villages_with(AnonymousUser(), capability).exists()


def test_inactive_account_loses_every_capability(county):
    county.township_admin.is_active = False
    county.township_admin.save()
    assert not permissions.villages_with(county.township_admin, Capability.VIEW_ROLL).exists()


# Staff pages: allowed → 200; a village the role does not reach → 404, never 403.
PAGES = {
    "staff:roll": Capability.VIEW_ROLL,
    "staff:roles": Capability.MANAGE_ROLES,
}


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("where", ["village", "neighbour", "elsewhere"])
def test_staff_pages_answer_by_the_matrix(client, county, role, page, where):
    client.force_login(getattr(county, role))
    village = getattr(county, where)
    allowed = village in expected_villages(county, MATRIX[role][PAGES[page]])
    response = client.get(reverse(page, args=[village.code]))
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize("page", PAGES)
def test_staff_pages_send_anonymous_visitors_to_login(client, county, page):
    response = client.get(reverse(page, args=[county.village.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_village_is_a_404_even_for_a_superuser(client, county):
    client.force_login(county.superuser)
    assert client.get(reverse("staff:roll", args=["999999999999"])).status_code == 404


def test_admin_resident_list_is_scoped_to_the_users_villages(client, county):
    from tests.factories import HouseholdFactory, ResidentFactory

    ResidentFactory(household=HouseholdFactory(village=county.village), name="Own Villager")
    ResidentFactory(household=HouseholdFactory(village=county.elsewhere), name="Far Villager")
    client.force_login(county.moderator)
    page = client.get(reverse("admin:portal_resident_changelist")).content.decode()
    assert "Own Villager" in page
    assert "Far Villager" not in page
