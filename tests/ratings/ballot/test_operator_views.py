"""The operator's ballot pages: handing out codes from the meeting control, slips, the batch sheet,
voiding, and arming and disarming terminals."""

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from meetings.models import Meeting
from portal.models import AuditEntry
from ratings.ballot import codes, services
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import BallotCode, PollBookEntry, Terminal, VoterGroup
from tests.worlds import OPERATOR_ROLES, PLACES, Status, make_resident, operates, set_status, stored_code

CODE_ON_PAGE = re.compile(r'class="slip-code"[^>]*>([0-9A-Z]{5}-[0-9A-Z]{5})<')


pytestmark = pytest.mark.usefixtures("english_pages")


def page(response) -> str:
    return response.content.decode()


def shown_codes(response) -> list[str]:
    return [codes.normalize(code) for code in CODE_ON_PAGE.findall(page(response))]


def expected(role, place, allowed=200):
    if role == "anonymous":
        return 302
    return allowed if operates(role, place) else 404


def login(client, operator_world, role):
    if role != "anonymous":
        client.force_login(getattr(operator_world.county, role))
    return client


def url(name, meeting, *args):
    return reverse(f"ratings:{name}", args=[meeting.pk, *args])


def control(meeting):
    return reverse("meetings:staff-meeting", args=[meeting.pk])


def state():
    """Everything the operator's pages could change."""
    return (
        list(BallotCode.objects.order_by("pk").values_list("pk", "status")),
        PollBookEntry.objects.count(),
        list(Terminal.objects.order_by("pk").values_list("pk", "disarmed_at")),
        AuditEntry.objects.count(),
    )


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", [*OPERATOR_ROLES, "anonymous"])
def test_pages_matrix(client, operator_world, role, place):
    meeting = operator_world.meeting_in(place)
    login(client, operator_world, role)
    before = state()
    for name in ("codes", "terminals"):
        assert client.get(url(name, meeting)).status_code == expected(role, place), name
    assert state() == before


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", [*OPERATOR_ROLES, "anonymous"])
def test_changes_matrix(client, operator_world, role, place):
    meeting = operator_world.meeting_in(place)
    resident = make_resident(meeting.village, "Local Resident")
    second = make_resident(meeting.village, "Second Resident")
    terminal, _token = services.terminal_arm(
        meeting=meeting, label="Spare", by=operator_world.county.superuser
    )
    spare = services.codes_issue_batch(meeting=meeting, count=1, by=None)[0]
    login(client, operator_world, role)
    before = state()
    posts = [
        ("code-issue", (), {"resident": resident.pk}, 200),
        ("code-reissue", (), {"resident": resident.pk}, 200),
        ("poll-book-record", (), {"resident": second.pk}, 302),
        ("codes-batch", (), {"count": 2, "purpose": "sign_in"}, 200),
        ("code-void", (), {"code": spare}, 302),
        ("terminal-disarm", (terminal.pk,), {}, 302),
        ("terminal-arm", (), {"label": "Door"}, 302),  # last: it logs the operator out
    ]
    for name, args, data, allowed in posts:
        response = client.post(url(name, meeting, *args), data)
        assert response.status_code == expected(role, place, allowed), name
    if expected(role, place) == 200:
        assert BallotCode.objects.filter(meeting=meeting, status="issued").count() == 3
        assert BallotCode.objects.filter(meeting=meeting, status="voided").count() == 2
        assert PollBookEntry.objects.filter(meeting=meeting).count() == 2
        assert Terminal.objects.filter(meeting=meeting, disarmed_at__isnull=True).count() == 1
    else:
        assert state() == before


@pytest.mark.parametrize(
    "name", ["code-issue", "code-reissue", "poll-book-record", "codes-batch", "code-void", "terminal-arm"]
)
def test_changes_are_post_only(client, operator_world, name):
    client.force_login(operator_world.county.operator)
    before = state()
    assert client.get(url(name, operator_world.meeting)).status_code == 405
    assert state() == before


def test_disarm_is_post_only(client, operator_world):
    terminal, _token = services.terminal_arm(
        meeting=operator_world.meeting, label="Door", by=operator_world.county.operator
    )
    client.force_login(operator_world.county.operator)
    assert client.get(url("terminal-disarm", operator_world.meeting, terminal.pk)).status_code == 405
    assert Terminal.objects.get().is_armed


