"""Questions and commitments: the public form and pages, and the staff's queue and "my" pages.

Staff pages scope every object to the villages where the user holds the capability (or, for a cadre,
to the cadre's own questions and commitments), so that another village's object is a 404; the services
in meetings.questions.services check again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from meetings.access import (
    get_commitment_for_user_or_404,
    get_meeting_for_user_or_404,
    get_question_for_user_or_404,
    get_question_to_answer_or_404,
)
from meetings.models import Commitment, Meeting, Question
from meetings.questions import services
from meetings.questions.forms import (
    CommitmentFilter,
    CommitmentForm,
    CommitmentStatusForm,
    CommitmentUpdateForm,
    QuestionAnswerForm,
    QuestionForm,
    QuestionHideForm,
    QuestionRecordForm,
)
from meetings.questions.tables import CommitmentTable
from portal import permissions, ratelimit
from portal.http import client_address, rate_limited, show_service_error
from portal.models import Village
from portal.permissions import Capability
from portal.ratelimit import RateLimited
from portal.tables import PagedRequestConfig

PER_PAGE = 25
RECENTLY_APPROVED = 20


def _page(request, items):
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def _form_page(request, form, template: str, context: dict, *, act, done: str):
    """A staff page whose form calls a service.

    On a valid POST, `act(cleaned_data)` makes the change and returns where to go next (anything
    `redirect` takes); a refusal of the service is shown on the form and the page answers 400.
    """
    if request.method == "POST" and form.is_valid():
        try:
            target = act(form.cleaned_data)
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, done)
            return redirect(target)
    return render(request, template, {**context, "form": form}, status=400 if form.is_bound else 200)


# Public ----------------------------------------------------------------------------------------------


@require_POST
def question_ask(request, pk):
    """Anyone, no account: leave a question on a public meeting (POST); it waits for moderation."""
    meeting = get_object_or_404(Meeting.objects.public().select_related("village"), pk=pk)
    browser, new = ratelimit.browser_id(request)
    return ratelimit.keep_browser_id(_question_ask(request, meeting, browser), browser, new)


def _question_ask(request, meeting: Meeting, browser: str):
    form = QuestionForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.question_ask_online(
                meeting=meeting,
                text=form.cleaned_data["text"],
                asker_name=form.cleaned_data["asker_name"],
                cadre=form.cleaned_data["cadre"],
                sender_address=client_address(request),
                sender_browser=browser,
            )
        except RateLimited as error:
            form.add_error(None, str(error))
            return rate_limited(
                request, "meetings/questions/ask.html", {"meeting": meeting, "form": form}, error
            )
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(
                request, _("Thank you. Your question awaits moderation and will be shown once approved.")
            )
            return redirect(f"{meeting.get_absolute_url()}#questions")
    return render(request, "meetings/questions/ask.html", {"meeting": meeting, "form": form}, status=400)


@require_safe
def commitment_list(request, code):
    """Public: a village's commitments, filtered by status and responsible cadre, sortable and paged."""
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    commitments = Commitment.objects.public().in_village(village).select_related("owner", "meeting")
    filterset = CommitmentFilter(request.GET or None, queryset=commitments, village=village)
    table = CommitmentTable(filterset.qs)
    PagedRequestConfig(request, per_page=PER_PAGE).configure(table)
    status = 400 if filterset.is_bound and not filterset.is_valid() else 200
    context = {"village": village, "filter": filterset, "table": table}
    return render(request, "meetings/commitments/list.html", context, status=status)


@require_safe
def commitment_detail(request, pk):
    """Public: one commitment — what, who, when, its status and its dated progress with photos."""
    commitment = get_object_or_404(
        Commitment.objects.public().select_related("owner", "meeting__village", "question"), pk=pk
    )
    context = {
        "commitment": commitment,
        "updates": commitment.updates.all(),
        "can_manage": request.user.is_authenticated
        and services.may_manage_commitment(request.user, commitment),
    }
    return render(request, "meetings/commitments/detail.html", context)


# Staff: the clerk ------------------------------------------------------------------------------------


@login_required
def questions_record(request, pk):
    """Meeting operators (the clerk) and township administrators of the village: questions asked aloud."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    recorded = (
        meeting.questions.filter(source=Question.Source.AT_MEETING)
        .select_related("cadre")
        .order_by("-created_at")
    )

    def record(fields):
        services.question_record_at_meeting(meeting=meeting, by=request.user, **fields)
        return reverse("meetings:questions-record", args=[meeting.pk])

    return _form_page(
        request,
        QuestionRecordForm(request.POST or None, meeting=meeting),
        "meetings/questions/record.html",
        {"meeting": meeting, "recorded": recorded},
        act=record,
        done=_("The question has been recorded; it is shown once a moderator approves it."),
    )


# Staff: moderation -----------------------------------------------------------------------------------


@login_required
def question_queue(request):
    """Village moderators and township administrators: the pending questions of their villages."""
    if not permissions.has_any_capability(request.user, Capability.MODERATE):
        raise Http404(_("No villages to moderate."))
    questions = Question.objects.for_user(request.user, Capability.MODERATE).select_related(
        "meeting__village", "cadre"
    )
    context = {
        "pending": _page(request, questions.pending().order_by("created_at", "pk")),
        # Questions already shown, which a moderator may still turn into a commitment.
        "approved": questions.filter(status=Question.Status.APPROVED, commitment__isnull=True).order_by(
            "-created_at"
        )[:RECENTLY_APPROVED],
    }
    return render(request, "meetings/questions/queue.html", context)


@login_required
@require_POST
def question_approve(request, pk):
    """Village moderators and township administrators of the question's village; POST only."""
    question = get_question_for_user_or_404(request.user, pk, Capability.MODERATE)
    services.question_approve(question=question, by=request.user)
    messages.success(request, _("The question is now shown to the public."))
    return redirect("meetings:question-queue")


