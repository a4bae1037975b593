"""The spoken ballot in a real browser: a villager votes a whole ballot in Uyghur, another in Mandarin,
with only what is spoken and the keyboard (ratings.speech, static/ratings/js/speech.js); a villager
who does not read picks their language by ear and hears a wrong code refused; a line left unanswered
is said.

At every step the test presses "Listen" (or lets the screen speak as it shows, once listening), then
fetches each clip the page queued: it exists, is a non-empty WAV, is of the villager's language, and
the texts it was made from name every choice the screen offers. The voices are espeak-ng's
(tests/ratings/speech/conftest.py: required in CI, skipped elsewhere).
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from meetings.models import Meeting
from ratings.ballot import services
from ratings.ballot.codes import ALPHABET
from ratings.ballot.views.kiosk import KEYPAD
from ratings.models import Ballot, SpokenClip
from ratings.speech.texts import own_name
from tests.browser import voting
from tests.browser.voting import SHOWN, url
from tests.speech import build_spoken_world

pytestmark = pytest.mark.browser

BAD_IMPACTS = {"serious", "critical"}


@pytest.fixture
def spoken_world(county):
    return build_spoken_world(county)


@pytest.fixture
def terminal(context: BrowserContext, live_server, spoken_world) -> BrowserContext:
    return voting.arm(context, live_server, spoken_world.token)


def queued(page: Page) -> list[SpokenClip]:
    """What the page is saying now: each queued clip fetched and checked."""
    bar = page.locator("[data-speech]")
    expect(bar).to_have_attribute("data-state", re.compile(r"^(playing|done)$"))
    addresses = bar.get_attribute("data-queue").split()
    assert addresses
    clips = []
    for address in addresses:
        response = page.request.get(urljoin(page.url, address))
        assert response.status == 200, address
        body = response.body()
        assert body.startswith(b"RIFF") and len(body) > 1000, address
        assert "immutable" in response.headers["cache-control"]
        name = urlsplit(address).path.rsplit("/", 1)[1]  # a phone's receipt adds its token as a query
        clips.append(SpokenClip.objects.get(file_name=name, meeting__isnull=False))
    return clips


def heard(page: Page, language: str) -> list[str]:
    """What the page is saying now, every clip of the villager's language: their texts."""
    clips = queued(page)
    assert {clip.language for clip in clips} == {language}
    return [clip.text for clip in clips]


def said_in(page: Page) -> list[tuple[str, str]]:
    """What the page is saying now, each text with the language of its voice."""
    return [(clip.text, clip.language) for clip in queued(page)]


def shown_texts(page: Page, selector: str) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(f"{SHOWN} {selector}").all_inner_texts()]


def listen_then_wait(page: Page):
    page.locator("[data-speech]").evaluate("bar => bar.removeAttribute('data-state')")


