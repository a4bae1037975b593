"""Every page says what it may load (a Content-Security-Policy with nothing inline) and which browser
features it may use (a Permissions-Policy: the camera only on the kiosk's code page)."""

import pytest
from django.urls import reverse

from ratings.ballot.terminals import TERMINAL_COOKIE
from tests.worlds import build_kiosk_world

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("name", ["home", "login", "receipt-check"])
def test_public_pages_allow_nothing_inline_nor_from_elsewhere(client, name):
    url = {"home": "home", "login": "login", "receipt-check": "ratings:receipt-check"}[name]
    response = client.get(reverse(url))
    assert response.status_code == 200
    directives = policy(response)
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_only_the_kiosks_code_page_may_use_the_camera(client, county):
    world = build_kiosk_world(county, cadres=1, codes=1)
    client.cookies[TERMINAL_COOKIE] = world.token
    welcome = client.get(reverse("ratings:kiosk"))
    code_page = client.get(reverse("ratings:kiosk-code"))
    assert welcome.status_code == code_page.status_code == 200
    assert "camera=()" in welcome["Permissions-Policy"]
    assert "camera=(self)" in code_page["Permissions-Policy"]
    assert "microphone=()" in code_page["Permissions-Policy"]
    assert "unsafe-inline" not in code_page["Content-Security-Policy"]


def test_no_template_carries_an_inline_style_or_script(settings):
    """What the policy would refuse, caught before a browser does: style attributes, style elements and
    scripts written in the page (a JSON data block is no script)."""
    offending = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if ' style="' in text or "<style" in text or "<script>" in text:
                offending.append(str(path.relative_to(folder)))
    assert offending == []