@login_required
def question_hide(request, pk):
    """Village moderators and township administrators of the question's village: hide, with a reason."""
    question = get_question_for_user_or_404(request.user, pk, Capability.MODERATE)

    def hide(fields):
        services.question_hide(question=question, reason=fields["reason"], by=request.user)
        return "meetings:question-queue"

    return _form_page(
        request,
        QuestionHideForm(request.POST or None),
        "meetings/questions/hide.html",
        {"question": question},
        act=hide,
        done=_("The question is hidden; its place shows “hidden by moderator”."),
    )


def _commitment_form_page(request, *, meeting, question=None, action: str):
    initial = {"owner": question.cadre_id} if question is not None else None

    def create(fields):
        if question is not None:
            return services.commitment_create_from_question(question=question, by=request.user, **fields)
        return services.commitment_create(meeting=meeting, by=request.user, **fields)

    return _form_page(
        request,
        CommitmentForm(request.POST or None, meeting=meeting, action=action, initial=initial),
        "meetings/commitments/form.html",
        {"meeting": meeting, "question": question},
        act=create,
        done=_("The commitment is made and shown to the public."),
    )


@login_required
def commitment_from_question(request, pk):
    """Village moderators and township administrators of the question's village: make it a commitment."""
    question = get_question_for_user_or_404(request.user, pk, Capability.MODERATE)
    action = request.path
    return _commitment_form_page(request, meeting=question.meeting, question=question, action=action)


@login_required
def commitment_create(request, pk):
    """Village moderators and township administrators of the meeting's village: a new commitment."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE)
    return _commitment_form_page(request, meeting=meeting, action=request.path)


# Staff: the cadre's own pages ------------------------------------------------------------------------


@login_required
def my_questions(request):
    """Cadres with an account: approved questions addressed to them, to answer; and the answered ones."""
    questions = (
        Question.objects.addressed_to(request.user)
        .select_related("meeting__village", "cadre")
        .filter(status=Question.Status.APPROVED)
    )
    to_answer = questions.filter(answer="").order_by("created_at", "pk")
    answered = _page(request, questions.exclude(answer="").order_by("-answered_at", "-pk"))
    context = {
        "to_answer": [(question, QuestionAnswerForm(question=question)) for question in to_answer],
        "answered": answered,
    }
    return render(request, "meetings/questions/mine.html", context)


@login_required
def question_answer(request, pk):
    """The cadre the question is addressed to (own account): answer it, or edit the answer."""
    question = get_question_to_answer_or_404(request.user, pk)

    def answer(fields):
        services.question_answer(question=question, answer=fields["answer"], by=request.user)
        return "meetings:my-questions"

    return _form_page(
        request,
        QuestionAnswerForm(request.POST or None, question=question),
        "meetings/questions/answer.html",
        {"question": question},
        act=answer,
        done=_("Your answer is published."),
    )


@login_required
def my_commitments(request):
    """Cadres with an account: the commitments they are responsible for."""
    commitments = (
        Commitment.objects.owned_by_user(request.user)
        .for_user(request.user, Capability.WRITE_OWN_CONTENT)
        .select_related("meeting__village", "owner")
        .order_by("status", "due_date", "pk")
    )
    return render(request, "meetings/commitments/mine.html", {"commitments": _page(request, commitments)})


def _render_manage(request, commitment, *, update_form=None, status_form=None, status=200):
    context = {
        "commitment": commitment,
        "updates": commitment.updates.all(),
        "update_form": update_form or CommitmentUpdateForm(commitment=commitment),
        "status_form": status_form or CommitmentStatusForm(commitment=commitment),
    }
    return render(request, "meetings/commitments/manage.html", context, status=status)


@login_required
def commitment_manage(request, pk):
    """The responsible cadre (own account) and the village's moderators: progress and status."""
    commitment = get_commitment_for_user_or_404(request.user, pk)
    return _render_manage(request, commitment)


@login_required
@require_POST
def commitment_update_add(request, pk):
    """The responsible cadre (own account) and the village's moderators: a progress update; POST only."""
    commitment = get_commitment_for_user_or_404(request.user, pk)
    form = CommitmentUpdateForm(request.POST, request.FILES, commitment=commitment)
    if form.is_valid():
        try:
            services.commitment_update_add(commitment=commitment, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The progress update is published."))
            return redirect("meetings:commitment-manage", pk=commitment.pk)
    return _render_manage(request, commitment, update_form=form, status=400)


@login_required
@require_POST
def commitment_status(request, pk):
    """The responsible cadre moves it forward; the village's moderators also reopen it. POST only."""
    commitment = get_commitment_for_user_or_404(request.user, pk)
    form = CommitmentStatusForm(request.POST, commitment=commitment)
    status = 400
    if form.is_valid():
        try:
            services.commitment_set_status(
                commitment=commitment, status=form.cleaned_data["status"], by=request.user
            )
        except PermissionDenied as error:
            show_service_error(request, error, form=form)
            status = 403
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The status is changed."))
            return redirect("meetings:commitment-manage", pk=commitment.pk)
    return _render_manage(request, commitment, status_form=form, status=status)
