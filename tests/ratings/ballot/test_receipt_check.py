"""The public receipt check: counted or not found, once the results are published, and nothing else."""

import pytest
from django.urls import reverse
from django.utils.translation import override

from meetings import services as meeting_services
from meetings.models import Meeting
from ratings.ballot import codes
from tests.worlds import build_world, make_meeting, set_status

# The allowance of checks is counted in the cache, which outlives a test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

URL = "/receipts/"


@pytest.fixture
def voted(county):
    """The village's meeting with three ballots cast and the vote closed; results not published yet."""
    world = build_world(county, codes=3, residents=0)
    world.receipts = [world.cast(code).receipt for code in world.codes]
    meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    return world


def check(client, meeting, receipt, **extra):
    with override("en"):
        return client.post(
            URL, {"meeting": meeting.pk, "receipt": receipt}, HTTP_ACCEPT_LANGUAGE="en", **extra
        )


def test_the_route_is_named():
    assert reverse("ratings:receipt-check") == URL


def test_before_any_results_are_published_the_page_says_so(client, voted):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "No meeting has published its results yet" in response.text
    assert 'name="receipt"' not in response.text


def test_a_link_to_a_meeting_still_counting_says_its_results_are_not_published(client, voted, county):
    other = build_world(
        county, village=county.neighbour, codes=0, residents=0, operator=county.township_admin
    )
    set_status(other.meeting, Meeting.Status.FINAL)  # so that the form itself is shown

    response = client.get(URL, {"meeting": voted.meeting.pk}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "are not published yet" in response.text
    assert str(voted.meeting.village.name) in response.text


def test_a_link_to_an_annulled_meeting_says_it_has_no_results(client, voted):
    set_status(voted.meeting, Meeting.Status.ANNULLED)

    response = client.get(URL, {"meeting": voted.meeting.pk}, HTTP_ACCEPT_LANGUAGE="en")

    assert "was annulled" in response.text


@pytest.mark.parametrize("meeting", ["999999", "abc", "1" * 40, ""])
def test_a_link_to_no_public_meeting_says_nothing_about_it(client, voted, meeting):
    response = client.get(URL, {"meeting": meeting}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "not published yet" not in response.text


def test_a_draft_meeting_is_not_named_even_by_a_link(client, county):
    draft = make_meeting(county.neighbour, [], status=Meeting.Status.DRAFT, year=2031)

    response = client.get(URL, {"meeting": draft.pk}, HTTP_ACCEPT_LANGUAGE="en")

    assert "not published yet" not in response.text
    assert county.neighbour.name not in response.text


def test_only_meetings_with_published_results_can_be_chosen(client, voted, county):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)
    neighbour = build_world(
        county, village=county.neighbour, codes=0, residents=0, operator=county.township_admin
    )
    elsewhere = build_world(
        county,
        village=county.elsewhere,
        codes=0,
        residents=0,
        operator=county.superuser,
        admin=county.superuser,
    )
    set_status(elsewhere.meeting, Meeting.Status.FINAL)

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    choices = {choice.pk for choice in response.context["form"].fields["meeting"].queryset}
    assert choices == {voted.meeting.pk, elsewhere.meeting.pk}
    assert f'value="{neighbour.meeting.pk}"' not in response.text


@pytest.mark.parametrize("status", [Meeting.Status.UNDER_NOTICE, Meeting.Status.FINAL])
def test_a_counted_receipt_is_counted(client, voted, status):
    set_status(voted.meeting, status)

    response = check(client, voted.meeting, voted.receipts[1])

    assert response.status_code == 200
    assert response.context["counted"] is True
    assert "Counted." in response.text
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_receipt_may_be_typed_as_a_villager_types_it(client, voted):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)
    typed = f" {voted.receipts[0][:4].lower()}-{voted.receipts[0][4:].lower()} "

    assert check(client, voted.meeting, typed).context["counted"] is True


def test_an_unknown_receipt_is_not_found(client, voted):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)

    response = check(client, voted.meeting, codes.new_receipt())

    assert response.status_code == 200
    assert response.context["counted"] is False
    assert "Not found." in response.text


def test_a_receipt_of_another_meeting_is_not_found_in_this_one(client, voted, county):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)
    other = build_world(
        county, village=county.neighbour, codes=1, residents=0, operator=county.township_admin
    )
    receipt = other.cast(other.codes[0]).receipt
    meeting_services.voting_close(meeting=other.meeting, by=county.township_admin)
    set_status(other.meeting, Meeting.Status.UNDER_NOTICE)

    assert check(client, voted.meeting, receipt).context["counted"] is False
    assert check(client, other.meeting, receipt).context["counted"] is True


def test_the_answer_tells_nothing_of_the_ballot(client, voted):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)

    page = check(client, voted.meeting, voted.receipts[0]).text

    for cadre in voted.cadres:
        assert cadre.name not in page
    for grade in voted.grades.values():
        assert grade.label not in page


def test_before_publication_a_check_is_refused(client, voted):
    response = check(client, voted.meeting, voted.receipts[0])

    assert response.status_code == 400
    assert response.context["counted"] is None
    assert "Counted." not in response.text


@pytest.mark.parametrize("receipt", ["", "SHORT", "ABCDEFGHU", "ABCD*FGH", "ЁЁЁЁЁЁЁЁ", "x" * 500])
def test_a_malformed_receipt_is_a_400_with_a_message(client, voted, receipt):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)

    response = check(client, voted.meeting, receipt)

    assert response.status_code == 400
    assert response.context["counted"] is None
    assert response.context["form"].errors["receipt"]


def test_checks_are_limited_per_address_and_other_addresses_go_on(client, voted, settings):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)
    settings.RECEIPT_CHECKS_PER_WINDOW = 3
    for _check in range(3):
        assert check(client, voted.meeting, voted.receipts[0], REMOTE_ADDR="10.1.1.1").status_code == 200

    limited = check(client, voted.meeting, voted.receipts[0], REMOTE_ADDR="10.1.1.1")

    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Too many checks" in limited.text
    assert limited.context["counted"] is None  # no answer at all once the allowance is spent
    assert check(client, voted.meeting, voted.receipts[0], REMOTE_ADDR="10.2.2.2").status_code == 200
    # Reading the page costs nothing.
    assert client.get(URL, REMOTE_ADDR="10.1.1.1").status_code == 200


def test_only_get_and_post(client):
    assert client.put(URL).status_code == 405


@pytest.mark.parametrize("language", ["zh-hans", "ug", "en"])
def test_the_page_speaks_the_visitors_language(client, voted, language):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)
    client.cookies["django_language"] = language

    response = client.get(URL)

    assert response.status_code == 200
    assert f'lang="{language}"' in response.text


def test_the_page_is_a_fixed_number_of_queries(client, voted, county, django_assert_num_queries):
    set_status(voted.meeting, Meeting.Status.UNDER_NOTICE)
    for village in (county.neighbour, county.elsewhere):
        world = build_world(
            county, village=village, codes=0, residents=0, operator=county.superuser, admin=county.superuser
        )
        set_status(world.meeting, Meeting.Status.FINAL)
    # whether any meeting is published, then the meetings with their villages and townships for the
    # list — however many meetings there are
    with django_assert_num_queries(2):
        client.get(URL)
    # the same two, and the chosen meeting and the lookup of the receipt
    with django_assert_num_queries(4):
        check(client, voted.meeting, voted.receipts[0])
