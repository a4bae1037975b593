"""The 403, 404 and 500 pages: in the site's layout and the reader's language, with a way back."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting
from portal.views import errors
from tests.worlds import voted_world

LANGUAGES = [("zh-hans", "ltr"), ("ug", "rtl"), ("en", "ltr")]


def html_root(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', response.content.decode())
    return match.group(1), match.group(2)


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_the_404_page_is_the_sites_in_the_readers_language(client, db, language, direction):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 404
    assert html_root(response) == (language, direction)
    html = response.content.decode()
    assert in_language(language, "Page not found") in html
    assert 'class="navbar' in html  # the site's header, with its language switch
    assert f'href="{reverse("home")}"' in html
    assert "Not Found</h1>" not in html  # not Django's bare English page


@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_a_moderator_refused_meeting_control_sees_why_in_their_language(client, county, language, direction):
    client.force_login(county.moderator)
    response = client.get(reverse("meetings:staff-meetings"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 403
    assert html_root(response) == (language, direction)
    html = response.content.decode()
    assert in_language(language, "Not allowed") in html
    assert in_language(language, "You do not run meetings in any village.") in html
    assert f'href="{reverse("staff:dashboard")}"' in html
    assert "403 Forbidden" not in html


def test_a_refusal_without_a_reason_says_so_plainly(rf, county):
    # Some views refuse with a bare PermissionDenied: the page then says it in general words.
    request = rf.get("/")
    request.user = county.nobody
    with translation.override("en"):
        response = errors.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Your account may not open this page." in response.content.decode()


@pytest.mark.urls("tests.portal.error_urls")
@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_a_failing_page_shows_the_500_page_in_the_readers_language(db, language, direction):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 500
    assert html_root(response) == (language, direction)
    html = response.content.decode()
    assert in_language(language, "Server error") in html
    assert f'href="{reverse("home")}"' in html
    assert "a bug" not in html


# --- the breadcrumb "Meeting control" (会务管理) leads each account where it may go -------------------


@pytest.mark.usefixtures("english_pages")
@pytest.mark.parametrize("name", ["ratings:staff-results", "ratings:staff-honor"])
def test_a_moderators_breadcrumb_leads_to_their_dashboard_not_a_403(client, county, name):
    world = voted_world(county, ["satisfied"] * 3)
    client.force_login(county.moderator)

    html = client.get(reverse(name, args=[world.meeting.pk])).content.decode()

    breadcrumb = re.search(r'<ol class="breadcrumb">.*?</ol>', html, re.S).group(0)
    assert reverse("meetings:staff-meetings") not in breadcrumb
    assert reverse("meetings:staff-meeting", args=[world.meeting.pk]) not in breadcrumb
    assert reverse("staff:dashboard") in breadcrumb
    for link in re.findall(r'href="([^"]+)"', breadcrumb):
        assert client.get(link).status_code == 200


@pytest.mark.usefixtures("english_pages")
def test_an_administrators_breadcrumb_still_leads_to_meeting_control(client, county):
    world = voted_world(county, ["satisfied"] * 3)
    assert world.meeting.status == Meeting.Status.VOTING_CLOSED
    client.force_login(county.township_admin)

    html = client.get(reverse("ratings:staff-results", args=[world.meeting.pk])).content.decode()

    breadcrumb = re.search(r'<ol class="breadcrumb">.*?</ol>', html, re.S).group(0)
    assert reverse("meetings:staff-meetings") in breadcrumb
    for link in re.findall(r'href="([^"]+)"', breadcrumb):
        assert client.get(link).status_code == 200


def test_a_post_of_too_many_fields_to_no_page_is_a_bad_request(client, db):
    # The 404 page reads the body for its CSRF token; a body Django refuses to read is the sender's fault.
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("home"))  # the CSRF cookie a browser holds, so that the check reads the body
    body = "&".join(f"field{number}=x" for number in range(1200))  # a form's encoding, not multipart
    response = client.generic(
        "POST", "/no/such/page/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
