"""The kiosk without JavaScript, through Django's test client: what one villager after another sees.

The terminal guards every page; the whole path casts exactly the ballot chosen; every response is
uncacheable; a reset or a cast leaves nothing of the villager in the session; bad posts write nothing.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from ratings.ballot import services
from ratings.ballot.schemes import scheme_create
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import Ballot, BallotCode, BallotGrade, BallotNomination
from tests.worlds import build_kiosk_world, set_status

PAGES = [
    ("get", "kiosk", ()),
    ("get", "kiosk-code", ()),
    ("get", "kiosk-cadre", (1,)),
    ("get", "kiosk-nominate", ()),
    ("get", "kiosk-review", ()),
    ("post", "kiosk-cast", ()),
    ("get", "kiosk-receipt", ()),
]


def arm(client, world) -> None:
    """Make the test client's browser the world's first terminal."""
    client.cookies[TERMINAL_COOKIE] = world.token


def url(name: str, *args) -> str:
    return reverse(f"ratings:{name}", args=args)


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=3, codes=4)


@pytest.fixture
def terminal(client, world):
    """The test client as the world's first terminal, showing pages in English to make them readable
    (the kiosk's own default is Chinese; see the language tests)."""
    arm(client, world)
    return client


def start(client, language="en", text_size="normal"):
    response = client.post(url("kiosk"), {"language": language, "text_size": text_size})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def enter_code(client, code):
    response = client.post(url("kiosk-code"), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def grade_cadre(client, world, position, grade="satisfied", **query):
    data = {f"grade-{criterion.pk}": world.grades[grade].pk for criterion in world.criteria}
    suffix = "?from=review" if query.get("from_review") else ""
    response = client.post(url("kiosk-cadre", position) + suffix, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def fill_in(client, world, *, code=None, grades=("satisfied", "basically_satisfied", "dont_know")):
    start(client)
    enter_code(client, code or world.codes[0])
    for position, grade in enumerate(grades, start=1):
        grade_cadre(client, world, position, grade)


def no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "no-cache", "must-revalidate", "max-age=0"} <= directives and (
        response.get("Pragma") == "no-cache"
    )


def session_key(client) -> str | None:
    cookie = client.cookies.get("sessionid")
    return cookie.value if cookie and cookie.value else None


# --- the terminal and the vote guard every page ---------------------------------------------------


@pytest.mark.parametrize(("method", "name", "args"), PAGES)
def test_a_browser_that_is_not_an_armed_terminal_gets_a_403_page(client, world, method, name, args):
    # The page speaks the browser's language: it is usually the clerk who reads it.
    response = getattr(client, method)(url(name, *args), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "not a voting terminal" in response.content.decode()
    assert no_store(response)


def test_a_disarmed_terminal_gets_a_403_page_and_loses_its_ballot(terminal, world, county):
    start(terminal)
    services.terminal_disarm(terminal=world.terminal, by=county.operator)
    response = terminal.get(url("kiosk-code"))
    assert response.status_code == 403
    assert not Session.objects.exists()  # the ballot in progress went with it


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Meeting.Status.ANNOUNCED, "has not opened yet"),
        (Meeting.Status.VOTING_CLOSED, "Voting is closed"),
        (Meeting.Status.UNDER_NOTICE, "Voting is closed"),
    ],
)
def test_voting_not_open_is_a_clear_409_and_clears_the_ballot_in_progress(terminal, world, status, words):
    start(terminal)
    enter_code(terminal, world.codes[0])
    set_status(world.meeting, status)
    responses = [getattr(terminal, method)(url(name, *args)) for method, name, args in PAGES[:-1]]
    assert [response.status_code for response in responses] == [409] * len(responses)
    assert all(no_store(response) for response in responses)
    # The first page, still in the villager's language, says why; the ballot in progress is gone.
    assert words in responses[0].content.decode()
    assert not Session.objects.exists()
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 0


# --- the whole path --------------------------------------------------------------------------------