def type_code_by_ear(page: Page, language: str, code: str):
    """The code screen, spoken: "Listen" reads its instructions; each key is said as the keyboard reaches
    it and as it is pressed, each symbol as it is typed; then Next."""
    page.locator("[data-listen]").click()
    said = heard(page, language)
    for text in shown_texts(page, "[data-say]"):
        assert text in said, (text, said)
    field = page.locator("#id_code")
    field.focus()
    listen_then_wait(page)
    page.keyboard.press("Tab")  # the keyboard reaches the keypad's first key: it is said
    assert heard(page, language) == [KEYPAD[0]]
    first, rest = code[0], code[1:]
    listen_then_wait(page)
    page.locator(f'[data-keypad] [data-key="{first}"]').click()
    assert heard(page, language) == [first]
    field.focus()
    page.keyboard.press("End")  # after the symbol the keypad put in
    for symbol in rest:  # typed on the keyboard as a villager would, in lower case
        listen_then_wait(page)
        field.press(symbol.lower())
        assert heard(page, language) == [symbol]
    expect(field).to_have_value(re.compile(re.escape(code[:5]), re.IGNORECASE))
    bad = [v for v in Axe().run(page).response["violations"] if v["impact"] in BAD_IMPACTS]
    assert not bad, bad
    page.locator("form[data-code-form] button[type=submit]").focus()
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["ug", "zh-hans"])
def test_a_whole_ballot_voted_by_listening(terminal, page: Page, live_server, spoken_world, language):
    world = spoken_world
    axe = Axe()
    voting.begin(page, live_server, language)
    type_code_by_ear(page, language, world.codes[0])
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))

    # The listen button is among the first things the keyboard reaches on the ballot, after the header's.
    listen = page.locator("[data-listen]")
    for _tab in range(5):
        page.keyboard.press("Tab")
        if listen.evaluate("button => button === document.activeElement"):
            break
    expect(listen).to_be_focused()
    page.keyboard.press("Enter")
    for position, cadre in enumerate(world.cadres, start=1):
        voting.expect_screen(page, f"screen-{position}")
        said = heard(page, language)
        assert cadre.name in said
        for line in shown_texts(page, ".ballot-line-name") + shown_texts(page, ".ballot-grade-word"):
            assert line in said, (line, said)
        if position == 1:
            bad = [v for v in axe.run(page).response["violations"] if v["impact"] in BAD_IMPACTS]
            assert not bad, bad
        # Each line: the first grade takes the keyboard's focus and is said before it is chosen; Space
        # chooses it.
        for line in page.locator(f"{SHOWN} [data-line]").all():
            first = line.locator("input[type=radio]").first
            listen_then_wait(page)
            first.focus()
            grade_word = line.locator(".ballot-grade-word").first.inner_text().strip()
            assert heard(page, language) == [grade_word]
            page.keyboard.press("Space")
            expect(first).to_be_checked()
        listen_then_wait(page)
        page.locator(f"{SHOWN} [data-next]").focus()
        page.keyboard.press("Enter")

    voting.expect_screen(page, "screen-households")
    said = heard(page, language)
    assert shown_texts(page, "h2")[0] in said
    listen_then_wait(page)
    page.locator(f"{SHOWN} [data-next]").focus()
    page.keyboard.press("Enter")

    voting.expect_screen(page, "screen-review")
    said = heard(page, language)
    for cadre in world.cadres:
        assert cadre.name in said
    for answer in shown_texts(page, "dd"):
        assert answer in said  # every choice made is read back
    assert page.locator("[data-cast] button").inner_text().strip() in said
    bad = [v for v in axe.run(page).response["violations"] if v["impact"] in BAD_IMPACTS]
    assert not bad, bad
    page.locator("[data-cast] button").focus()
    page.keyboard.press("Enter")

    receipt = voting.receipt_shown(page)
    page.locator("[data-listen]").click()
    said = heard(page, language)
    assert [symbol for symbol in said if len(symbol) == 1] == list(receipt)
    ballot = Ballot.objects.get(receipt=receipt)
    assert ballot.grades.count() == len(world.cadres) * len(world.criteria)


def test_without_listening_the_ballot_fetches_no_audio(terminal, page: Page, live_server, spoken_world):
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    voting.begin(page, live_server, "ug")
    voting.tap_code(page, spoken_world.codes[1])
    expect(page.locator("[data-listen]")).to_be_visible()
    assert not [address for address in asked if "/speech/" in address]


def focus_by_tab(page: Page, selector: str, presses: int = 10):
    """Tab until the keyboard reaches `selector`, as a villager at the keyboard would."""
    target = page.locator(selector)
    for _tab in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            break
    expect(target).to_be_focused()


