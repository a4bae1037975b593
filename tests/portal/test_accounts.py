"""Staff accounts run by the township administrator: created with a role, deactivated and reactivated,
a password handed over as a printed slip (changed at the first login) or a one-time link; audited, and
another township's account is a 404."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.models import AuditEntry, PasswordChangeDue, Role, RoleAssignment
from portal.services.accounts import account_create, account_set_active
from portal.services.roles import role_grant
from tests.factories import CadreFactory, UserFactory

pytestmark = pytest.mark.usefixtures("english", "english_pages")


def accounts_url(village):
    return reverse("staff:accounts", args=[village.code])


def account_url(village, account, name="staff:account"):
    return reverse(name, args=[village.code, account.pk])


def logs_in(client, username, password) -> bool:
    """Through the login page, as a person does (django-axes wants the request)."""
    answer = client.post(reverse("login"), {"username": username, "password": password})
    return answer.status_code == 302


def create(client, village, **data):
    form = {
        "username": "clerk2",
        "full_name": "Ayshem Tursun",
        "role": "meeting_operator",
        "handover": "printed",
    }
    return client.post(accounts_url(village), form | data)


def test_the_administrator_creates_a_clerk_and_prints_the_initial_password(client, county):
    client.force_login(county.township_admin)
    answer = create(client, county.village)
    assert answer.status_code == 200
    page = answer.content.decode()
    password = re.search(r'class="slip-password">([a-z0-9]+)<', page).group(1)
    assert "clerk2" in page and "choose your own password" in page
    assert answer["Cache-Control"] == "no-store"
    clerk = get_user_model().objects.get(username="clerk2")
    assert clerk.get_full_name() == "Ayshem Tursun" and clerk.check_password(password)
    assert RoleAssignment.objects.filter(
        user=clerk, role=Role.MEETING_OPERATOR, village=county.village
    ).exists()
    actions = AuditEntry.objects.filter(scope=county.village.code).values_list("action", flat=True)
    assert {"account_create", "role_grant", "account_password_initial"} <= set(actions)
    assert not AuditEntry.objects.filter(details__icontains=password).exists()  # never logged


def test_the_printed_password_must_be_changed_at_first_login(client, county):
    client.force_login(county.township_admin)
    page = create(client, county.village).content.decode()
    password = re.search(r'class="slip-password">([a-z0-9]+)<', page).group(1)
    client.logout()
    login = client.post(reverse("login"), {"username": "clerk2", "password": password})
    assert login.status_code == 302 and login["Location"] == reverse("password-change")
    # Every other staff page leads back to the change until it is done.
    assert client.get(reverse("staff:dashboard"))["Location"] == reverse("password-change")
    wrong = client.post(
        reverse("password-change"),
        {"old_password": password, "new_password1": "short", "new_password2": "short"},
    )
    assert wrong.status_code == 400 and "This password is too short" in wrong.content.decode()
    new = "a-river-in-spring-2026"
    done = client.post(
        reverse("password-change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert done["Location"] == reverse("staff:dashboard")
    assert client.get(reverse("staff:dashboard")).status_code == 200
    assert not PasswordChangeDue.objects.exists()
    assert AuditEntry.objects.filter(action="account_password_changed", scope=county.village.code).exists()


def test_a_cadres_account_is_linked_to_the_cadre_and_handed_a_link(client, county):
    cadre = CadreFactory(village=county.village, name="Memet Ali")
    client.force_login(county.township_admin)
    answer = create(client, county.village, username="memet", role="cadre", cadre=cadre.pk, handover="link")
    page = answer.content.decode()
    link = re.search(r'class="text-break password-link">http://testserver([^<]+)<', page).group(1)
    cadre.refresh_from_db()
    assert cadre.user.username == "memet"
    client.logout()
    form = client.get(link, follow=True)
    assert "Choose your password" in form.content.decode()
    new = "a-river-in-spring-2026"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert logs_in(client, "memet", new)
    client.logout()
    used = client.get(link, follow=True).content.decode()
    assert "This link has been used or has expired" in used


def test_a_taken_user_name_is_a_400_saying_so(client, county):
    client.force_login(county.township_admin)
    answer = create(client, county.village, username="OPERATOR1")
    assert answer.status_code == 400
    assert "This user name is taken" in answer.content.decode()


def test_a_cadre_of_another_village_cannot_be_linked(client, county):
    cadre = CadreFactory(village=county.neighbour)
    client.force_login(county.township_admin)
    answer = create(client, county.village, role="cadre", cadre=cadre.pk)
    assert answer.status_code == 400
    assert not get_user_model().objects.filter(username="clerk2").exists()


def test_deactivating_stops_the_login_and_reactivating_restores_it(client, county):
    client.force_login(county.township_admin)
    url = account_url(county.village, county.operator, "staff:account-active")
    assert client.get(url).status_code == 405  # no state change on GET
    answer = client.post(url, {"active": "0"}, follow=True)
    assert "it can no longer log in" in answer.content.decode()
    county.operator.refresh_from_db()
    assert not county.operator.is_active
    county.operator.set_password("pw-operator-123")
    county.operator.save()
    client.logout()
    assert not logs_in(client, "operator1", "pw-operator-123")
    client.force_login(county.township_admin)
    client.post(url, {"active": "1"})
    county.operator.refresh_from_db()
    assert county.operator.is_active
    actions = list(AuditEntry.objects.filter(scope=county.village.code).values_list("action", flat=True))
    assert "account_deactivate" in actions and "account_reactivate" in actions


def test_another_townships_account_is_a_404(client, county):
    stranger = UserFactory(username="arish-clerk")
    role_grant(user=stranger, role=Role.MEETING_OPERATOR, village=county.elsewhere, by=county.superuser)
    client.force_login(county.township_admin)
    assert client.get(accounts_url(county.elsewhere)).status_code == 404
    assert client.get(account_url(county.elsewhere, stranger)).status_code == 404
    # Nor through one of the administrator's own villages.
    assert client.get(account_url(county.village, stranger)).status_code == 404
    assert (
        client.post(
            account_url(county.village, stranger, "staff:account-password"), {"how": "printed"}
        ).status_code
        == 404
    )
    assert "arish-clerk" not in client.get(accounts_url(county.village)).content.decode()


def test_an_account_that_also_works_in_another_township_is_not_the_administrators(county):
    role_grant(
        user=county.operator, role=Role.MEETING_OPERATOR, village=county.elsewhere, by=county.superuser
    )
    with pytest.raises(PermissionDenied):
        account_set_active(
            account=county.operator, active=False, village=county.village, by=county.township_admin
        )


@pytest.mark.parametrize("role", ["moderator", "operator", "cadre", "nobody"])
def test_only_township_administrators_reach_the_pages(client, county, role):
    client.force_login(getattr(county, role))
    assert client.get(accounts_url(county.village)).status_code == 404
    with pytest.raises(PermissionDenied):
        account_create(
            village=county.village, username="x", full_name="X", role="cadre", by=getattr(county, role)
        )


def test_an_unknown_handover_is_a_400(client, county):
    client.force_login(county.township_admin)
    answer = client.post(
        account_url(county.village, county.operator, "staff:account-password"), {"how": "fax"}
    )
    assert answer.status_code == 400
    assert "Choose a printed password or a one-time link" in answer.content.decode()


def test_a_deactivated_account_gets_no_password(client, county):
    account_set_active(
        account=county.operator, active=False, village=county.village, by=county.township_admin
    )
    client.force_login(county.township_admin)
    answer = client.post(
        account_url(county.village, county.operator, "staff:account-password"), {"how": "link"}
    )
    assert answer.status_code == 409
    assert "Reactivate the account" in answer.content.decode()


def test_the_dashboard_and_roles_page_link_the_accounts(client, county):
    client.force_login(county.township_admin)
    url = accounts_url(county.village)
    assert url in client.get(reverse("staff:dashboard")).content.decode()
    assert url in client.get(reverse("staff:roles", args=[county.village.code])).content.decode()


def test_the_account_list_is_not_n_plus_one(client, county, django_assert_max_num_queries):
    for _index in range(5):
        role_grant(user=UserFactory(), role=Role.CADRE, village=county.village, by=county.superuser)
    client.force_login(county.township_admin)
    # session, user, village, the rows with their users (one join), cadres for the form's choice,
    # plus the staff layout's own reads
    with django_assert_max_num_queries(8):
        assert client.get(accounts_url(county.village)).status_code == 200
