"""The hall view: the count on the spot, projected once voting has closed (issue 14).

Who opens it, what each screen says before and after the count, and that it shows no more than the
public results page: the k rule and the quorum hold here too. Six ballots as in test_pages.py: cadre 0
gets four "satisfied", one "basically satisfied" and one "dissatisfied" on every criterion (mean 88.3333,
satisfaction 83.33%, competent, first); cadre 1 "dissatisfied" on every ballot (55, incompetent, second).
"""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from meetings import services as meeting_services
from meetings.models import Meeting
from ratings.models import ResultSnapshot
from ratings.results import display
from ratings.results import services as results_services
from ratings.templatetags.results_tags import percent, score
from tests.worlds import PLACES, build_world, published_world, voted_world

CADRE_0 = ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied"]
VOTES = [lambda cadre, _criterion, grade=grade: grade if cadre == 0 else "dissatisfied" for grade in CADRE_0]
ROLES = ("superuser", "township_admin", "moderator", "operator", "cadre", "nobody", "anonymous")
# portal.permissions PROJECT_COUNT: whoever runs the meeting, in the villages they run.
PROJECTS = {
    "superuser": set(PLACES),
    "township_admin": {"village", "neighbour"},
    "moderator": {"village"},
    "operator": {"village"},
}

pytestmark = pytest.mark.usefixtures("english_pages")


def hall_url(meeting, slide=None) -> str:
    address = reverse("ratings:hall", args=[meeting.pk])
    return address if slide is None else f"{address}?slide={slide}"


def text(response) -> str:
    """The page's text, tags removed and white space folded."""
    return text_of(response.content.decode())


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def screens(response) -> dict[int, str]:
    """Each screen's HTML by its number."""
    markup = response.content.decode()
    found = re.findall(r'(<section class="hall-screen[^"]*" id="screen-(\d+)".*?</section>)', markup, re.S)
    return {int(number): section for section, number in found}


def shown(response) -> list[int]:
    """The numbers of the screens not hidden (the opening tag ends with " hidden>" when hidden)."""
    return [number for number, markup in screens(response).items() if " hidden>" not in markup.split("\n")[0]]


