"""Questions: left on the site or recorded by the clerk, moderated, then answered by the cadre concerned."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, Question
from meetings.questions import services
from portal.models import AuditEntry
from portal.ratelimit import RateLimited, sender_key
from tests.payloads import IMG, SCRIPT
from tests.worlds import MODERATORS, NOT_MODERATORS, set_status

# Who may do what to a question of county.village's meeting. The township administrator of the
# village's township holds every staff capability there; the one of the other township holds none.
OPERATORS = ["operator", "township_admin", "superuser"]
NOT_OPERATORS = ["moderator", "cadre", "nobody", "neighbour_moderator", "elsewhere_admin"]


pytestmark = pytest.mark.usefixtures("english", "english_pages")


def ask(meeting, text="When will the road to the fields be repaired?", address="10.0.0.1", **kwargs):
    return services.question_ask_online(meeting=meeting, text=text, sender_address=address, **kwargs)


def make_question(meeting, *, status=Question.Status.APPROVED, cadre=None, text="Why is the well dry?", **kw):
    return Question.objects.create(
        meeting=meeting, cadre=cadre, text=text, source=Question.Source.ONLINE, status=status, **kw
    )


# --- asking online ------------------------------------------------------------------------------------


def test_an_online_question_waits_for_moderation_and_keeps_no_address(qa):
    question = ask(qa.meeting, cadre=qa.own_cadre, asker_name="  Ayshem  ")
    assert question.status == Question.Status.PENDING
    assert question.source == Question.Source.ONLINE
    assert question.asker_name == "Ayshem"
    assert len(question.sender_key) == 64
    assert "10.0.0.1" not in question.sender_key
    assert question.sender_key == sender_key("10.0.0.1") != sender_key("10.0.0.2")
    # Anonymous posting is not a privileged action: the audit log stays the record of what staff did.
    assert not AuditEntry.objects.filter(action__startswith="question").exists()


# A meeting takes questions from its announcement until it is final; a draft or annulled one takes none.
TAKES_NO_QUESTIONS = [Meeting.Status.DRAFT, Meeting.Status.FINAL, Meeting.Status.ANNULLED]


@pytest.mark.parametrize("status", [status for status in Meeting.Status if status not in TAKES_NO_QUESTIONS])
def test_a_public_meeting_takes_questions_until_it_is_final(qa, status):
    set_status(qa.meeting, status)
    assert ask(qa.meeting).pk


@pytest.mark.parametrize("status", TAKES_NO_QUESTIONS)
def test_a_draft_final_or_annulled_meeting_takes_no_questions(qa, status):
    set_status(qa.meeting, status)
    with pytest.raises(ValidationError):
        ask(qa.meeting)
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "Why"}, "text"),
        ({"text": "x" * (services.QUESTION_MAX_LENGTH + 1)}, "text"),
        ({"asker_name": "n" * (services.ASKER_NAME_MAX_LENGTH + 1)}, "asker_name"),
    ],
)
def test_question_length_limits(qa, kwargs, field):
    with pytest.raises(ValidationError) as raised:
        ask(qa.meeting, **kwargs)
    assert field in raised.value.message_dict


def test_a_question_goes_only_to_a_cadre_reporting_at_the_meeting(qa):
    with pytest.raises(ValidationError) as raised:
        ask(qa.meeting, cadre=qa.neighbour_cadre)
    assert "cadre" in raised.value.message_dict


def test_rate_limit_per_address_counted_in_the_database(qa):
    for _ in range(settings.QUESTIONS_PER_ADDRESS_PER_HOUR):
        ask(qa.meeting, address="10.0.0.1")
    with pytest.raises(RateLimited):
        ask(qa.meeting, address="10.0.0.1")
    # Across meetings too: the limit is per address, not per meeting.
    with pytest.raises(RateLimited):
        ask(qa.neighbour_meeting, address="10.0.0.1")
    assert ask(qa.meeting, address="10.0.0.2").pk
    # An hour later the address may ask again.
    Question.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=61))
    assert ask(qa.meeting, address="10.0.0.1").pk


def test_rate_limit_can_be_raised_in_settings(qa, settings):
    settings.QUESTIONS_PER_ADDRESS_PER_HOUR = 5
    for _ in range(5):
        ask(qa.meeting)
    with pytest.raises(RateLimited):
        ask(qa.meeting)


# --- the clerk -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", OPERATORS)
def test_operators_record_questions_asked_at_the_meeting(qa, who):
    question = services.question_record_at_meeting(
        meeting=qa.meeting, text="Who decides the subsidies?", by=qa.account(who)
    )
    assert question.source == Question.Source.AT_MEETING
    assert question.status == Question.Status.PENDING  # moderated like the rest (the brief)
    assert question.asker_name == ""
    assert AuditEntry.objects.filter(action="question_record", target_id=str(question.pk)).exists()


@pytest.mark.parametrize("who", NOT_OPERATORS)
def test_others_do_not_record_questions(qa, who):
    with pytest.raises(PermissionDenied):
        services.question_record_at_meeting(meeting=qa.meeting, text="Who decides?", by=qa.account(who))


def test_the_township_admin_records_in_the_neighbour_village_but_not_elsewhere(qa):
    admin = qa.county.township_admin
    assert services.question_record_at_meeting(meeting=qa.neighbour_meeting, text="Any news?", by=admin)
    with pytest.raises(PermissionDenied):
        services.question_record_at_meeting(meeting=qa.elsewhere_meeting, text="Any news?", by=admin)


# --- moderation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", MODERATORS)
def test_moderators_approve_and_hide(qa, who):
    question = make_question(qa.meeting, status=Question.Status.PENDING)
    services.question_approve(question=question, by=qa.account(who))
    question.refresh_from_db()
    assert question.status == Question.Status.APPROVED
    services.question_hide(question=question, reason="Insults a neighbour by name", by=qa.account(who))
    question.refresh_from_db()
    assert question.status == Question.Status.HIDDEN
    assert question.moderation_note == "Insults a neighbour by name"
    entry = AuditEntry.objects.get(action="question_hide")
    assert entry.details["reason"] == "Insults a neighbour by name"
    assert entry.scope == qa.county.village.code
    # Approving again shows it again and clears the note.
    services.question_approve(question=question, by=qa.account(who))
    question.refresh_from_db()
    assert (question.status, question.moderation_note) == (Question.Status.APPROVED, "")


@pytest.mark.parametrize("who", NOT_MODERATORS)
def test_others_neither_approve_nor_hide(qa, who):
    question = make_question(qa.meeting, status=Question.Status.PENDING)
    with pytest.raises(PermissionDenied):
        services.question_approve(question=question, by=qa.account(who))
    with pytest.raises(PermissionDenied):
        services.question_hide(question=question, reason="spam", by=qa.account(who))
    question.refresh_from_db()
    assert question.status == Question.Status.PENDING


def test_hiding_needs_a_reason(qa):
    question = make_question(qa.meeting)
    with pytest.raises(ValidationError):
        services.question_hide(question=question, reason="  ", by=qa.county.moderator)
    question.refresh_from_db()
    assert question.status == Question.Status.APPROVED


# --- answering -----------------------------------------------------------------------------------------


def test_the_cadre_concerned_answers_and_may_edit_the_answer(qa):
    question = make_question(qa.meeting, cadre=qa.own_cadre)
    services.question_answer(question=question, answer="Next spring.", by=qa.county.cadre)
    question.refresh_from_db()
    first_answered_at = question.answered_at
    assert question.answer == "Next spring." and first_answered_at
    services.question_answer(question=question, answer="In April.", by=qa.county.cadre)
    question.refresh_from_db()
    assert question.answer == "In April." and question.answered_at == first_answered_at
    edit = AuditEntry.objects.get(action="question_answer_edit")
    assert edit.details == {"answer": "In April.", "previous": "Next spring."}


@pytest.mark.parametrize("who", ["other_cadre_user", "moderator", "township_admin", "operator", "nobody"])
def test_nobody_else_answers(qa, who):
    question = make_question(qa.meeting, cadre=qa.own_cadre)
    with pytest.raises(PermissionDenied):
        services.question_answer(question=question, answer="On their behalf", by=qa.account(who))


def test_a_question_to_nobody_in_particular_cannot_be_answered_by_a_cadre(qa):
    with pytest.raises(PermissionDenied):
        services.question_answer(question=make_question(qa.meeting), answer="Me", by=qa.county.cadre)


def test_a_cadre_whose_role_was_revoked_no_longer_answers(qa):
    from portal.models import RoleAssignment
    from portal.services.roles import role_revoke

    role_revoke(assignment=RoleAssignment.objects.get(user=qa.county.cadre), by=qa.county.superuser)
    with pytest.raises(PermissionDenied):
        services.question_answer(
            question=make_question(qa.meeting, cadre=qa.own_cadre), answer="Soon", by=qa.county.cadre
        )


@pytest.mark.parametrize("status", [Question.Status.PENDING, Question.Status.HIDDEN])
def test_only_a_visible_question_is_answered(qa, status):
    question = make_question(qa.meeting, cadre=qa.own_cadre, status=status)
    with pytest.raises(ValidationError):
        services.question_answer(question=question, answer="Soon", by=qa.county.cadre)


# --- the public form --------------------------------------------------------------------------------


def post_question(client, meeting, address="10.1.1.1", HTTP_X_FORWARDED_FOR=None, **data):
    data = {"text": "When will the clinic open?", "asker_name": "", "cadre": "", **data}
    headers = {"HTTP_X_FORWARDED_FOR": HTTP_X_FORWARDED_FOR} if HTTP_X_FORWARDED_FOR else {}
    return client.post(
        reverse("meetings:question-ask", args=[meeting.pk]), data, REMOTE_ADDR=address, **headers
    )


def test_the_public_form_posts_a_question_and_says_it_awaits_moderation(client, qa):
    response = post_question(client, qa.meeting, cadre=qa.own_cadre.pk)
    assert response.status_code == 302
    assert response["Location"] == f"{qa.meeting.get_absolute_url()}#questions"
    question = Question.objects.get()
    assert (question.status, question.cadre) == (Question.Status.PENDING, qa.own_cadre)
    page = client.get(response["Location"]).content.decode()
    assert "awaits moderation" in page


def test_the_public_form_changes_nothing_on_get(client, qa):
    response = client.get(reverse("meetings:question-ask", args=[qa.meeting.pk]))
    assert response.status_code == 405
    assert not Question.objects.exists()


def test_the_public_form_refuses_bad_input_with_400(client, qa):
    response = post_question(client, qa.meeting, text="Hm")
    assert response.status_code == 400
    assert "at least" in response.content.decode()
    response = post_question(client, qa.meeting, cadre=qa.neighbour_cadre.pk)
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_the_nth_plus_one_question_from_one_browser_gets_429_and_its_neighbours_still_ask(client, qa):
    for _ in range(settings.QUESTIONS_PER_BROWSER_PER_HOUR):
        assert post_question(client, qa.meeting, address="192.0.2.7").status_code == 302
    response = post_question(client, qa.meeting, address="192.0.2.7")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many questions" in response.content.decode()
    # Behind the same carrier address, another villager's browser still asks: one eager sender does
    # not spend the village's allowance.
    assert post_question(Client(), qa.meeting, address="192.0.2.7").status_code == 302
    assert post_question(client, qa.meeting, address="192.0.2.8").status_code == 429  # the browser's own
    assert Question.objects.count() == settings.QUESTIONS_PER_BROWSER_PER_HOUR + 1


def test_the_browser_cookie_is_signed_random_and_http_only(client, qa):
    response = post_question(client, qa.meeting)
    cookie = response.cookies["portal_sender"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 300 * 24 * 3600
    question = Question.objects.get()
    assert question.browser_key and cookie.value.split(":")[0] not in question.browser_key
    # A forged cookie is not believed: the post is counted under a new identifier of its own.
    client.cookies["portal_sender"] = "0" * 32
    post_question(client, qa.meeting)
    assert Question.objects.values("browser_key").distinct().count() == 2


def test_a_sender_who_throws_away_the_cookie_meets_the_addresss_cap(qa, settings):
    settings.QUESTIONS_PER_ADDRESS_PER_HOUR = 5
    for _ in range(5):
        assert post_question(Client(), qa.meeting, address="192.0.2.9").status_code == 302
    assert post_question(Client(), qa.meeting, address="192.0.2.9").status_code == 429
    assert post_question(Client(), qa.meeting, address="192.0.2.10").status_code == 302


def test_behind_the_proxy_the_forwarded_address_is_counted(client, qa, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.QUESTIONS_PER_BROWSER_PER_HOUR, settings.QUESTIONS_PER_ADDRESS_PER_HOUR = 100, 3
    limit = settings.QUESTIONS_PER_ADDRESS_PER_HOUR
    for number in range(limit + 1):
        # Every request reaches the app from the proxy; the client may prepend whatever it likes.
        response = post_question(
            client, qa.meeting, address="10.9.9.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 198.51.100.4"
        )
    assert response.status_code == 429
    other = post_question(client, qa.meeting, address="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.5")
    assert other.status_code == 302


def test_a_draft_meeting_is_a_404_and_a_final_one_a_400(client, qa):
    Meeting.objects.filter(pk=qa.meeting.pk).update(status=Meeting.Status.DRAFT)
    assert post_question(client, qa.meeting).status_code == 404
    Meeting.objects.filter(pk=qa.meeting.pk).update(status=Meeting.Status.FINAL)
    response = post_question(client, qa.meeting)
    assert response.status_code == 400
    assert "no longer takes questions" in response.content.decode()


def test_the_public_form_needs_the_csrf_token(qa):
    response = post_question(Client(enforce_csrf_checks=True), qa.meeting)
    assert response.status_code == 403
    assert not Question.objects.exists()


# --- what the public sees ------------------------------------------------------------------------------


def render_list(meeting):
    from meetings.questions.forms import QuestionForm

    questions = (
        Question.objects.filter(meeting=meeting).shown_publicly().select_related("cadre", "commitment")
    )
    return render_to_string(
        "meetings/questions/_list.html",
        {"meeting": meeting, "questions": questions, "question_form": QuestionForm(meeting=meeting)},
    )


def test_pending_questions_are_not_shown_and_hidden_ones_keep_their_place(qa):
    make_question(qa.meeting, text="First, approved question", status=Question.Status.APPROVED)
    hidden = make_question(
        qa.meeting, text="Second, rude question", status=Question.Status.HIDDEN, asker_name="Rude Asker"
    )
    make_question(qa.meeting, text="Third, pending question", status=Question.Status.PENDING)
    html = render_list(qa.meeting)
    assert "First, approved question" in html
    assert "Third, pending question" not in html
    assert "Second, rude question" not in html and "Rude Asker" not in html
    assert f'id="question-{hidden.pk}"' in html
    assert "Hidden by moderator." in html
    assert html.index("First, approved") < html.index(f'id="question-{hidden.pk}"')


def test_the_meeting_page_shows_the_moderated_questions(client, qa):
    make_question(qa.meeting, text="Approved on the meeting page")
    make_question(qa.meeting, text="Pending on the meeting page", status=Question.Status.PENDING)
    make_question(qa.meeting, text="Hidden on the meeting page", status=Question.Status.HIDDEN)
    html = client.get(qa.meeting.get_absolute_url()).content.decode()
    assert "Approved on the meeting page" in html
    assert "Pending on the meeting page" not in html
    assert "Hidden on the meeting page" not in html
    assert "Hidden by moderator." in html


def test_the_form_is_offered_only_while_the_meeting_takes_questions(qa):
    assert reverse("meetings:question-ask", args=[qa.meeting.pk]) in render_list(qa.meeting)
    set_status(qa.meeting, Meeting.Status.FINAL)
    assert reverse("meetings:question-ask", args=[qa.meeting.pk]) not in render_list(qa.meeting)


def test_stored_markup_is_rendered_escaped(client, qa):
    make_question(
        qa.meeting, cadre=qa.own_cadre, text=f"Q {SCRIPT}", asker_name=IMG, answer=f"A {IMG} {SCRIPT}"
    )
    html = render_list(qa.meeting)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    # And on the staff pages that show the text: the queue and the cadre's page.
    make_question(qa.meeting, text=f"Pending {SCRIPT}", asker_name=IMG, status=Question.Status.PENDING)
    client.force_login(qa.county.moderator)
    queue = client.get(reverse("meetings:question-queue")).content.decode()
    client.force_login(qa.county.cadre)
    mine = client.get(reverse("meetings:my-questions")).content.decode()
    for html in (queue, mine):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


# --- staff pages: the clerk -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "meeting", "expected"),
    [
        ("operator", "meeting", 200),
        ("township_admin", "meeting", 200),
        ("township_admin", "neighbour_meeting", 200),
        ("operator", "neighbour_meeting", 404),
        ("elsewhere_admin", "meeting", 404),
        ("moderator", "meeting", 404),
        ("cadre", "meeting", 404),
        ("nobody", "meeting", 404),
    ],
)
def test_the_clerks_page_matrix(client, qa, who, meeting, expected):
    client.force_login(qa.account(who))
    url = reverse("meetings:questions-record", args=[getattr(qa, meeting).pk])
    assert client.get(url).status_code == expected
    response = client.post(url, {"text": "Asked aloud at the venue", "asker_name": "Tursun", "cadre": ""})
    assert response.status_code == (302 if expected == 200 else 404)
    assert Question.objects.filter(text="Asked aloud at the venue").exists() == (expected == 200)


def test_the_clerks_page_needs_a_login(client, qa):
    response = client.get(reverse("meetings:questions-record", args=[qa.meeting.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_clerk_records_and_sees_the_question(client, qa):
    client.force_login(qa.county.operator)
    url = reverse("meetings:questions-record", args=[qa.meeting.pk])
    response = client.post(
        url, {"text": "Who owns the orchard?", "asker_name": "", "cadre": qa.other_cadre.pk}
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.source, question.cadre) == (Question.Source.AT_MEETING, qa.other_cadre)
    assert "Who owns the orchard?" in client.get(url).content.decode()
    assert client.post(url, {"text": "", "asker_name": "", "cadre": ""}).status_code == 400


# --- staff pages: moderation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("moderator", 302),
        ("township_admin", 302),
        ("neighbour_moderator", 404),
        ("elsewhere_admin", 404),
        ("operator", 404),
        ("cadre", 404),
    ],
)
def test_approve_and_hide_views_matrix(client, qa, who, expected):
    first = make_question(qa.meeting, status=Question.Status.PENDING)
    second = make_question(qa.meeting, status=Question.Status.PENDING)
    client.force_login(qa.account(who))
    assert client.post(reverse("meetings:question-approve", args=[first.pk])).status_code == expected
    hide = reverse("meetings:question-hide", args=[second.pk])
    assert client.post(hide, {"reason": "Advertising"}).status_code == expected
    first.refresh_from_db()
    second.refresh_from_db()
    changed = expected == 302
    assert (first.status == Question.Status.APPROVED) == changed
    assert (second.status == Question.Status.HIDDEN) == changed


def test_approving_needs_a_post(client, qa):
    question = make_question(qa.meeting, status=Question.Status.PENDING)
    client.force_login(qa.county.moderator)
    assert client.get(reverse("meetings:question-approve", args=[question.pk])).status_code == 405
    question.refresh_from_db()
    assert question.status == Question.Status.PENDING


def test_hiding_without_a_reason_is_a_400(client, qa):
    question = make_question(qa.meeting, status=Question.Status.PENDING)
    client.force_login(qa.county.moderator)
    response = client.post(reverse("meetings:question-hide", args=[question.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_the_queue_shows_the_moderators_villages_only(client, qa):
    make_question(qa.meeting, text="Pending here", status=Question.Status.PENDING)
    make_question(qa.neighbour_meeting, text="Pending next door", status=Question.Status.PENDING)
    make_question(qa.meeting, text="Approved here")
    client.force_login(qa.county.moderator)
    html = client.get(reverse("meetings:question-queue")).content.decode()
    assert "Pending here" in html and "Pending next door" not in html
    assert "Approved here" in html  # in the "approved, no commitment yet" list
    client.force_login(qa.county.township_admin)
    html = client.get(reverse("meetings:question-queue")).content.decode()
    assert "Pending here" in html and "Pending next door" in html
    client.force_login(qa.county.cadre)
    assert client.get(reverse("meetings:question-queue")).status_code == 404


def test_the_queue_is_not_n_plus_one(client, qa, django_assert_num_queries):
    for number in range(12):
        make_question(
            qa.meeting, text=f"Pending {number}", cadre=qa.own_cadre, status=Question.Status.PENDING
        )
        make_question(qa.neighbour_meeting, text=f"Approved {number}", status=Question.Status.APPROVED)
    client.force_login(qa.county.township_admin)
    # session, user, "has villages to moderate", pending count (paginator), one page of pending
    # questions with meeting, village and cadre, the approved ones likewise, the navigation's
    # permissions (user's and groups') — whatever the number of questions
    with django_assert_num_queries(8):
        response = client.get(reverse("meetings:question-queue"))
    html = response.content.decode()
    assert "Pending 11" in html and "Approved 11" in html


# --- staff pages: the cadre's questions ----------------------------------------------------------------


def test_my_questions_lists_the_approved_questions_to_me(client, qa):
    make_question(qa.meeting, text="To me, approved", cadre=qa.own_cadre)
    make_question(qa.meeting, text="To me, pending", cadre=qa.own_cadre, status=Question.Status.PENDING)
    make_question(qa.meeting, text="To me, hidden", cadre=qa.own_cadre, status=Question.Status.HIDDEN)
    make_question(qa.meeting, text="To my colleague", cadre=qa.other_cadre)
    make_question(qa.meeting, text="To me, answered", cadre=qa.own_cadre, answer="Done already.")
    client.force_login(qa.county.cadre)
    html = client.get(reverse("meetings:my-questions")).content.decode()
    assert "To me, approved" in html and "To me, answered" in html and "Done already." in html
    assert "To me, pending" not in html and "To me, hidden" not in html and "To my colleague" not in html


@pytest.mark.parametrize(
    ("who", "expected"),
    [("cadre", 302), ("other_cadre_user", 404), ("moderator", 404), ("township_admin", 404), ("nobody", 404)],
)
def test_answer_view_matrix(client, qa, who, expected):
    question = make_question(qa.meeting, cadre=qa.own_cadre)
    client.force_login(qa.account(who))
    url = reverse("meetings:question-answer", args=[question.pk])
    assert client.get(url).status_code == (200 if expected == 302 else 404)
    assert client.post(url, {"answer": "The pump arrives in May."}).status_code == expected
    question.refresh_from_db()
    assert (question.answer == "The pump arrives in May.") == (expected == 302)


def test_an_empty_answer_is_a_400(client, qa):
    question = make_question(qa.meeting, cadre=qa.own_cadre)
    client.force_login(qa.county.cadre)
    response = client.post(reverse("meetings:question-answer", args=[question.pk]), {"answer": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_my_questions_is_not_n_plus_one(client, qa, django_assert_num_queries):
    for number in range(10):
        make_question(qa.meeting, text=f"Open {number}", cadre=qa.own_cadre)
        make_question(qa.meeting, text=f"Answered {number}", cadre=qa.own_cadre, answer=f"Answer {number}")
    client.force_login(qa.county.cadre)
    # session, user, the questions to answer (with meeting, village and cadre), the answered ones'
    # count (paginator) and one page of them, the navigation's permissions (user's and groups')
    with django_assert_num_queries(7):
        response = client.get(reverse("meetings:my-questions"))
    html = response.content.decode()
    assert "Open 9" in html and "Answer 9" in html