def test_the_whole_path_without_javascript_casts_exactly_the_ballot_chosen(terminal, world):
    responses = [terminal.get(url("kiosk"))]
    responses.append(start(terminal))
    responses.append(terminal.get(url("kiosk-code")))
    responses.append(enter_code(terminal, world.codes[0].lower()))  # typing is forgiving
    chosen = {}
    for position, cadre in enumerate(world.cadres, start=1):
        page = terminal.get(url("kiosk-cadre", position))
        responses.append(page)
        assert page.status_code == 200
        assert cadre.name in page.content.decode()
        data = {}
        for index, criterion in enumerate(world.criteria):
            grade = list(world.grades.values())[(position + index) % len(world.grades)]
            data[f"grade-{criterion.pk}"] = grade.pk
            chosen[(cadre.pk, criterion.pk)] = grade.pk
        responses.append(terminal.post(url("kiosk-cadre", position), data))
    assert responses[-1].url == url("kiosk-nominate")

    search = terminal.get(url("kiosk-nominate"), {"q": "mamat"})  # by a resident's name
    responses.append(search)
    mamat = world.household_named("Mamat Ali")
    assert f'value="{mamat.pk}"' in search.content.decode()
    responses.append(terminal.post(url("kiosk-nominate"), {"household": mamat.pk}))
    by_number = terminal.get(url("kiosk-nominate"), {"q": world.households[2].number})
    assert f'name="household" value="{world.households[2].pk}"' in by_number.content.decode()
    responses.append(terminal.post(url("kiosk-nominate"), {"household": world.households[2].pk}))
    responses.append(terminal.post(url("kiosk-nominate"), {"household": world.households[3].pk}))
    responses.append(terminal.post(url("kiosk-nominate"), {"remove": world.households[3].pk}))

    review = terminal.get(url("kiosk-review"))
    responses.append(review)
    text = review.content.decode()
    assert all(cadre.name in text for cadre in world.cadres)
    assert mamat.number in text and world.households[2].number in text
    assert world.households[3].number not in text
    assert text.count("?from=review") == len(world.cadres)

    before = session_key(terminal)
    cast = terminal.post(url("kiosk-cast"))
    responses.append(cast)
    assert cast.status_code == 302 and cast.url == url("kiosk-receipt")
    assert not Session.objects.filter(session_key=before).exists()
    receipt_page = terminal.get(url("kiosk-receipt"))
    responses.append(receipt_page)

    ballot = Ballot.objects.get()
    assert ballot.receipt in receipt_page.content.decode()
    assert {(g.cadre_id, g.criterion_id): g.grade_id for g in BallotGrade.objects.all()} == chosen
    assert sorted(BallotNomination.objects.values_list("household_id", flat=True)) == sorted(
        [mamat.pk, world.households[2].pk]
    )
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 1
    assert all(no_store(response) for response in responses), [
        (response.status_code, response.get("Cache-Control"))
        for response in responses
        if not no_store(response)
    ]

    # The receipt shows once; after it nothing of this villager is left.
    again = terminal.get(url("kiosk-receipt"))
    assert again.status_code == 302 and again.url == url("kiosk")
    for name, args in (("kiosk-cadre", (1,)), ("kiosk-review", ()), ("kiosk-nominate", ())):
        back = terminal.get(url(name, *args))
        assert back.status_code == 302 and back.url == url("kiosk"), name
    welcome = terminal.get(url("kiosk")).content.decode()
    assert ballot.receipt not in welcome and mamat.number not in welcome
    assert 'lang="zh-hans"' in welcome


def test_quick_mode_asks_one_overall_grade_per_cadre(client, county):
    world = build_kiosk_world(county, quick_mode=True, cadres=2)
    arm(client, world)
    start(client)
    enter_code(client, world.codes[0])
    page = client.get(url("kiosk-cadre", 1)).content.decode()
    assert 'name="grade-overall"' in page and f'name="grade-{world.criteria[0].pk}"' not in page
    for position in (1, 2):
        response = client.post(
            url("kiosk-cadre", position), {"grade-overall": world.grades["dissatisfied"].pk}
        )
        assert response.status_code == 302
    assert client.post(url("kiosk-cast")).status_code == 302
    assert set(BallotGrade.objects.values_list("criterion_id", "grade_id")) == {
        (None, world.grades["dissatisfied"].pk)
    }


