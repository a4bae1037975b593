"""The registry's admin pages: search and filters work, rows are scoped, hand edits are audited."""

from django.urls import reverse

from portal.models import AuditEntry, Cadre
from tests.factories import CadreFactory, HouseholdFactory, ResidentFactory


def test_resident_search_by_last_four_id_characters(client, county):
    wanted = ResidentFactory(household=HouseholdFactory(village=county.village), name="Wanted Person")
    ResidentFactory(household=HouseholdFactory(village=county.village), name="Other Person")
    client.force_login(county.township_admin)
    page = client.get(reverse("admin:portal_resident_changelist"), {"q": wanted.id_last4}).content.decode()
    assert "Wanted Person" in page
    assert "Other Person" not in page


def test_residents_are_read_only_in_the_admin(client, county):
    resident = ResidentFactory(household=HouseholdFactory(village=county.village))
    client.force_login(county.superuser)
    url = reverse("admin:portal_resident_change", args=[resident.pk])
    assert client.post(url, {"name": "Changed"}).status_code == 403
    assert client.get(reverse("admin:portal_resident_add")).status_code == 403


def test_township_admin_creates_a_cadre_and_it_is_audited(client, county):
    client.force_login(county.township_admin)
    response = client.post(
        reverse("admin:portal_cadre_add"),
        {
            "village": county.neighbour.pk,
            "name": "New Cadre",
            "gender": "F",
            "posts-TOTAL_FORMS": "1",
            "posts-INITIAL_FORMS": "0",
            "posts-0-post": "committee_member",
            "posts-0-term_start": "2021",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    cadre = Cadre.objects.get(name="New Cadre")
    assert cadre.posts.get().post == "committee_member"
    actions = list(AuditEntry.objects.in_order_recorded().values_list("action", flat=True))[-3:]
    assert actions == ["cadre_create", "cadre_posts_change", "admin_add"]


def test_township_admin_cannot_move_a_cadre_to_another_township(client, county):
    cadre = CadreFactory(village=county.village, name="Stays Home")
    client.force_login(county.township_admin)
    response = client.post(
        reverse("admin:portal_cadre_change", args=[cadre.pk]),
        {
            "village": county.elsewhere.pk,
            "name": "Stays Home",
            "gender": "M",
            "posts-TOTAL_FORMS": "0",
            "posts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form is shown again with an error
    cadre.refresh_from_db()
    assert cadre.village == county.village


def test_cadre_in_another_township_is_not_found(client, county):
    far = CadreFactory(village=county.elsewhere)
    client.force_login(county.township_admin)
    response = client.get(reverse("admin:portal_cadre_change", args=[far.pk]))
    assert response.status_code == 302  # the admin redirects "does not exist" to its index
    assert far.name not in client.get(reverse("admin:portal_cadre_changelist")).content.decode()
