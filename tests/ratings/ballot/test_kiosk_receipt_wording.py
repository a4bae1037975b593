"""The receipt says in plain words what it proves (the ballot is in the box and was counted) and what
it does not (how one voted: nobody, not even the voter, can show the grades with it), on the kiosk, on
a villager's phone and on the public receipt check, in every language."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.ratings.ballot.doors import allow_phones, arm, phone_vote, vote
from tests.worlds import build_kiosk_world

PROVES = "It proves one thing only: that your ballot is in the box and was counted."
DOES_NOT = "It does not show how you voted. Nobody, not even you, can use it to show your grades to anyone"


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=1, codes=2)


@pytest.mark.parametrize("door", ["terminal", "phone"])
@pytest.mark.parametrize("language", ["en", "zh-hans", "ug"])
def test_the_receipt_says_what_it_proves_and_what_not(client, world, language, door):
    if door == "terminal":
        page = vote(arm(client, world), world, world.codes[0], language=language).content.decode()
    else:
        allow_phones(world)
        page = phone_vote(client, world, world.codes[0], language=language).content.decode()
    assert 'class="kiosk-receipt-code"' in page
    with translation.override(language):
        proves = translation.gettext(
            "Write it down if you wish. It proves one thing only: that your ballot is in the box and was "
            "counted. Once the results are published, you can look it up in the list of counted ballots."
        )
        does_not = translation.gettext(
            "It does not show how you voted. Nobody, not even you, can use it to show your grades to "
            "anyone: if someone asks for your receipt to check your vote, it tells them nothing about it."
        )
    assert proves in page and does_not in page
    if language == "en":
        assert PROVES in page and DOES_NOT in page
    else:
        assert PROVES not in page and DOES_NOT not in page  # translated, not left in English


def test_the_receipt_check_says_what_a_receipt_proves_and_what_not(client, db):
    page = client.get(reverse("ratings:receipt-check"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What a receipt proves, and what it does not" in page
    assert "your ballot is in the box and was counted" in page
    assert "It does not show how you voted. Nobody, not even you" in page