def test_the_cadre_page_shows_post_and_a_plain_two_line_summary_of_the_published_report(terminal, world):
    start(terminal)
    enter_code(terminal, world.codes[0])
    page = terminal.get(url("kiosk-cadre", 1)).content.decode()
    summary = re.search(r'class="kiosk-summary">([^<]*)<', page).group(1)
    assert summary.startswith("Led the branch: roads and water for 320 households.")
    assert "**" not in summary and "[" not in summary
    assert "Party branch secretary" in page
    assert 'class="kiosk-summary"' not in terminal.get(url("kiosk-cadre", 2)).content.decode()


def test_changing_an_answer_from_the_review_comes_back_to_the_review(terminal, world):
    fill_in(terminal, world)
    terminal.post(url("kiosk-nominate"), {"household": world.households[0].pk})
    page = terminal.get(url("kiosk-cadre", 2) + "?from=review").content.decode()
    chosen = world.grades["basically_satisfied"].pk
    assert f'value="{chosen}" checked' in page  # the villager's own earlier answer
    response = grade_cadre(terminal, world, 2, "dissatisfied", from_review=True)
    assert response.url == url("kiosk-review")
    assert terminal.post(url("kiosk-cast")).status_code == 302
    grades = BallotGrade.objects.filter(cadre=world.cadres[1]).values_list("grade_id", flat=True)
    assert set(grades) == {world.grades["dissatisfied"].pk}


def test_steps_cannot_be_skipped(terminal, world):
    assert terminal.get(url("kiosk-cadre", 1)).url == url("kiosk")
    start(terminal)
    assert terminal.get(url("kiosk-review")).url == url("kiosk-code")
    enter_code(terminal, world.codes[0])
    grade_cadre(terminal, world, 1)
    assert terminal.get(url("kiosk-review")).url == url("kiosk-cadre", 2)
    assert terminal.post(url("kiosk-cast")).url == url("kiosk-cadre", 2)
    assert terminal.get(url("kiosk-cadre", 9)).status_code == 404
    assert not Ballot.objects.exists()


# --- one villager after another --------------------------------------------------------------------


def test_reset_flushes_the_session_and_the_next_villager_sees_nothing(terminal, world):
    start(terminal, language="ug", text_size="large")
    enter_code(terminal, world.codes[0])
    grade_cadre(terminal, world, 1, "dissatisfied")
    terminal.post(url("kiosk-nominate"), {"household": world.households[1].pk})
    before = session_key(terminal)
    assert before

    response = terminal.post(url("kiosk-reset"))
    assert response.status_code == 302 and response.url == url("kiosk")
    assert no_store(response)
    assert not Session.objects.filter(session_key=before).exists()
    assert session_key(terminal) != before

    for name, args in (
        ("kiosk-code", ()),
        ("kiosk-cadre", (1,)),
        ("kiosk-nominate", ()),
        ("kiosk-review", ()),
    ):
        assert terminal.get(url(name, *args)).url == url("kiosk"), name
    welcome = terminal.get(url("kiosk")).content.decode()
    assert 'lang="zh-hans"' in welcome and "kiosk-text-normal" in welcome
    assert world.households[1].number not in welcome

    # The next villager starts afresh: nothing chosen, and the first one's code is still unused.
    start(terminal)
    enter_code(terminal, world.codes[1])
    page = terminal.get(url("kiosk-cadre", 1)).content.decode()
    assert " checked" not in page
    assert session_key(terminal) != before
    assert BallotCode.objects.filter(status=BallotCode.Status.ISSUED).count() == len(world.codes) + len(
        world.resident_codes
    )


def test_a_ballot_left_alone_expires_on_the_server_even_without_javascript(terminal, world):
    start(terminal)
    enter_code(terminal, world.codes[0])
    session = Session.objects.get()
    assert session.expire_date <= timezone.now() + datetime.timedelta(
        seconds=settings.KIOSK_ABANDONED_SECONDS
    )


