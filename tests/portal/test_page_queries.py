"""Query counts of the list pages are pinned: they must not grow with the rows they show."""

import pytest
from django.urls import reverse

from meetings.models import Meeting
from portal import audit
from portal.models import Village
from tests.factories import CadrePostFactory, HouseholdFactory, ResidentFactory, VillageFactory
from tests.worlds import make_meeting


@pytest.fixture
def crowded(county):
    """Enough rows that an N+1 query would show: villages, cadres with posts, residents, entries."""
    for _ in range(5):
        VillageFactory(township=county.township)
    for number in range(8):
        post = CadrePostFactory(cadre__village=county.village, cadre__name=f"Cadre {number}")
        CadrePostFactory(cadre=post.cadre, post="party_member")
    for number in range(30):
        ResidentFactory(household=HouseholdFactory(village=county.village), name=f"Villager {number}")
    for number in range(30):
        audit.record(actor=county.superuser, action="filler", target=county.village, details={"n": number})
    return county


def test_home_page(client, crowded, django_assert_num_queries):
    # townships, then their villages (prefetch), upcoming and recent meetings with their villages,
    # results under public notice with their meetings — whatever the number of villages
    with django_assert_num_queries(5):
        assert client.get(reverse("home")).status_code == 200


def test_village_page(client, crowded, django_assert_num_queries):
    # village with township, its latest meetings, cadres, their posts (prefetch)
    with django_assert_num_queries(4):
        response = client.get(reverse("village", args=[crowded.village.code]))
    assert "Cadre 7" in response.content.decode()


def test_roll_page(client, crowded, django_assert_num_queries):
    client.force_login(crowded.moderator)
    # session, user, village in scope, row count, may-import check, the navigation's permissions
    # (user's and groups'), one page of residents with their households
    with django_assert_num_queries(8):
        response = client.get(reverse("staff:roll", args=[crowded.village.code]))
    assert "Villager 29" in response.content.decode()


def test_audit_page(client, crowded, django_assert_num_queries):
    client.force_login(crowded.township_admin)
    # session, user, the user's townships, the actions recorded there and the accounts that acted
    # (the filter's choices: what happened in their townships), row count, one page of entries, then
    # the user's permissions for the navigation (groups' and own) — the object's kind comes from the
    # model registry, the action's name from a mapping: no query for either
    with django_assert_num_queries(9):
        response = client.get(reverse("staff:audit"))
    assert "filler" in response.content.decode()


def test_roles_page(client, crowded, django_assert_num_queries):
    client.force_login(crowded.township_admin)
    # session, user, village in scope, the navigation's permissions (2), assignments with their users
    with django_assert_num_queries(6):
        assert client.get(reverse("staff:roles", args=[crowded.village.code])).status_code == 200


def test_dashboard(client, crowded, django_assert_num_queries):
    for village in Village.objects.filter(township=crowded.township):
        make_meeting(village, status=Meeting.Status.VOTING_CLOSED)
        make_meeting(village, year=2025)
    client.force_login(crowded.township_admin)
    # session, user, roles (which decide the task cards), roll villages, role villages, the
    # meetings whose honor roll or results are being worked on, with their candidates to review and
    # pending objections counted in the same query (one query for the "honor roll and results",
    # "objections to rule" and "results to publish" cards, however many meetings), the closure
    # certificates this account signs (one query), the villages and the townships of households'
    # evaluations (one query each), and the navigation's permissions (2)
    with django_assert_num_queries(11):
        response = client.get(reverse("staff:dashboard"))
    assert response.content.decode().count("/honor-roll/") == 2 * 7  # two meetings in each of 7 villages