def test_a_language_is_chosen_by_ear_and_a_wrong_code_is_said(
    terminal, page: Page, live_server, spoken_world
):
    names = {language: own_name(language) for language in ("zh-hans", "ug")}
    page.goto(url(live_server, "kiosk"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # Before Listen, the keyboard reaching the languages: the chosen one says its name, in its voice.
    focus_by_tab(page, "input[name=language]:checked")
    assert said_in(page) == [(names["zh-hans"], "zh-hans")]
    # Listen: the welcome, with each language named in itself: Uyghur in the Uyghur voice.
    listen_then_wait(page)
    page.locator("[data-listen]").click()
    said = said_in(page)
    assert (names["ug"], "ug") in said and (names["zh-hans"], "zh-hans") in said
    with translation.override("zh-hans"):
        assert (translation.gettext("Rate the work of your village cadres"), "zh-hans") in said

    # The keyboard moves on to Uyghur: the welcome shows itself in Uyghur and reads itself in it, the
    # keyboard still on the languages.
    page.locator("#language-zh-hans").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("html")).to_have_attribute("lang", "ug")
    expect(page.locator("#language-ug")).to_be_focused()
    said = said_in(page)
    with translation.override("ug"):
        title, code_title = (
            translation.gettext(text) for text in ("Rate the work of your village cadres", "Your ballot code")
        )
        wrong = translation.gettext(services.WRONG_CODE)
    assert said[0] == (title, "ug") and (names["ug"], "ug") in said

    # Start: the code screen reads itself in Uyghur, since the villager is listening.
    page.locator("form[data-welcome] button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(url(live_server, "kiosk-code"))))
    assert heard(page, "ug")[0] == code_title

    # A wrong code: the refusal is said as the screen comes back with it.
    page.locator("#id_code").fill("ABCDEFGHJK")
    page.locator("#id_code").press("Enter")
    expect(page.locator("#code-errors")).to_be_visible()
    assert heard(page, "ug") == [wrong]
    # The refused code can be typed again, each symbol still said.
    listen_then_wait(page)
    page.locator("#id_code").press("7")
    assert heard(page, "ug") == ["7"]


def test_a_line_left_unanswered_is_said(terminal, page: Page, live_server, spoken_world):
    voting.begin(page, live_server, "ug")
    voting.tap_code(page, spoken_world.codes[2])
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))
    page.locator("[data-listen]").click()
    assert spoken_world.cadres[0].name in heard(page, "ug")
    listen_then_wait(page)
    page.locator(f"{SHOWN} [data-next]").click()
    alert = page.locator(f"{SHOWN} [data-missing-alert]")
    expect(alert).to_be_visible()
    first_grade = page.locator(f"{SHOWN} .ballot-grade-word").first.inner_text().strip()
    # The alert, then the grade the keyboard's focus was put on.
    assert heard(page, "ug") == [alert.inner_text().strip(), first_grade]


def test_the_phones_receipt_is_spoken(context: BrowserContext, live_server, spoken_world):
    """The cast takes the phone's pass back: the receipt page's token lets it hear its receipt."""
    world = spoken_world
    Meeting.objects.filter(pk=world.meeting.pk).update(phones_allowed=True)
    page = context.new_page()
    page.goto(f"{url(live_server, 'phone', world.meeting.pk)}?language=ug&code={world.codes[3]}")
    page.locator("form.kiosk-form button[type=submit]").click()
    expect(page).to_have_url(url(live_server, "phone-ballot", world.meeting.pk))
    voting.grade_cadres(page, world, lambda cadre, line: "satisfied")
    voting.to_review(page)
    page.locator("[data-cast] button[type=submit]").click()
    expect(page).to_have_url(url(live_server, "phone-receipt", world.meeting.pk))
    receipt = voting.receipt_shown(page)
    clips_asked = []
    page.on("request", lambda request: "/speech/clip/" in request.url and clips_asked.append(request.url))
    page.locator("[data-listen]").click()
    said = heard(page, "ug")
    assert [symbol for symbol in said if len(symbol) == 1] == list(receipt)
    assert not {cadre.name for cadre in world.cadres} & set(said)
    # A server's log shows no receipt: every symbol's clip was asked for once, before any of the
    # receipt's played, and the receipt's own symbols were not asked for again.
    names = [urlsplit(address).path.rsplit("/", 1)[1] for address in clips_asked]
    texts = dict(SpokenClip.objects.filter(file_name__in=names).values_list("file_name", "text"))
    symbols = [texts[name] for name in names if len(texts[name]) == 1]
    assert sorted(symbols) == sorted(ALPHABET)