@pytest.mark.parametrize("language", ["en", "zh-hans", "ug"])
def test_the_idle_question_counts_down_the_grace_the_settings_give(terminal, world, settings, language):
    settings.KIOSK_IDLE_SECONDS, settings.KIOSK_IDLE_GRACE_SECONDS = 120, 30
    start(terminal, language=language)
    page = terminal.get(url("kiosk-code")).content.decode()
    assert 'data-idle-ms="120000" data-idle-grace-ms="30000"' in page
    assert "<span data-idle-countdown>30</span>" in page


def test_the_language_is_the_villagers_own_and_never_a_cookie(client, world):
    arm(client, world)
    client.cookies["django_language"] = "en"  # left by someone's visit to the public pages
    responses = [client.get(url("kiosk"), HTTP_ACCEPT_LANGUAGE="en")]
    assert 'lang="zh-hans"' in responses[0].content.decode()  # the kiosk's default, whatever the browser says
    responses.append(start(client, language="ug", text_size="large"))
    code_page = client.get(url("kiosk-code"))
    responses.append(code_page)
    page = code_page.content.decode()
    assert 'lang="ug" dir="rtl"' in page and "bootstrap.rtl.min.css" in page and "kiosk-text-large" in page
    assert code_page["Content-Language"] == "ug"
    enter_code(client, world.codes[0])
    for position in (1, 2, 3):
        responses.append(grade_cadre(client, world, position))
    responses.append(client.post(url("kiosk-cast")))
    receipt = client.get(url("kiosk-receipt"))
    responses.append(receipt)
    assert 'lang="ug"' in receipt.content.decode()  # the receipt still in the villager's language
    responses.append(client.post(url("kiosk-reset")))
    welcome = client.get(url("kiosk"), HTTP_ACCEPT_LANGUAGE="ug")
    responses.append(welcome)
    assert 'lang="zh-hans" dir="ltr"' in welcome.content.decode()
    assert "kiosk-text-normal" in welcome.content.decode()
    assert all("django_language" not in response.cookies for response in responses)


def test_the_welcome_page_previews_a_language_without_keeping_it(terminal):
    page = terminal.get(url("kiosk"), {"language": "ug", "text_size": "large"})
    assert 'lang="ug"' in page.content.decode() and "kiosk-text-large" in page.content.decode()
    assert not Session.objects.exists()
    assert 'lang="zh-hans"' in terminal.get(url("kiosk")).content.decode()


# --- bad posts write nothing ------------------------------------------------------------------------


def test_a_wrong_code_is_a_400_and_repeated_ones_lock_this_terminal_only(client, world):
    arm(client, world)
    start(client)
    for _attempt in range(services.FREE_ATTEMPTS):
        response = client.post(url("kiosk-code"), {"code": "0000000000"})
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    locked = client.post(url("kiosk-code"), {"code": world.codes[0]})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert no_store(locked)
    assert client.get(url("kiosk-cadre", 1)).url == url("kiosk-code")

    client.cookies["portal_terminal"] = world.other_token  # the next terminal of the village
    start(client)
    enter_code(client, world.codes[0])


def test_an_empty_or_used_code_is_refused(terminal, world):
    start(terminal)
    assert terminal.post(url("kiosk-code"), {"code": ""}).status_code == 400
    world.cast(world.codes[0])
    assert terminal.post(url("kiosk-code"), {"code": world.codes[0]}).status_code == 400


def test_a_code_used_on_another_terminal_meanwhile_is_a_409_at_cast(terminal, world):
    fill_in(terminal, world)
    world.cast(world.codes[0], terminal=world.other_terminal)
    response = terminal.post(url("kiosk-cast"))
    assert response.status_code == 409
    assert "used" in response.content.decode()
    assert Ballot.objects.count() == 1