def figure(markup: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', markup)
    return match.group(1) if match else None


def world_in(county, place="village", votes=VOTES, **options):
    """A closed vote in the place's village; outside the county's own village the superuser sets it up."""
    setup = {} if place == "village" else {"admin": county.superuser, "operator": county.superuser}
    return voted_world(county, votes, village=getattr(county, place), **setup, **options)


def computed(world, county):
    return results_services.results_compute(meeting=world.meeting, by=county.township_admin)


def as_user(client, county, role):
    if role != "anonymous":
        client.force_login(getattr(county, role))
    return client


# --- who may -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_hall(client, county, role, place):
    world = world_in(county, place)
    response = as_user(client, county, role).get(hall_url(world.meeting))
    if role == "anonymous":
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    elif place in PROJECTS.get(role, set()):
        assert response.status_code == 200
    else:
        # Another village's meeting does not exist for this account.
        assert response.status_code == 404


def test_the_hall_is_read_only(client, county):
    world = world_in(county)
    client.force_login(county.operator)
    before = ResultSnapshot.objects.count(), Meeting.objects.get(pk=world.meeting.pk).status
    assert client.post(hall_url(world.meeting)).status_code == 405
    assert client.head(hall_url(world.meeting)).status_code == 200
    assert (ResultSnapshot.objects.count(), Meeting.objects.get(pk=world.meeting.pk).status) == before


def test_while_voting_is_open_the_hall_says_it_waits(client, county):
    world = build_world(county)
    client.force_login(county.operator)
    response = client.get(hall_url(world.meeting))
    assert response.status_code == 409
    assert "The count is shown in the hall once voting has closed." in text(response)
    assert 'data-figure="present"' not in response.content.decode()


def test_an_annulled_meeting_shows_nothing(client, county):
    world, _snapshot = published_world(county, VOTES)
    meeting_services.meeting_annul(meeting=world.meeting, reason="Ballots lost.", by=county.township_admin)
    client.force_login(county.township_admin)
    response = client.get(hall_url(world.meeting))
    assert response.status_code == 409
    assert "The meeting was annulled; its results are withdrawn." in text(response)
    assert "Cadre 0" not in text(response)


# --- what it shows -----------------------------------------------------------------------------------


def test_before_the_draft_it_shows_the_turnout_and_says_the_count_is_in_progress(client, county):
    world = world_in(county)
    client.force_login(county.operator)
    response = client.get(hall_url(world.meeting))
    assert response.status_code == 200
    page = text(response)
    (turnout,) = screens(response).values()
    # Six signed in of six on the roll: more than half is four.
    figures = [figure(turnout, name) for name in ("present", "roll", "required", "ballots")]
    assert figures == ["6", "6", "4", "6"]
    assert "The quorum is met." in page
    assert "Ballots by door: Voting terminal: 6 Villager's phone: 0 Paper ballot: 0" in page
    assert "The count is in progress" in page
    assert "Cadre 0" not in page and "Next screen" not in page


def test_the_draft_is_shown_one_cadre_a_screen_as_it_will_be_published(client, county):
    world = world_in(county)
    snapshot = computed(world, county)
    client.force_login(county.moderator)
    response = client.get(hall_url(world.meeting))
    found = screens(response)
    assert shown(response) == [1]
    assert "The count is in progress" not in text(response)
    assert sorted(found) == [1, 2, 3]
    for number, cadre in enumerate(display.cadre_sections(snapshot.data), start=2):
        markup = found[number]
        assert f"data-cadre-name><bdi>{cadre['name']}</bdi><" in markup
        assert figure(markup, "score") == score(cadre["score"])
        assert figure(markup, "satisfaction") == percent(cadre["satisfaction"])
        assert figure(markup, "verdict").strip() == cadre["verdict"]
        assert f"{number} / 3" in text_of(markup)
    assert "Cadre 0" in found[2] and "No. 1" in found[2] and "88.3333" in found[2] and "83.33%" in found[2]
    assert "Cadre 1" in found[3] and "Incompetent" in found[3]
    assert "Draft, under review, Version 1" in text_of(found[2])


def test_published_results_show_the_public_page_figures(client, county):
    world, snapshot = published_world(county, VOTES)
    public = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("ratings:results", args=[world.meeting.pk])))
    client.force_login(county.township_admin)
    found = screens(client.get(hall_url(world.meeting)))
    for number, cadre in enumerate(display.cadre_sections(snapshot.data), start=2):
        assert figure(found[number], "score") == score(cadre["score"])
        assert f"{cadre['name']} Overall score {score(cadre['score'])}" in public
    assert "Under public notice, Version 1" in text_of(found[2])


def test_below_k_ballots_no_cadre_is_shown(client, county):
    # Three ballots, fewer than the scheme's k of 5: the public page would publish no cadre's figure.
    world = world_in(county, votes=VOTES[:3])
    computed(world, county)
    client.force_login(county.township_admin)
    response = client.get(hall_url(world.meeting, slide=1))
    page = text(response)
    assert "Only 3 ballots were cast, fewer than 5." in page
    assert "Cadre 0" not in page and "Cadre 1" not in page
    assert 'data-figure="score"' not in response.content.decode()
    assert list(screens(response)) == [1]
    assert client.get(hall_url(world.meeting, slide=2)).status_code == 400


def test_below_quorum_no_cadre_is_shown(client, county):
    world = world_in(county)
    computed(world, county)
    # The roll frozen at voting open counted 100 voters; 6 came.
    Meeting.objects.filter(pk=world.meeting.pk).update(roll_size=100)
    client.force_login(county.township_admin)
    response = client.get(hall_url(world.meeting))
    page = text(response)
    assert [figure(response.content.decode(), name) for name in ("present", "roll", "required")] == [
        "6",
        "100",
        "51",
    ]
    assert "The quorum was not met: the results cannot be published." in page
    assert "Cadre 0" not in page and 'data-figure="score"' not in response.content.decode()


