"""The ballot page's body (ratings.ballot.page.body): rendered once per meeting and language while
voting is open, and kept in the cache for a minute, since a whole assembly opens the page at once. A
ballot sent back is rendered with its own choices and never stored for the next villager."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from meetings.models import Meeting
from portal.models import Cadre
from ratings.ballot import page
from tests.ratings.ballot.doors import (
    allow_phones,
    arm,
    ballot_post,
    begin,
    cast,
    phone_begin,
    phone_url,
    url,
)
from tests.worlds import build_kiosk_world, set_status


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=2, codes=4, phones_allowed=True)


def ballot_body(response) -> str:
    """The page's form without its CSRF token, which differs from one response to the next."""
    form = re.search(r"<form [^>]*data-ballot.*?</form>", response.content.decode(), re.S).group(0)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", form)


def test_a_second_villager_gets_the_same_body_from_the_cache(client, world):
    arm(client, world)
    begin(client, world.codes[0])
    first = ballot_body(client.get(url("kiosk-ballot")))
    Cadre.objects.filter(pk=world.cadres[0].pk).update(name="Renamed Meanwhile")
    client.post(url("kiosk-reset"))
    begin(client, world.codes[1])

    second = ballot_body(client.get(url("kiosk-ballot")))

    assert second == first
    assert "Renamed Meanwhile" not in second  # the body was not rendered again
    cache.clear()  # a minute later
    assert "Renamed Meanwhile" in ballot_body(client.get(url("kiosk-ballot")))


def test_the_cache_is_per_language(client, world):
    arm(client, world)
    begin(client, world.codes[0], language="en")
    english = ballot_body(client.get(url("kiosk-ballot")))
    client.post(url("kiosk-reset"))
    begin(client, world.codes[1], language="zh-hans")

    chinese = ballot_body(client.get(url("kiosk-ballot")))

    assert "Diligent households" in english
    assert chinese != english and "Diligent households" not in chinese
    with translation.override("zh-hans"):
        assert translation.gettext("Diligent households") in chinese


def test_both_doors_share_the_body(world):
    terminal = arm(Client(), world)
    begin(terminal, world.codes[0])
    on_terminal = ballot_body(terminal.get(url("kiosk-ballot")))
    phone = Client()
    phone_begin(phone, world, world.codes[1])
    on_phone = ballot_body(phone.get(phone_url("phone-ballot", world)))
    # The same screens; only the addresses the form is sent to differ.
    assert on_phone.replace(phone_url("phone-cast", world), url("kiosk-cast")) == on_terminal


def test_a_ballot_sent_back_is_rendered_afresh_and_not_kept(client, world):
    arm(client, world)
    begin(client, world.codes[0])
    client.get(url("kiosk-ballot"))
    data = ballot_post(world, "dissatisfied", numbers=["NOPE-9"])

    sent_back = client.post(url("kiosk-cast"), data)

    assert sent_back.status_code == 400
    assert " checked" in ballot_body(sent_back) and 'value="NOPE-9"' in ballot_body(sent_back)
    client.post(url("kiosk-reset"))
    begin(client, world.codes[1])
    next_page = ballot_body(client.get(url("kiosk-ballot")))
    assert " checked" not in next_page and "NOPE-9" not in next_page
    assert cast(client, world, ballot_post(world)).status_code == 302


def test_a_meeting_not_yet_voting_is_never_kept(world):
    set_status(world.meeting, Meeting.Status.ANNOUNCED)
    with translation.override("en"):
        html = page.body(world.meeting)
    assert world.cadres[0].name in html
    Cadre.objects.filter(pk=world.cadres[0].pk).update(name="Renamed Before Voting")
    with translation.override("en"):
        assert "Renamed Before Voting" in page.body(world.meeting)


def test_the_phone_page_is_one_query_once_cached(world, django_assert_max_num_queries):
    allow_phones(world)
    phone = Client()
    phone_begin(phone, world, world.codes[0])
    phone.get(phone_url("phone-ballot", world))
    # The meeting with its village and scheme; the body from the cache.
    with django_assert_max_num_queries(1):
        assert phone.get(phone_url("phone-ballot", world)).status_code == 200