def other_scheme_grade(world):
    return scheme_create(name="Another scheme").grades.first().pk


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda world: {}, id="nothing chosen"),
        pytest.param(
            lambda world: {f"grade-{world.criteria[0].pk}": world.grades["satisfied"].pk}, id="one line"
        ),
        pytest.param(
            lambda world: {f"grade-{c.pk}": other_scheme_grade(world) for c in world.criteria},
            id="foreign grade",
        ),
        pytest.param(lambda world: {f"grade-{c.pk}": "satisfied" for c in world.criteria}, id="not an id"),
    ],
)
def test_a_bad_grade_post_is_a_400_and_changes_nothing(terminal, world, bad):
    start(terminal)
    enter_code(terminal, world.codes[0])
    grade_cadre(terminal, world, 1, "dissatisfied")
    response = terminal.post(url("kiosk-cadre", 1), bad(world))
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    page = terminal.get(url("kiosk-cadre", 1)).content.decode()
    assert page.count(f'value="{world.grades["dissatisfied"].pk}" checked') == len(world.criteria)


def test_nominations_are_of_the_village_and_no_more_than_allowed(terminal, world):
    fill_in(terminal, world)
    foreign = terminal.post(url("kiosk-nominate"), {"household": world.foreign_household.pk})
    assert foreign.status_code == 400
    assert "Only households of this village" in foreign.content.decode()
    assert terminal.post(url("kiosk-nominate"), {"household": "x"}).status_code == 400
    assert terminal.post(url("kiosk-nominate"), {}).status_code == 400
    limit = world.scheme.max_nominations
    too_many = terminal.post(
        url("kiosk-nominate"), {"household": [h.pk for h in world.households[: limit + 1]]}
    )
    assert too_many.status_code == 400
    assert f"at most {limit}" in too_many.content.decode()
    assert "No household chosen yet" in too_many.content.decode()
    for household in world.households[:limit]:
        terminal.post(url("kiosk-nominate"), {"household": household.pk})
    assert terminal.post(url("kiosk-nominate"), {"household": world.households[limit].pk}).status_code == 400
    assert terminal.post(url("kiosk-cast")).status_code == 302
    assert BallotNomination.objects.count() == limit


def test_reset_needs_no_csrf_token_so_a_stale_page_can_still_clear_the_screen(client, world):
    arm(client, world)
    start(client)
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    response = checked.post(url("kiosk-reset"))
    assert response.status_code == 302 and response.url == url("kiosk")
    assert not Session.objects.exists()
    # Every other step checks the token.
    assert checked.post(url("kiosk"), {"language": "en", "text_size": "normal"}).status_code == 403


def test_a_get_cannot_cast(terminal, world):
    fill_in(terminal, world)
    assert terminal.get(url("kiosk-cast")).status_code == 405
    assert terminal.get(url("kiosk-reset")).status_code == 405
    assert not Ballot.objects.exists()


# --- queries -----------------------------------------------------------------------------------------


def test_the_cadre_page_is_a_fixed_number_of_queries(terminal, world, django_assert_num_queries):
    start(terminal)
    enter_code(terminal, world.codes[0])
    # session, terminal with its meeting, village and scheme, the reporting cadres, the cadre's posts,
    # the criteria, the grades, the published report: whatever the number of cadres or criteria
    with django_assert_num_queries(7):
        assert terminal.get(url("kiosk-cadre", 1)).status_code == 200


def test_the_review_page_is_a_fixed_number_of_queries(terminal, world, django_assert_num_queries):
    fill_in(terminal, world)
    for household in world.households[:3]:
        terminal.post(url("kiosk-nominate"), {"household": household.pk})
    # session, terminal, reporting cadres, criteria, grades, the households and their residents
    with django_assert_num_queries(7):
        assert terminal.get(url("kiosk-review")).status_code == 200


def test_pages_hold_nothing_of_the_ballot_in_hidden_fields(terminal, world):
    """The only hidden field on any kiosk page is Django's CSRF token."""
    fill_in(terminal, world)
    terminal.post(url("kiosk-nominate"), {"household": world.households[0].pk})
    for name, args in (
        ("kiosk-code", ()),
        ("kiosk-cadre", (1,)),
        ("kiosk-nominate", ()),
        ("kiosk-review", ()),
    ):
        page = terminal.get(url(name, *args), follow=True).content.decode()
        hidden = re.findall(r'<input type="hidden" name="([^"]+)"', page)
        assert set(hidden) <= {"csrfmiddlewaretoken"}, (name, hidden)
        assert world.codes[0] not in page