def test_a_recount_shows_the_latest_version(client, county):
    world, published = published_world(county, VOTES)
    recount = ResultSnapshot.objects.create(
        meeting=world.meeting,
        version=2,
        status=ResultSnapshot.Status.DRAFT,
        data=published.data,
        ballots=published.ballots,
        ballots_sha256=published.ballots_sha256,
        computed_at=published.computed_at,
    )
    client.force_login(county.township_admin)
    found = screens(client.get(hall_url(world.meeting)))
    assert f"Draft, under review, Version {recount.version}" in text_of(found[2])


def test_a_draft_that_missed_ballots_of_the_box_is_not_the_count(client, county):
    # As when paper ballots went into the box after the draft was computed: the draft counted fewer.
    world = world_in(county)
    draft = computed(world, county)
    ResultSnapshot.objects.filter(pk=draft.pk).delete()
    ResultSnapshot.objects.create(
        meeting=world.meeting,
        version=1,
        status=ResultSnapshot.Status.DRAFT,
        data=draft.data,
        ballots=draft.ballots - 1,
        ballots_sha256=draft.ballots_sha256,
        computed_at=draft.computed_at,
    )
    client.force_login(county.operator)
    response = client.get(hall_url(world.meeting))
    assert "The count is in progress" in text(response)
    assert "Cadre 0" not in text(response) and list(screens(response)) == [1]


# --- the screens' addresses ----------------------------------------------------------------------------


def test_each_screen_has_its_address_and_plain_links(client, county):
    world = world_in(county)
    computed(world, county)
    client.force_login(county.operator)
    response = client.get(hall_url(world.meeting, slide=2))
    assert shown(response) == [2]
    second = screens(response)[2]
    assert 'href="?slide=1"' in second and 'href="?slide=3"' in second
    last = screens(client.get(hall_url(world.meeting, slide=3)))[3]
    assert 'href="?slide=2"' in last and "Next screen" not in last


@pytest.mark.parametrize("slide", ["0", "4", "two", "-1", "99999999999999999999"])
def test_a_screen_that_does_not_exist_is_a_400_naming_the_range(client, county, slide):
    world = world_in(county)
    computed(world, county)
    client.force_login(county.operator)
    response = client.get(f"{hall_url(world.meeting)}?slide={slide}")
    assert response.status_code == 400
    assert "“slide” must be a whole number from 1 to 3." in text(response)


def test_the_hall_speaks_uyghur_right_to_left(county):
    world = world_in(county)
    client = Client(HTTP_ACCEPT_LANGUAGE="ug")
    client.force_login(county.operator)
    response = client.get(hall_url(world.meeting))
    assert '<html lang="ug" dir="rtl">' in response.content.decode()
    assert "bootstrap.rtl.min.css" in response.content.decode()


def test_the_hall_reads_a_fixed_number_of_queries(client, county, django_assert_num_queries):
    world = world_in(county, cadres=6)
    computed(world, county)
    client.force_login(county.operator)
    # session, user, the meeting in the user's villages, whether the user moderates there (the way out),
    # the attendance (the roll was frozen at voting open), the reconciliation's counts in one query, the
    # latest snapshot, and whether paper ballots are still out (the poll book, the pages, the sheets):
    # whatever the number of cadres and criteria, which are the snapshot's data
    with django_assert_num_queries(10):
        response = client.get(hall_url(world.meeting))
    assert len(screens(response)) == 7


# --- the ways in ---------------------------------------------------------------------------------------


def test_the_results_review_and_the_meeting_control_link_to_the_hall(client, county):
    world = world_in(county)
    client.force_login(county.township_admin)
    review = client.get(reverse("ratings:staff-results", args=[world.meeting.pk])).content.decode()
    assert hall_url(world.meeting) in review
    client.force_login(county.operator)
    control = client.get(reverse("meetings:staff-meeting", args=[world.meeting.pk])).content.decode()
    assert hall_url(world.meeting) in control
    assert f'href="{reverse("meetings:staff-meeting", args=[world.meeting.pk])}"' in (
        client.get(hall_url(world.meeting)).content.decode()
    )


def test_no_link_to_the_hall_while_voting_is_open(client, county):
    world = build_world(county)
    client.force_login(county.operator)
    control = client.get(reverse("meetings:staff-meeting", args=[world.meeting.pk])).content.decode()
    assert hall_url(world.meeting) not in control
