"""The kiosk through Django's test client: what one villager after another sees on a shared terminal.

The terminal guards every page; the whole ballot is one page, sent once, and the cast writes exactly
what was chosen; a ballot sent back (incomplete, or bad) keeps its choices and writes nothing; every
response is uncacheable; after a cast or a reset the browser keeps nothing that opens the ballot again.
"""

import re

import pytest
from django.test import Client
from django.utils import translation

from meetings.models import Meeting, WorkReport
from ratings.ballot import services
from ratings.ballot.schemes import scheme_create
from ratings.models import Ballot, BallotCode, BallotNomination, Terminal
from tests.ratings.ballot.doors import (
    RECEIPT_COOKIE,
    TERMINAL_PASS,
    arm,
    ballot_post,
    begin,
    box,
    cast,
    dropped,
    grade_field,
    no_store,
    posted_grades,
    stored_grades,
    url,
)
from tests.worlds import build_kiosk_world, set_status

# Every page of the kiosk a ballot goes through, with the method a browser uses on it.
PAGES = [
    ("get", "kiosk"),
    ("get", "kiosk-code"),
    ("post", "kiosk-code"),
    ("get", "kiosk-ballot"),
    ("post", "kiosk-cast"),
]


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=3, codes=4)


@pytest.fixture
def terminal(client, world):
    """The test client as the world's first terminal. Pages are read in English, the villager's choice
    when the code is typed (the kiosk's own default is Chinese; see the language tests)."""
    return arm(client, world)


def varied(cadre: int, line: str) -> str:
    """A ballot whose every line tells it apart from a ballot of one grade."""
    scale = ("satisfied", "basically_satisfied", "dissatisfied", "dont_know")
    return scale[(cadre + len(line)) % len(scale)]


def request(client, method: str, name: str, data=None):
    return getattr(client, method)(url(name), data or {})


# --- the terminal and the vote guard every page ---------------------------------------------------


@pytest.mark.parametrize(("method", "name"), [*PAGES, ("get", "kiosk-receipt")])
def test_a_browser_that_is_not_an_armed_terminal_gets_a_403_page(client, world, method, name):
    # The page speaks the browser's language: it is usually the clerk who reads it.
    response = getattr(client, method)(url(name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "not a voting terminal" in response.content.decode()
    assert no_store(response)
    assert not Ballot.objects.exists()


def test_a_disarmed_terminal_gets_a_403_page_and_loses_its_ballot(terminal, world, county):
    begin(terminal, world.codes[0])
    services.terminal_disarm(terminal=world.terminal, by=county.operator)

    response = cast(terminal, world, ballot_post(world))

    assert response.status_code == 403
    assert dropped(response, TERMINAL_PASS)
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Meeting.Status.ANNOUNCED, "has not opened yet"),
        (Meeting.Status.VOTING_CLOSED, "Voting is closed"),
        (Meeting.Status.UNDER_NOTICE, "Voting is closed"),
    ],
)
def test_voting_not_open_is_a_clear_409_and_drops_the_ballot_in_progress(terminal, world, status, words):
    begin(terminal, world.codes[1])
    set_status(world.meeting, status)
    with translation.override("en"):
        posts = {"kiosk-code": {"code": world.codes[0]}, "kiosk-cast": ballot_post(world)}
        responses = [request(terminal, method, name, posts.get(name)) for method, name in PAGES]

    assert [response.status_code for response in responses] == [409] * len(PAGES)
    assert all(no_store(response) for response in responses)
    # The page says why; the pass of the ballot in progress is taken back at once.
    assert words in responses[0].content.decode()
    assert dropped(responses[0], TERMINAL_PASS)
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 0


# --- the whole path --------------------------------------------------------------------------------