def test_changes_need_the_csrf_token(operator_world):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator_world.county.operator)
    before = state()
    assert (
        client.post(
            url("code-issue", operator_world.meeting), {"resident": operator_world.aygul.pk}
        ).status_code
        == 403
    )
    assert (
        client.post(
            url("codes-batch", operator_world.meeting), {"count": 3, "purpose": "sign_in"}
        ).status_code
        == 403
    )
    assert client.post(url("terminal-arm", operator_world.meeting), {"label": "Door"}).status_code == 403
    assert state() == before


def test_another_villages_resident_is_404(client, operator_world):
    client.force_login(operator_world.county.township_admin)
    for name in ("code-issue", "code-reissue", "poll-book-record"):
        response = client.post(url(name, operator_world.meeting), {"resident": operator_world.stranger.pk})
        assert response.status_code == 404, name
    assert not PollBookEntry.objects.exists() and not BallotCode.objects.exists()


def test_another_meetings_terminal_is_404(client, operator_world):
    terminal, _token = services.terminal_arm(
        meeting=operator_world.neighbour_meeting, label="Door", by=operator_world.county.township_admin
    )
    client.force_login(operator_world.county.township_admin)
    assert client.post(url("terminal-disarm", operator_world.meeting, terminal.pk)).status_code == 404
    assert Terminal.objects.get().is_armed


# --- the meeting control: handing out a code ---------------------------------------------------------


def test_the_control_page_offers_the_code_actions_for_each_resident_found(client, operator_world):
    client.force_login(operator_world.county.operator)
    html = page(client.get(control(operator_world.meeting), {"q": "Aygul"}))
    assert "Sign in and hand out a code" in html
    assert "Handed a pre-printed code" in html
    assert "Reprint a lost code" not in html
    assert url("code-issue", operator_world.meeting) in html
    assert url("codes", operator_world.meeting) in html and url("terminals", operator_world.meeting) in html


