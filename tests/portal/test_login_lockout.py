"""The staff login lockout (django-axes, per account and address pair), its unlock and its audit trail."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from portal.models import AuditEntry
from portal.ratelimit import sender_key
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("english", "english_pages")

PASSWORD = "correct horse battery staple"
VENUE, ELSEWHERE, BEHIND_PROXY = "10.0.0.5", "203.0.113.9", "192.0.2.1"


def log_in(client, username, password, address=VENUE, **headers):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail(client, username, times, address=VENUE):
    for _attempt in range(times):
        response = log_in(client, username, "wrong password", address)
    return response


def test_wrong_passwords_below_the_limit_are_ordinary_failures(client, county):
    response = fail(client, "operator1", settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200
    assert "login-locked" not in response.content.decode()
    assert log_in(client, "operator1", PASSWORD).status_code == 302


def test_the_limit_locks_the_account_at_that_address_with_a_translated_page(client, county):
    response = fail(client, "operator1", settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many wrong passwords for this account from this address" in page
    assert "Try again in 15 minutes" in page
    assert 'name="password"' in page  # the login form is still there
    # Even the right password is refused now, and nobody is signed in.
    assert log_in(client, "operator1", PASSWORD).status_code == 429
    assert client.get(reverse("staff:dashboard")).status_code == 302


def test_the_lockout_page_is_in_chinese_by_default(client, county):
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    response = fail(client, "operator1", settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_another_account_at_the_same_address_still_logs_in(client, county):
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT)
    assert log_in(client, "moderator1", PASSWORD).status_code == 302


def test_the_locked_account_still_logs_in_from_another_address(client, county):
    """An attacker elsewhere cannot lock the clerk out of the venue's terminal on meeting day."""
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT, address=ELSEWHERE)
    assert log_in(client, "operator1", PASSWORD, address=ELSEWHERE).status_code == 429
    assert log_in(client, "operator1", PASSWORD, address=VENUE).status_code == 302


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_proxy_the_forwarded_address_is_the_one_locked(client, county):
    """All requests come from the proxy; the address it appended (portal.http.client_address) counts."""
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "operator1", "wrong", BEHIND_PROXY, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {ELSEWHERE}")
    assert AccessAttempt.objects.get().ip_address == ELSEWHERE
    response = log_in(client, "operator1", PASSWORD, BEHIND_PROXY, HTTP_X_FORWARDED_FOR=VENUE)
    assert response.status_code == 302


def test_a_success_before_the_limit_forgets_the_failures(client, county):
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, "operator1", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "operator1", settings.AXES_FAILURE_LIMIT - 1).status_code == 200


def test_the_lockout_is_audited_once_without_the_address_in_clear(client, county):
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT + 3)
    entries = AuditEntry.objects.filter(action="login_lockout")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor_name == "system"
    assert entry.target_label == "operator1"
    assert entry.scope == county.township.code  # the township administrator sees it
    assert entry.details["username"] == "operator1"
    assert entry.details["sender"] == sender_key(VENUE)
    assert VENUE not in str(entry.details)


def test_a_lockout_of_an_unknown_name_is_audited_without_a_scope(client, county):
    fail(client, "no-such-clerk", settings.AXES_FAILURE_LIMIT)
    entry = AuditEntry.objects.get(action="login_lockout")
    assert (entry.target_label, entry.scope, entry.details["username"]) == ("", "", "no-such-clerk")


def test_the_township_admin_sees_and_unlocks_a_clerk(client, county):
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT)
    client.force_login(county.township_admin)
    page = client.get(reverse("staff:lockouts")).content.decode()
    assert "operator1" in page and VENUE in page
    attempt = AccessAttempt.objects.get(username="operator1")
    response = client.post(reverse("staff:lockout-unlock", args=[attempt.pk]), follow=True)
    assert "operator1 can log in again." in response.content.decode()
    client.logout()
    assert log_in(client, "operator1", PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(action="login_unlock")
    assert (entry.actor_name, entry.target_label, entry.scope) == (
        "admin1",
        "operator1",
        county.township.code,
    )


def test_the_dashboard_links_the_lockouts_for_a_township_admin(client, county):
    client.force_login(county.township_admin)
    assert reverse("staff:lockouts") in client.get(reverse("staff:dashboard")).content.decode()
    client.force_login(county.operator)
    assert reverse("staff:lockouts") not in client.get(reverse("staff:dashboard")).content.decode()


def test_unlocking_is_post_only(client, county):
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get()
    client.force_login(county.township_admin)
    assert client.get(reverse("staff:lockout-unlock", args=[attempt.pk])).status_code == 405
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_staff_without_the_township_role_cannot_see_or_unlock(client, county):
    fail(client, "moderator1", settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get()
    client.force_login(county.operator)
    assert client.get(reverse("staff:lockouts")).status_code == 404
    assert client.post(reverse("staff:lockout-unlock", args=[attempt.pk])).status_code == 404
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert not AuditEntry.objects.filter(action="login_unlock").exists()


def test_a_township_admin_cannot_unlock_another_townships_staff_or_a_superuser(client, county):
    stranger = UserFactory(username="stranger")  # holds no role in the admin's township
    for username in (stranger.username, county.superuser.username):
        fail(client, username, settings.AXES_FAILURE_LIMIT)
    client.force_login(county.township_admin)
    page = client.get(reverse("staff:lockouts")).content.decode()
    assert "stranger" not in page and "root" not in page
    for attempt in AccessAttempt.objects.all():
        assert client.post(reverse("staff:lockout-unlock", args=[attempt.pk])).status_code == 404
    assert AccessAttempt.objects.count() == 2
    client.force_login(county.superuser)
    page = client.get(reverse("staff:lockouts")).content.decode()
    assert "stranger" in page and "root" in page


def test_an_expired_lockout_lets_the_account_in(client, county):
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
    )
    assert log_in(client, "operator1", PASSWORD).status_code == 302


def test_attempts_on_a_locked_pair_are_refused_without_a_write(client, county):
    """Axes appends each attempt's request data to the pair's row; a locked pair's row stops growing."""
    fail(client, "operator1", settings.AXES_FAILURE_LIMIT)
    before = AccessAttempt.objects.values_list("failures_since_start", "post_data", "attempt_time").get()
    assert fail(client, "operator1", 10).status_code == 429
    after = AccessAttempt.objects.values_list("failures_since_start", "post_data", "attempt_time").get()
    assert after == before


def test_the_lockout_list_is_not_n_plus_one(client, county, django_assert_max_num_queries):
    for username in ("operator1", "moderator1", "cadre1"):
        fail(client, username, settings.AXES_FAILURE_LIMIT)
    client.force_login(county.township_admin)
    # session, user, "is a township administrator", the account's permissions (two: the staff menu's
    # admin link), the locked pairs: one query, whatever their number
    with django_assert_max_num_queries(6):
        page = client.get(reverse("staff:lockouts")).content.decode()
    assert all(name in page for name in ("operator1", "moderator1", "cadre1"))