def test_the_whole_path_casts_exactly_the_ballot_chosen(terminal, world):
    welcome = terminal.get(url("kiosk"))
    code_page = terminal.get(url("kiosk-code"), {"language": "en", "text_size": "normal"})
    checked = terminal.post(
        url("kiosk-code"), {"code": world.codes[0].lower(), "language": "en", "text_size": "normal"}
    )  # typing is forgiving
    assert checked.status_code == 302 and checked.url == url("kiosk-ballot")
    ballot_pass = checked.cookies[TERMINAL_PASS]
    assert ballot_pass["httponly"] and ballot_pass["samesite"] == "Strict"
    assert ballot_pass["path"] == "/kiosk/"

    page = terminal.get(url("kiosk-ballot"))
    text = page.content.decode()
    assert page.status_code == 200
    assert all(cadre.name in text for cadre in world.cadres)
    for cadre in world.cadres:
        for criterion in world.criteria:
            assert f'name="{grade_field(cadre, criterion)}"' in text
    assert f'action="{url("kiosk-cast")}"' in text
    assert world.household_named("Mamat Ali").number in text  # the households to search, in the page

    mamat = world.household_named("Mamat Ali")
    data = ballot_post(world, varied, households=[mamat], numbers=[world.households[2].number])
    sent = cast(terminal, world, data)
    assert sent.status_code == 302 and sent.url == url("kiosk-receipt")
    assert dropped(sent, TERMINAL_PASS)
    receipt_page = terminal.get(url("kiosk-receipt"))

    ballot = Ballot.objects.get()
    assert ballot.receipt in receipt_page.content.decode()
    assert ballot.door == Ballot.Door.TERMINAL
    assert stored_grades() == posted_grades(world, data)
    assert sorted(BallotNomination.objects.values_list("household_id", flat=True)) == sorted(
        [mamat.pk, world.households[2].pk]
    )
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 1
    responses = [welcome, code_page, checked, page, sent, receipt_page]
    assert all(no_store(response) for response in responses), [
        (response.status_code, response.get("Cache-Control")) for response in responses
    ]

    # The receipt shows once; after it nothing of this villager is left.
    assert dropped(receipt_page, RECEIPT_COOKIE)
    again = terminal.get(url("kiosk-receipt"))
    assert again.status_code == 302 and again.url == url("kiosk")
    back = terminal.get(url("kiosk-ballot"))
    assert back.status_code == 302 and back.url == url("kiosk")
    resent = cast(terminal, world, data)  # Back to the ballot page and "cast" again
    assert resent.status_code == 302 and resent.url == url("kiosk")
    assert Ballot.objects.count() == 1
    welcome = terminal.get(url("kiosk")).content.decode()
    assert ballot.receipt not in welcome and mamat.number not in welcome
    assert 'lang="zh-hans"' in welcome


def test_quick_mode_asks_one_overall_grade_per_cadre(client, county):
    world = build_kiosk_world(county, quick_mode=True, cadres=2)
    arm(client, world)
    begin(client, world.codes[0])
    page = client.get(url("kiosk-ballot")).content.decode()
    cadre = world.cadres[0]
    assert f'name="grade-{cadre.pk}-overall"' in page
    assert f'name="grade-{cadre.pk}-{world.criteria[0].pk}"' not in page

    assert cast(client, world, ballot_post(world, "dissatisfied")).status_code == 302

    assert stored_grades() == {(cadre.pk, None): world.grades["dissatisfied"].pk for cadre in world.cadres}


def test_the_ballot_shows_each_cadres_post_and_a_plain_two_line_summary_of_the_published_report(
    terminal, world
):
    begin(terminal, world.codes[0])
    page = terminal.get(url("kiosk-ballot")).content.decode()
    summaries = re.findall(r'class="ballot-summary"[^>]*>([^<]*)<', page)
    assert len(summaries) == 1  # only the first cadre has a published report
    assert summaries[0].startswith("Led the branch: roads and water for 320 households.")
    assert "**" not in summaries[0] and "[" not in summaries[0]
    assert "Party branch secretary" in page


