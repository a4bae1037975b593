"""The Django admin works under the portal's Content-Security-Policy (issue 18).

The policy allows no inline script or style. Django's admin templates carry none (their scripts are
files, their settings data attributes), and neither do the portal's: every admin page answers with the
policy, and what the pages load comes from the site itself.
"""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.worlds import published_world

pytestmark = pytest.mark.usefixtures("english", "english_pages")

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S|<style\b|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)


def admin_pages(client):
    """The index, and for every registered model its changelist, its add form and the change form of
    its most recent row (a model may refuse adding: 403 is its answer, not a failure)."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        latest = model._default_manager.order_by("-pk").first()
        if latest is not None:
            urls.append(reverse(f"{name}_change", args=[latest.pk]))
    return urls


@pytest.fixture
def superuser_client(client, county):
    published_world(county, ["satisfied"] * 5)  # a scheme, a meeting, cadres, residents, audit entries
    client.force_login(county.superuser)
    return client


def test_every_admin_page_answers_under_the_policy(superuser_client):
    pages = admin_pages(superuser_client)
    assert len(pages) > 25
    for url in pages:
        response = superuser_client.get(url)
        assert response.status_code in (200, 403), url
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        if response.status_code == 200:
            html = response.content.decode()
            assert INLINE.search(html) is None, (url, INLINE.search(html))
            # Scripts and stylesheets from the site only.
            for source in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
                assert source.startswith("/"), (url, source)


def test_an_admin_change_saves_under_the_policy(superuser_client, county):
    url = reverse("admin:portal_township_change", args=[county.township.pk])
    response = superuser_client.post(
        url, {"name": "Tograk Town", "code": county.township.code, "county": "Shufu"}, follow=True
    )
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    county.township.refresh_from_db()
    assert county.township.name == "Tograk Town"


def test_an_empty_to_field_is_refused_not_a_server_error(superuser_client, county):
    """Django looked the object up by a field named '' (a 500); the portal's admin site refuses it."""
    for name in ("portal_township_change", "portal_township_delete"):
        url = reverse(f"admin:{name}", args=[county.township.pk])
        assert superuser_client.get(url, {"_to_field": ""}).status_code == 400
        assert superuser_client.post(url, {"_to_field": ""}).status_code == 400
    url = reverse("admin:auth_user_change", args=[county.superuser.pk])
    assert superuser_client.get(url, {"_to_field": ""}).status_code == 400
    assert superuser_client.get(url).status_code == 200
