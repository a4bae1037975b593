"""The household's card and its own page: opened by the card's secret code (stored hashed, wrong codes
limited per address), showing the household its cadres, visits and problems, never the cadre's notes;
a visit the household says did not happen is seen by the township."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import HouseholdCard, Visit
from meetings.visits import services
from portal.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


@pytest.fixture
def visited(county, vw):
    """Two visits to the paired household, with a problem and a policy; the card's code."""
    day = timezone.localdate() - datetime.timedelta(days=10)
    first, _created = services.visit_record(
        cadre=vw.cadre,
        household=vw.household,
        date=day,
        met="The father",
        situation="PRIVATE NOTE: debts to a neighbour",
        policies=[vw.policy],
        problems_raised="Irrigation channel blocked",
        by=county.cadre,
    )
    second, _created = services.visit_record(
        cadre=vw.cadre, household=vw.household, date=timezone.localdate(), met="The mother", by=county.cadre
    )
    code = services.card_issue(household=vw.household, by=county.township_admin)
    return first, second, code


def test_printing_cards_gives_each_household_a_new_code_kept_only_hashed(client, county, vw):
    client.force_login(county.township_admin)
    url = reverse("meetings:visit-cards", args=[county.village.code])
    assert client.get(url).status_code == 200
    response = client.post(url, {"household": [vw.household.pk, vw.unpaired.pk, vw.neighbours.pk]})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    html = response.content.decode()
    codes = re.findall(r'class="card-code">([0-9A-Z-]+)<', html)
    assert len(codes) == 2  # the other village's household is not this page's to print
    assert html.count("<svg") == 2
    for code in codes:
        assert not HouseholdCard.objects.filter(code_hash__icontains=code.replace("-", "")).exists()
    assert services.household_by_code(codes[0]) == vw.household
    assert AuditEntry.objects.filter(action="household_card_issue").count() == 2
    # Printing again replaces the code: the old card no longer opens the page.
    client.post(url, {"household": [vw.household.pk]})
    assert services.household_by_code(codes[0]) is None
    client.force_login(county.moderator)
    assert client.get(url).status_code == 404


def test_the_household_page_shows_its_visits_and_problems_but_no_private_notes(client, county, vw, visited):
    first, second, code = visited
    response = client.get(reverse("meetings:household-page", args=[code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alim Secretary" in html  # the paired cadre
    assert "Minimum living allowance" in html and "Irrigation channel blocked" in html
    assert first.date.isoformat() in html and second.date.isoformat() in html
    assert "PRIVATE NOTE" not in html and "The father" not in html
    assert "no-store" in response["Cache-Control"]
    # Typed by hand, in lower case with spaces, the code opens the same page.
    typed = client.post(reverse("meetings:household-code"), {"code": services.display_code(code).lower()})
    assert typed.status_code == 302
    assert client.get(typed["Location"]).status_code == 200


def test_wrong_codes_are_refused_then_limited_per_address(client, county, vw, visited, settings):
    _first, _second, code = visited
    settings.HOUSEHOLD_WRONG_CODES_PER_WINDOW = 3
    wrong = "0" * 16
    for _attempt in range(3):
        assert client.get(reverse("meetings:household-page", args=[wrong])).status_code == 404
    assert client.get(reverse("meetings:household-page", args=[wrong])).status_code == 429
    refused = client.get(reverse("meetings:household-page", args=[code]))
    assert refused.status_code == 429 and "Retry-After" in refused
    # Another address is not held up.
    assert (
        client.get(reverse("meetings:household-page", args=[code]), REMOTE_ADDR="10.0.0.9").status_code == 200
    )


def test_a_visit_that_did_not_happen_is_seen_by_the_township(client, county, vw, visited):
    first, second, code = visited
    url = reverse("meetings:household-dispute", args=[code, second.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"note": "Nobody came that day"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.disputed_at is not None and second.dispute_note == "Nobody came that day"
    assert AuditEntry.objects.filter(action="visit_dispute", chain=county.village.code).exists()
    assert (
        "You said this visit did not happen"
        in client.get(reverse("meetings:household-page", args=[code])).content.decode()
    )
    # Another household's code cannot touch this visit.
    other_code = services.card_issue(household=vw.unpaired, by=county.township_admin)
    assert client.post(reverse("meetings:household-dispute", args=[other_code, first.pk])).status_code == 404
    first.refresh_from_db()
    assert first.disputed_at is None

    client.force_login(county.township_admin)
    page = client.get(reverse("meetings:visits-disputed")).content.decode()
    assert "Nobody came that day" in page and "Alim Secretary" in page
    assert "1</span>" in client.get(reverse("meetings:visits-staff")).content.decode()
    client.force_login(county.moderator)
    assert "Nobody came that day" not in client.get(reverse("meetings:visits-disputed")).content.decode()
    assert Visit.objects.counted().count() == 1