def test_a_uyghur_ballot_summarises_the_uyghur_version_right_to_left(terminal, world):
    WorkReport.objects.create(
        meeting=world.meeting,
        cadre=world.cadres[0],
        language=WorkReport.Language.UYGHUR,
        duties="كەنت پارتىيە ياچېيكىسىغا **رىياسەتچىلىك** قىلدىم.",
        status=WorkReport.Status.PUBLISHED,
    )
    begin(terminal, world.codes[0], language="ug")
    page = terminal.get(url("kiosk-ballot")).content.decode()
    summary = re.findall(r'class="ballot-summary" lang="ug" dir="rtl">([^<]*)<', page)
    assert summary == ["كەنت پارتىيە ياچېيكىسىغا رىياسەتچىلىك قىلدىم."]
    other = arm(Client(), world)
    begin(other, world.codes[1], language="zh-hans")
    page = other.get(url("kiosk-ballot")).content.decode()
    assert 'class="ballot-summary" lang="zh-Hans" dir="ltr">Led the branch' in page


def test_the_pages_before_the_ballot_send_a_villager_with_a_pass_on_to_it(terminal, world):
    assert terminal.get(url("kiosk-ballot")).url == url("kiosk")  # no pass: back to the start
    begin(terminal, world.codes[0])
    assert terminal.get(url("kiosk")).url == url("kiosk-ballot")
    assert terminal.get(url("kiosk-code")).url == url("kiosk-ballot")
    # A second code typed meanwhile changes nothing: the pass holds the first.
    assert terminal.post(url("kiosk-code"), {"code": world.codes[1]}).url == url("kiosk-ballot")
    cast(terminal, world, ballot_post(world))
    used = BallotCode.objects.filter(status=BallotCode.Status.USED).count()
    assert used == 1


# --- a ballot sent back ------------------------------------------------------------------------------


def test_an_incomplete_ballot_comes_back_with_the_choices_kept_and_the_cadres_named(terminal, world):
    begin(terminal, world.codes[0])
    data = ballot_post(world, "dissatisfied", households=[world.households[1]], numbers=["B2024-3"])
    missing = world.cadres[1]
    del data[grade_field(missing, world.criteria[2])]

    response = cast(terminal, world, data)

    assert response.status_code == 400
    assert no_store(response)
    page = response.content.decode()
    errors = re.search(r'<div class="kiosk-alert" role="alert" id="ballot-errors">(.*?)</div>', page, re.S)
    assert missing.name in errors.group(1)
    assert world.cadres[0].name not in errors.group(1)
    # Every answer given is checked again, the households too; the cadre with a gap is marked.
    dissatisfied = world.grades["dissatisfied"].pk
    answered = len(world.cadres) * len(world.criteria) - 1
    assert len(re.findall(rf'value="{dissatisfied}" checked', page)) == answered
    assert page.count("ballot-missing") == 1
    assert f'name="household" value="{world.households[1].pk}"' in page
    assert 'value="B2024-3"' in page
    assert box(world.meeting)["ballots"] == 0
    assert not dropped(response, TERMINAL_PASS)

    # The villager answers the line and casts: the pass still holds.
    data[grade_field(missing, world.criteria[2])] = dissatisfied
    assert cast(terminal, world, data).url == url("kiosk-receipt")
    assert Ballot.objects.count() == 1


def other_scheme_grade(world):
    return scheme_create(name="Another scheme").grades.first().pk


def spoil(world, field_value):
    data = ballot_post(world)
    data[grade_field(world.cadres[0], world.criteria[0])] = field_value(world)
    return data


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda world: {}, id="nothing chosen"),
        pytest.param(lambda world: spoil(world, other_scheme_grade), id="grade of another scheme"),
        pytest.param(lambda world: spoil(world, lambda world: "satisfied"), id="not an id"),
        pytest.param(lambda world: spoil(world, lambda world: str(2**70)), id="beyond 64 bits"),
    ],
)
def test_a_bad_ballot_is_a_400_and_writes_nothing(terminal, world, bad):
    begin(terminal, world.codes[0])
    before = box(world.meeting)

    response = cast(terminal, world, bad(world))

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert box(world.meeting) == before
    assert Terminal.objects.get(pk=world.terminal.pk).failed_attempts == 0  # the code was good


