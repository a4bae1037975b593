"""Language choice: Accept-Language first, then the switch on every page, remembered by cookie."""

import re

import pytest
from django.conf import settings
from django.urls import reverse


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.mark.parametrize(
    ("accept", "lang", "direction", "stylesheet"),
    [
        ("", "zh-hans", "ltr", "bootstrap.min.css"),
        ("zh-CN,zh;q=0.9", "zh-hans", "ltr", "bootstrap.min.css"),
        ("ug", "ug", "rtl", "bootstrap.rtl.min.css"),
        ("en-US,en;q=0.8", "en", "ltr", "bootstrap.min.css"),
        ("fr-FR", "zh-hans", "ltr", "bootstrap.min.css"),
    ],
)
def test_accept_language_decides_lang_dir_and_stylesheet(client, county, accept, lang, direction, stylesheet):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=accept)
    assert html_tag(response) == f'<html lang="{lang}" dir="{direction}">'
    assert f"bootstrap/css/{stylesheet}" in response.content.decode()


def test_switch_is_remembered_over_the_browsers_language(client, county):
    village_url = reverse("village", args=[county.village.code])
    response = client.post(reverse("set_language"), {"language": "ug", "next": village_url})
    assert response.status_code == 302
    assert response["Location"] == village_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ug"
    again = client.get(village_url, HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="ug" dir="rtl"' in html_tag(again)


def test_switch_refuses_a_foreign_next_url(client, county):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("name", ["home", "login"])
def test_every_layout_carries_the_switch(client, county, name):
    page = client.get(reverse(name)).content.decode()
    for code, _label in settings.LANGUAGES:
        assert f'name="language" value="{code}"' in page
    assert "csrfmiddlewaretoken" in page


def test_staff_pages_carry_the_switch(client, county):
    client.force_login(county.moderator)
    page = client.get(reverse("staff:roll", args=[county.village.code])).content.decode()
    assert 'name="language" value="ug"' in page