def test_a_handed_out_code_is_shown_once_on_a_slip(client, operator_world):
    client.force_login(operator_world.county.operator)
    response = client.post(
        url("code-issue", operator_world.meeting), {"resident": operator_world.aygul.pk, "q": "Tursun"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = page(response)
    [code] = shown_codes(response)
    assert html.count(codes.display(code)) == 1
    assert html.count("<svg") == 1
    assert "shown only this once" in html
    assert "Ballot code for Aygul Tursun" in html
    assert stored_code(operator_world.meeting, code).status == BallotCode.Status.ISSUED
    assert reverse("meetings:staff-meeting", args=[operator_world.meeting.pk]) + "?q=Tursun#sign-in" in html
    # The control page now says Aygul has a code, counts it, and never shows it again.
    html = page(client.get(control(operator_world.meeting), {"q": "Tursun"}))
    assert codes.display(code) not in html and code not in html
    assert "Has a code" in html and "Reprint a lost code" in html
    assert re.search(r"1 resident has received a code", html)
    assert re.search(r'data-count="issued">1<', html)
    # Handing her another is refused, with a message, back on the sign-in.
    response = client.post(
        url("code-issue", operator_world.meeting), {"resident": operator_world.aygul.pk, "q": "Tursun"}
    )
    assert response.status_code == 302
    assert response["Location"] == control(operator_world.meeting) + "?q=Tursun#sign-in"
    assert "already received a ballot code" in page(client.get(response["Location"]))
    assert BallotCode.objects.count() == 1


def test_reprinting_shows_a_new_code_and_voids_the_old(client, operator_world):
    old = services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    client.force_login(operator_world.county.township_admin)
    response = client.post(url("code-reissue", operator_world.meeting), {"resident": operator_world.aygul.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [new] = shown_codes(response)
    assert new != old
    assert "The lost code has been voided" in page(response)
    assert stored_code(operator_world.meeting, old).status == BallotCode.Status.VOIDED
    assert stored_code(operator_world.meeting, new).status == BallotCode.Status.ISSUED


def test_reprinting_for_someone_without_a_code_is_refused(client, operator_world):
    client.force_login(operator_world.county.operator)
    response = client.post(
        url("code-reissue", operator_world.meeting), {"resident": operator_world.aygul.pk}, follow=True
    )
    assert "has not received a code yet" in page(response)
    assert not BallotCode.objects.exists()


def test_a_pre_printed_code_is_recorded_in_the_poll_book(client, operator_world):
    client.force_login(operator_world.county.operator)
    response = client.post(
        url("poll-book-record", operator_world.meeting), {"resident": operator_world.mamat.pk, "q": "Mamat"}
    )
    assert response["Location"] == control(operator_world.meeting) + "?q=Mamat#sign-in"
    html = page(client.get(response["Location"]))
    assert "Mamat Tursun is signed in and has received a pre-printed code." in html
    assert "Has a code" in html
    assert PollBookEntry.objects.get().resident == operator_world.mamat
    assert not BallotCode.objects.exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.VOTING_CLOSED])
def test_no_code_is_handed_out_outside_the_sign_in(client, operator_world, status):
    set_status(operator_world.meeting, status)
    client.force_login(operator_world.county.operator)
    response = client.post(
        url("code-issue", operator_world.meeting), {"resident": operator_world.aygul.pk}, follow=True
    )
    assert "only while the meeting is announced or voting" in page(response)
    assert not BallotCode.objects.exists() and not PollBookEntry.objects.exists()


def test_a_missing_resident_is_a_message_not_an_error(client, operator_world):
    client.force_login(operator_world.county.operator)
    response = client.post(url("code-issue", operator_world.meeting), {"resident": "x"}, follow=True)
    assert "Choose a resident." in page(response)
    assert not BallotCode.objects.exists()


def test_the_poll_book_shows_names_and_counts_never_codes(client, operator_world, django_assert_num_queries):
    issued = services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    services.poll_book_record(
        meeting=operator_world.meeting, resident=operator_world.mamat, by=operator_world.county.operator
    )
    voided = services.codes_issue_batch(
        meeting=operator_world.meeting, count=2, by=operator_world.county.operator
    )
    services.code_void(meeting=operator_world.meeting, code=voided[0], by=operator_world.county.operator)
    client.force_login(operator_world.county.operator)
    html = page(client.get(control(operator_world.meeting)))
    book = html.split('class="poll-book"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"<li[^>]*>([^<]+)</li>", book) == ["Aygul Tursun", "Mamat Tursun"]
    assert 'data-count="issued">2<' in html and 'data-count="voided">1<' in html
    assert 'data-count="used">0<' in html
    for code in (issued, *voided):
        assert code not in html and codes.display(code) not in html


def _control_queries(client, django_assert_num_queries, operator_world, residents):
    for index in range(residents):
        resident = make_resident(operator_world.county.village, f"Voter {index}")
        services.code_issue(
            meeting=operator_world.meeting, resident=resident, by=operator_world.county.operator
        )
    with django_assert_num_queries(16):
        response = client.get(control(operator_world.meeting), {"q": "Voter"})
    assert response.status_code == 200
    return page(response)


@pytest.mark.parametrize("residents", [1, 12])
def test_the_control_page_does_not_grow_with_the_poll_book(
    client, operator_world, django_assert_num_queries, residents
):
    client.force_login(operator_world.county.operator)
    # 16 whatever the size of the poll book and of the search: session, user, meeting; the search and
    # who of those found are present; the quorum's two counts; two capability checks (manage,
    # moderate); the staff menu's two permission reads; the reporting cadres and the attendance list;
    # and the ballot's three: the reconciliation (present, codes by status, ballots) in one query,
    # which of those found hold a code or a sheet, and the poll book in one join.
    html = _control_queries(client, django_assert_num_queries, operator_world, residents)
    assert html.count("Has a code") == residents


# --- the codes page: a batch sheet, voiding -------------------------------------------------------------


def test_a_batch_prints_a_sheet_of_slips_once(client, operator_world):
    client.force_login(operator_world.county.operator)
    response = client.post(url("codes-batch", operator_world.meeting), {"count": 12, "purpose": "sign_in"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = page(response)
    printed = shown_codes(response)
    assert len(printed) == len(set(printed)) == 12
    assert html.count("<svg") == 12
    assert html.count('class="slip-page"') == 2  # eight slips to an A4 page
    assert all(
        stored_code(operator_world.meeting, code).group.kind == VoterGroup.Kind.VILLAGER for code in printed
    )
    assert "shown only this once" in html
    assert "ratings/css/slips.css" in html
    # The instruction in both languages of the slip, the Uyghur one right to left.
    assert html.count('lang="zh-hans" dir="ltr"') == 24 and html.count('lang="ug" dir="rtl"') == 24
    # Not stored in clear: the codes page shows counts only.
    html = page(client.get(url("codes", operator_world.meeting)))
    assert 'data-count="issued">12<' in html
    assert not any(codes.display(code) in html for code in printed)


def test_a_panel_batch(client, operator_world):
    Meeting.objects.filter(pk=operator_world.meeting.pk).update(panel_seats=2)
    client.force_login(operator_world.county.township_admin)
    response = client.post(url("codes-batch", operator_world.meeting), {"count": 2, "purpose": "panel"})
    assert "township panel" in page(response)
    kinds = {stored_code(operator_world.meeting, code).group.kind for code in shown_codes(response)}
    assert kinds == {VoterGroup.Kind.TOWNSHIP_PANEL}


@pytest.mark.parametrize("count", ["0", "2001", "many", ""])
def test_a_bad_count_prints_nothing(client, operator_world, count):
    client.force_login(operator_world.county.operator)
    response = client.post(url("codes-batch", operator_world.meeting), {"count": count, "purpose": "sign_in"})
    assert response.status_code == 400
    assert "invalid-feedback" in page(response) or "is-invalid" in page(response)
    assert not BallotCode.objects.exists()


def test_a_batch_outside_the_sign_in_is_refused(client, operator_world):
    set_status(operator_world.meeting, Status.VOTING_CLOSED)
    client.force_login(operator_world.county.operator)
    response = client.post(url("codes-batch", operator_world.meeting), {"count": 3, "purpose": "sign_in"})
    assert response.status_code == 400
    assert "only while the meeting is announced or voting" in page(response)
    assert not BallotCode.objects.exists()


def test_a_typed_code_is_voided(client, operator_world):
    code = services.codes_issue_batch(
        meeting=operator_world.meeting, count=1, by=operator_world.county.operator
    )[0]
    client.force_login(operator_world.county.operator)
    response = client.post(
        url("code-void", operator_world.meeting), {"code": codes.display(code).lower()}, follow=True
    )
    assert response.redirect_chain == [(url("codes", operator_world.meeting), 302)]
    assert "The code has been voided" in page(response)
    assert stored_code(operator_world.meeting, code).status == BallotCode.Status.VOIDED


@pytest.mark.parametrize("typed", ["typo", "unknown"])
def test_a_wrong_code_is_not_voided(client, operator_world, typed):
    code = services.codes_issue_batch(
        meeting=operator_world.meeting, count=1, by=operator_world.county.operator
    )[0]
    other = codes.new_code()
    text = code[:-1] + ("2" if code[-1] == "1" else "1") if typed == "typo" else other
    client.force_login(operator_world.county.operator)
    response = client.post(url("code-void", operator_world.meeting), {"code": text})
    assert response.status_code == 400
    message = "typing error" if typed == "typo" else "No unused code of this meeting matches"
    assert message in page(response)
    assert stored_code(operator_world.meeting, code).status == BallotCode.Status.ISSUED


# --- terminals ----------------------------------------------------------------------------------------------


def test_arming_sets_a_strict_http_only_cookie_and_signs_the_operator_out(client, operator_world, settings):
    settings.SESSION_COOKIE_SECURE = False
    client.force_login(operator_world.county.operator)
    response = client.post(url("terminal-arm", operator_world.meeting), {"label": "Tablet by the door"})
    assert response.status_code == 302
    cookie = response.cookies[TERMINAL_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert cookie["secure"] == ""
    assert 12 * 3600 <= int(cookie["max-age"]) <= 48 * 3600
    terminal = Terminal.objects.get()
    assert terminal.label == "Tablet by the door" and terminal.armed_by == operator_world.county.operator
    assert services.terminal_from_token(cookie.value) == terminal
    assert cookie.value not in terminal.token_hash
    # The terminal carries no staff session: a villager cannot reach the staff pages from it.
    assert client.get(control(operator_world.meeting)).status_code == 302
    assert client.get(url("terminals", operator_world.meeting)).status_code == 302


def test_arming_goes_to_the_kiosk(client, operator_world):
    client.force_login(operator_world.county.operator)
    response = client.post(url("terminal-arm", operator_world.meeting), {"label": "Door"})
    try:
        kiosk = reverse("ratings:kiosk")
    except NoReverseMatch:  # the kiosk's routes are not there yet: back to the meeting control
        kiosk = control(operator_world.meeting)
    assert response["Location"] == kiosk


def test_the_cookie_is_secure_when_the_session_cookie_is(client, operator_world, settings):
    settings.SESSION_COOKIE_SECURE = True
    client.force_login(operator_world.county.operator)
    response = client.post(url("terminal-arm", operator_world.meeting), {"label": "Door"})
    assert response.cookies[TERMINAL_COOKIE]["secure"] is True


def test_arming_a_browser_again_disarms_its_previous_terminal(client, operator_world):
    first, token = services.terminal_arm(
        meeting=operator_world.meeting, label="Old", by=operator_world.county.operator
    )
    client.cookies[TERMINAL_COOKIE] = token
    client.force_login(operator_world.county.operator)
    response = client.post(url("terminal-arm", operator_world.meeting), {"label": "New"})
    first.refresh_from_db()
    assert not first.is_armed
    assert services.terminal_from_token(response.cookies[TERMINAL_COOKIE].value).label == "New"


@pytest.mark.parametrize("status", [Status.FINAL, Status.ANNULLED])
def test_a_finished_meeting_arms_no_terminal(client, operator_world, status):
    set_status(operator_world.meeting, status)
    client.force_login(operator_world.county.operator)
    assert "cannot be armed" in page(client.get(url("terminals", operator_world.meeting)))
    response = client.post(url("terminal-arm", operator_world.meeting), {"label": "Door"})
    assert response.status_code == 400
    assert TERMINAL_COOKIE not in response.cookies
    assert not Terminal.objects.exists()


def test_disarming_a_terminal(client, operator_world):
    terminal, token = services.terminal_arm(
        meeting=operator_world.meeting, label="Door", by=operator_world.county.operator
    )
    client.force_login(operator_world.county.township_admin)
    html = page(client.get(url("terminals", operator_world.meeting)))
    assert "Door" in html and url("terminal-disarm", operator_world.meeting, terminal.pk) in html
    response = client.post(url("terminal-disarm", operator_world.meeting, terminal.pk), follow=True)
    assert response.redirect_chain == [(url("terminals", operator_world.meeting), 302)]
    assert "has been disarmed" in page(response)
    assert services.terminal_from_token(token) is None
    assert url("terminal-disarm", operator_world.meeting, terminal.pk) not in page(response)


def test_disarming_this_browsers_terminal_drops_its_cookie(client, operator_world):
    terminal, token = services.terminal_arm(
        meeting=operator_world.meeting, label="Door", by=operator_world.county.operator
    )
    client.cookies[TERMINAL_COOKIE] = token
    client.force_login(operator_world.county.operator)
    assert "This browser is armed as the terminal" in page(
        client.get(url("terminals", operator_world.meeting))
    )
    response = client.post(url("terminal-disarm", operator_world.meeting, terminal.pk))
    assert response.cookies[TERMINAL_COOKIE].value == ""
    assert response.cookies[TERMINAL_COOKIE]["max-age"] == 0


@pytest.mark.parametrize("terminals", [1, 10])
def test_the_terminal_list_does_not_grow_with_terminals(
    client, operator_world, django_assert_num_queries, terminals
):
    for index in range(terminals):
        terminal, _token = services.terminal_arm(
            meeting=operator_world.meeting, label=f"T{index}", by=operator_world.county.operator
        )
        if index % 2:
            services.terminal_disarm(terminal=terminal, by=operator_world.county.operator)
    client.force_login(operator_world.county.operator)
    # 6 whatever the number of terminals: session, user, the meeting (scoped to the user's villages in
    # a subquery), the staff menu's two permission reads, and the terminals with who armed them in one
    # join; no cookie, so no lookup of this browser's terminal.
    with django_assert_num_queries(6):
        response = client.get(url("terminals", operator_world.meeting))
    assert page(response).count("Disarm</button>") == (terminals + 1) // 2