def test_fields_of_no_line_are_ignored(terminal, world):
    begin(terminal, world.codes[0])
    data = {**ballot_post(world), "grade-999999-1": "1", "resident": "1", "code": world.codes[1]}
    assert cast(terminal, world, data).url == url("kiosk-receipt")
    assert len(stored_grades()) == len(world.lines())
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 1


def test_nominations_are_of_the_village_and_no_more_than_allowed(terminal, world):
    begin(terminal, world.codes[0])
    limit = world.scheme.max_nominations

    def sent(**choices):
        return cast(terminal, world, ballot_post(world, **choices))

    foreign = sent(households=[world.foreign_household])
    assert foreign.status_code == 400
    assert "Only households of this village" in foreign.content.decode()
    assert cast(terminal, world, {**ballot_post(world), "household": "x"}).status_code == 400
    unknown = sent(numbers=["NOPE-1", world.foreign_household.number])
    assert unknown.status_code == 400
    assert f"No household of the village has the number NOPE-1, {world.foreign_household.number}" in (
        unknown.content.decode()
    )
    too_many = sent(households=world.households[:limit], numbers=[world.households[limit].number])
    assert too_many.status_code == 400
    assert f"at most {limit}" in too_many.content.decode()
    assert box(world.meeting)["ballots"] == 0

    # The same household picked and typed counts once; exactly the limit is fine.
    chosen = world.households[:limit]
    response = sent(households=chosen, numbers=[chosen[0].number, f"  {chosen[1].number} "])
    assert response.url == url("kiosk-receipt")
    assert sorted(BallotNomination.objects.values_list("household_id", flat=True)) == sorted(
        household.pk for household in chosen
    )


def test_a_code_used_on_another_terminal_meanwhile_is_a_409_at_cast(terminal, world):
    begin(terminal, world.codes[0])
    world.cast(world.codes[0], terminal=world.other_terminal)

    response = cast(terminal, world, ballot_post(world, "dissatisfied"))

    assert response.status_code == 409
    assert "used" in response.content.decode()
    assert dropped(response, TERMINAL_PASS)
    assert Ballot.objects.count() == 1


# --- the code ---------------------------------------------------------------------------------------


def test_a_wrong_code_is_a_400_and_repeated_ones_lock_this_terminal_only(client, world):
    arm(client, world)
    for _attempt in range(services.FREE_ATTEMPTS):
        response = client.post(url("kiosk-code"), {"code": "0000000000", "language": "en"})
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
        assert TERMINAL_PASS not in response.cookies
    locked = client.post(url("kiosk-code"), {"code": world.codes[0], "language": "en"})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many wrong codes" in locked.content.decode()
    assert no_store(locked)
    assert TERMINAL_PASS not in locked.cookies

    arm(client, world, world.other_token)  # the next terminal of the village
    begin(client, world.codes[0])


def test_an_empty_or_used_code_is_refused(terminal, world):
    assert terminal.post(url("kiosk-code"), {"code": ""}).status_code == 400
    world.cast(world.codes[0])
    response = terminal.post(url("kiosk-code"), {"code": world.codes[0]})
    assert response.status_code == 400
    assert TERMINAL_PASS not in response.cookies


def test_a_code_sent_empty_keeps_the_villagers_language_and_text_size(terminal, world):
    response = terminal.post(url("kiosk-code"), {"code": "", "language": "ug", "text_size": "large"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'lang="ug" dir="rtl"' in page and "kiosk-text-large" in page
    # …and posts them again with the next try.
    assert 'name="language" value="ug"' in page and 'name="text_size" value="large"' in page


def test_a_household_number_with_a_nul_character_is_a_400(terminal, world):
    begin(terminal, world.codes[0])
    response = cast(terminal, world, ballot_post(world, numbers=["B2024\x000"]))
    assert response.status_code == 400
    assert not Ballot.objects.exists()


def test_checking_a_code_writes_nothing(terminal, world):
    before = box(world.meeting)
    begin(terminal, world.codes[0])
    assert box(world.meeting) == before


# --- one villager after another --------------------------------------------------------------------


def test_reset_drops_the_pass_and_the_next_villager_sees_nothing(terminal, world):
    begin(terminal, world.codes[0], language="ug", text_size="large")
    terminal.get(url("kiosk-ballot"))

    response = terminal.post(url("kiosk-reset"))
    assert response.status_code == 302 and response.url == url("kiosk")
    assert no_store(response)
    assert dropped(response, TERMINAL_PASS)

    for name in ("kiosk-ballot", "kiosk-receipt"):
        assert terminal.get(url(name)).url == url("kiosk"), name
    assert cast(terminal, world, ballot_post(world)).url == url("kiosk")
    welcome = terminal.get(url("kiosk")).content.decode()
    assert 'lang="zh-hans"' in welcome and "kiosk-text-normal" in welcome

    # The next villager starts afresh: nothing chosen, and the first one's code is still unused.
    begin(terminal, world.codes[1])
    page = terminal.get(url("kiosk-ballot")).content.decode()
    assert " checked" not in page
    assert not Ballot.objects.exists()
    assert BallotCode.objects.filter(status=BallotCode.Status.ISSUED).count() == len(world.codes) + len(
        world.resident_codes
    )


def test_a_pass_lives_no_longer_than_the_servers_abandon_limit(terminal, world, settings):
    response = begin(terminal, world.codes[0])
    assert int(response.cookies[TERMINAL_PASS]["max-age"]) == settings.KIOSK_ABANDONED_SECONDS


@pytest.mark.parametrize("language", ["en", "zh-hans", "ug"])
def test_the_idle_question_counts_down_the_grace_the_settings_give(terminal, world, settings, language):
    settings.KIOSK_IDLE_SECONDS, settings.KIOSK_IDLE_GRACE_SECONDS = 120, 30
    begin(terminal, world.codes[0], language=language)
    page = terminal.get(url("kiosk-ballot")).content.decode()
    assert 'data-idle-ms="120000" data-idle-grace-ms="30000"' in page
    assert "<span data-idle-countdown>30</span>" in page


def test_the_language_is_the_villagers_own_and_never_a_cookie(client, world):
    arm(client, world)
    client.cookies["django_language"] = "en"  # left by someone's visit to the public pages
    responses = [client.get(url("kiosk"), HTTP_ACCEPT_LANGUAGE="en")]
    assert 'lang="zh-hans"' in responses[0].content.decode()  # the kiosk's default, whatever the browser says
    responses.append(begin(client, world.codes[0], language="ug", text_size="large"))
    ballot_page = client.get(url("kiosk-ballot"))
    responses.append(ballot_page)
    page = ballot_page.content.decode()
    assert 'lang="ug" dir="rtl"' in page and "bootstrap.rtl.min.css" in page and "kiosk-text-large" in page
    assert ballot_page["Content-Language"] == "ug"
    responses.append(cast(client, world, ballot_post(world)))
    receipt = client.get(url("kiosk-receipt"))
    responses.append(receipt)
    assert 'lang="ug"' in receipt.content.decode()  # the receipt still in the villager's language
    assert "kiosk-text-large" in receipt.content.decode()
    responses.append(client.post(url("kiosk-reset")))
    welcome = client.get(url("kiosk"), HTTP_ACCEPT_LANGUAGE="ug")
    responses.append(welcome)
    assert 'lang="zh-hans" dir="ltr"' in welcome.content.decode()
    assert "kiosk-text-normal" in welcome.content.decode()
    assert all("django_language" not in response.cookies for response in responses)


def test_the_welcome_page_previews_a_language_without_keeping_it(terminal):
    page = terminal.get(url("kiosk"), {"language": "ug", "text_size": "large"})
    assert 'lang="ug"' in page.content.decode() and "kiosk-text-large" in page.content.decode()
    assert not page.cookies.keys() - {"csrftoken"}
    assert 'lang="zh-hans"' in terminal.get(url("kiosk")).content.decode()


def test_the_welcome_page_only_links_to_the_code_and_posts_nothing(terminal):
    page = terminal.get(url("kiosk")).content.decode()
    assert f'<form method="get" action="{url("kiosk-code")}"' in page
    assert terminal.post(url("kiosk"), {"language": "en"}).status_code == 405


# --- what the browser may send and what it is sent ----------------------------------------------------


def test_reset_needs_no_csrf_token_so_a_stale_page_can_still_clear_the_screen(client, world):
    arm(client, world)
    begin(client, world.codes[0])
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    response = checked.post(url("kiosk-reset"))
    assert response.status_code == 302 and response.url == url("kiosk")
    assert dropped(response, TERMINAL_PASS)
    # The code and the cast check the token.
    assert checked.post(url("kiosk-code"), {"code": world.codes[0]}).status_code == 403
    begin(client, world.codes[0])
    checked.cookies = client.cookies
    assert checked.post(url("kiosk-cast"), ballot_post(world)).status_code == 403
    assert not Ballot.objects.exists()


def test_a_get_cannot_cast(terminal, world):
    begin(terminal, world.codes[0])
    assert terminal.get(url("kiosk-cast"), ballot_post(world)).status_code == 405
    assert terminal.get(url("kiosk-reset")).status_code == 405
    assert not Ballot.objects.exists()


def test_no_page_holds_the_code_or_a_hidden_field_but_the_csrf_token_and_the_villagers_choices(
    terminal, world
):
    """The ballot pass is an HttpOnly cookie; a page carries the villager's own choices and nothing else."""
    code = world.codes[0]
    pages = [terminal.get(url("kiosk-code"))]
    begin(terminal, code)
    pages.append(terminal.get(url("kiosk-ballot")))
    pages.append(cast(terminal, world, {}))  # sent back, with nothing chosen
    cast(terminal, world, ballot_post(world))
    pages.append(terminal.get(url("kiosk-receipt")))
    for response in pages:
        page = response.content.decode()
        hidden = re.findall(r'<input type="hidden" name="([^"]+)"', page)
        assert set(hidden) <= {"csrfmiddlewaretoken", "language", "text_size"}, (response.status_code, hidden)
        assert code not in page and code.lower() not in page


# --- queries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cadres", [1, 5])
def test_the_ballot_page_is_one_query_once_cached(client, county, django_assert_max_num_queries, cadres):
    world = build_kiosk_world(county, cadres=cadres, codes=1)
    arm(client, world)
    begin(client, world.codes[0])
    client.get(url("kiosk-ballot"))  # the first villager of the meeting renders the page's body
    # The terminal with its meeting, village and scheme; its state is not written again (heard just
    # now). The body comes from the cache, whatever the number of cadres, criteria or households.
    with django_assert_max_num_queries(1):
        assert client.get(url("kiosk-ballot")).status_code == 200


@pytest.mark.parametrize("cadres", [1, 5])
def test_the_cast_is_a_fixed_number_of_queries(client, county, django_assert_max_num_queries, cadres):
    world = build_kiosk_world(county, cadres=cadres, codes=2)
    arm(client, world)
    data = ballot_post(world, households=world.households[:2])
    begin(client, world.codes[0])
    # The first ballot of the vote also reads what the ballot asks (cadres, criteria, grades, the
    # households' evaluations on the agenda), kept in the cache for every later one.
    with django_assert_max_num_queries(19):
        assert cast(client, world, data).url == url("kiosk-receipt")
    begin(client, world.codes[1])
    # The terminal with its meeting's status (one query); the households picked, counted; the cast's
    # transaction (a savepoint in the test's): the meeting locked, the terminal locked (armed), its state
    # written, the households counted again, the code read and burned, the ballot (in a savepoint of its
    # own), its grades and its nominations in one insert each. Whatever the number of cadres, criteria or
    # households.
    with django_assert_max_num_queries(15):
        assert cast(client, world, data).url == url("kiosk-receipt")
