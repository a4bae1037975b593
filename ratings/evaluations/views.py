"""Staff pages of households' evaluations: a village's proposals and the form, one proposal with its
steps, the township's and the county's queues, a household's history, and the register; and the one
public page, the village's notice of the households voted on.

Who may use them (portal.permissions): anyone reads the public notice; everyone who works on a
village's evaluations (VIEW_HOUSEHOLD_EVALUATIONS: its staff, its township's administrators, the county
officers over its township) reads its proposals, its households' history and its register; the
village's staff (PROPOSE_HOUSEHOLDS) propose, correct, submit and record the household's confirmation;
its moderators (MODERATE) approve, return and set the agenda; the township's administrators
(CHECK_HOUSEHOLDS) check and read the township's register; a county officer (DECIDE_HOUSEHOLDS)
decides. Another village's proposal or household is a 404; a step the user may not take on a proposal
they see is a 403 (the service's check). A refused input is a 400, a step refused for the state of
things a 409.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal import permissions
from portal.http import show_service_error
from portal.models import Village
from portal.permissions import Capability
from portal.spreadsheets import spreadsheet_csv
from ratings.access import (
    get_household_for_user_or_404,
    get_household_proposal_for_user_or_404,
    get_open_risk_flag_for_user_or_404,
    get_township_for_user_or_404,
)
from ratings.evaluations import register, services
from ratings.evaluations.forms import AgendaForm, ConfirmForm, DecisionForm, ProposalForm, ReturnForm
from ratings.models import HouseholdProposal, HouseholdStatusChange

BAD_INPUT = 400
CONFLICT = 409
Status = HouseholdProposal.Status
# The public notice lists the households voted on at the meetings of this many latest years.
NOTICE_YEARS = 2


def _can(request, capability: str, village) -> bool:
    return permissions.has_capability(request.user, capability, village)


# --- the public notice ------------------------------------------------------------------------------


@require_safe
def public_notice(request, code):
    """Public: the households voted on at the village's latest meetings, by the minimum the notice needs
    (the head of household, the decision, the outcome and where it stands); no figure of a household,
    no reason, no count."""
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    voted = HouseholdProposal.objects.filter(village=village).voted()
    latest = voted.order_by("-meeting__year").values_list("meeting__year", flat=True).first()
    proposals = HouseholdProposal.objects.none()
    if latest is not None:
        proposals = (
            voted.filter(meeting__year__gt=latest - NOTICE_YEARS)
            .select_related("meeting")
            .order_by("-meeting__year", "head_name", "pk")
        )
    context = {"village": village, "proposals": proposals}
    return render(request, "ratings/evaluations/notice.html", context)


# --- a village's proposals ----------------------------------------------------------------------------


@login_required
@require_safe
def proposal_list(request, code):
    """The village's proposals, newest first, with their status and next deadline."""
    village = permissions.village_or_404(request.user, Capability.VIEW_HOUSEHOLD_EVALUATIONS, code)
    proposals = HouseholdProposal.objects.filter(village=village).select_related("household", "meeting")
    context = {
        "village": village,
        "proposals": proposals,
        "today": timezone.localdate(),
        "may_propose": _can(request, Capability.PROPOSE_HOUSEHOLDS, village),
    }
    return render(request, "ratings/evaluations/proposals.html", context)


def _form_values(form: ProposalForm) -> dict:
    values = {name: value for name, value in form.cleaned_data.items() if name != "household"}
    if values.get("notice_days") is None:
        values.pop("notice_days", None)
    return values


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request, code):
    """The village's staff: propose a household for a decision, with the facts the ballot shows."""
    village = permissions.village_or_404(request.user, Capability.PROPOSE_HOUSEHOLDS, code)
    form = ProposalForm(request.POST or None, village=village)
    status = 200
    if request.method == "POST":
        status = BAD_INPUT
        if form.is_valid():
            try:
                proposal = services.proposal_create(
                    village=village,
                    household=form.cleaned_data["household"],
                    by=request.user,
                    **_form_values(form),
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(
                    request, _("The household is proposed. Submit it to the moderator when ready.")
                )
                return redirect(proposal)
    context = {"village": village, "form": form, "proposal": None}
    return render(request, "ratings/evaluations/proposal_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_from_risk(request, pk):
    """The village's staff: start the household's entry into monitoring from an open risk flag found
    at a visit, with the flag's category and its risk as the reason (the ballot's facts to complete)."""
    flag = get_open_risk_flag_for_user_or_404(request.user, pk, Capability.PROPOSE_HOUSEHOLDS)
    village, household = flag.household.village, flag.household
    initial = {
        "household": household.pk,
        "kind": HouseholdProposal.Kind.MONITORING_ENTRY,
        "category": flag.category,
        "reason": flag.get_risk_display(),
    }
    form = ProposalForm(request.POST or None, village=village, initial=initial)
    form.fields["household"].queryset = form.fields["household"].queryset.filter(pk=household.pk)
    status = 200
    if request.method == "POST":
        status = BAD_INPUT
        if form.is_valid():
            try:
                proposal = services.proposal_create(
                    village=village,
                    household=form.cleaned_data["household"],
                    by=request.user,
                    risk_flag=flag,
                    **_form_values(form),
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(
                    request, _("The household is proposed. Submit it to the moderator when ready.")
                )
                return redirect(proposal)
    context = {"village": village, "form": form, "proposal": None, "risk_flag": flag}
    return render(request, "ratings/evaluations/proposal_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, pk):
    """The village's staff: correct a draft or a returned proposal."""
    proposal = get_household_proposal_for_user_or_404(request.user, pk, Capability.PROPOSE_HOUSEHOLDS)
    if not proposal.is_editable:
        messages.error(request, _("Only a draft or a returned proposal is edited."))
        return redirect(proposal)
    form = ProposalForm(request.POST or None, village=proposal.village, proposal=proposal)
    status = 200
    if request.method == "POST":
        status = BAD_INPUT
        if form.is_valid():
            values = _form_values(form)
            values.setdefault("notice_days", services.notice_days_for(values["kind"]))
            try:
                services.proposal_update(proposal=proposal, by=request.user, **values)
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(request, _("The proposal is saved."))
                return redirect(proposal)
    context = {"village": proposal.village, "form": form, "proposal": proposal}
    return render(request, "ratings/evaluations/proposal_form.html", context, status=status)


def _render_proposal(request, proposal: HouseholdProposal, *, forms=None, status: int = 200):
    """One proposal: its facts, its count and dates, its history, and the step forms this user may use."""
    village, today = proposal.village, timezone.localdate()
    forms = forms or {}
    may = {
        "edit": proposal.is_editable and _can(request, Capability.PROPOSE_HOUSEHOLDS, village),
        "approve": proposal.status == Status.SUBMITTED and _can(request, Capability.MODERATE, village),
        "return": proposal.status in (Status.SUBMITTED, Status.APPROVED)
        and not proposal.agenda_frozen
        and _can(request, Capability.MODERATE, village),
        "agenda": proposal.status == Status.APPROVED
        and not proposal.agenda_frozen
        and _can(request, Capability.MODERATE, village),
        "check": proposal.status == Status.UNDER_NOTICE
        and proposal.notice_over(today)
        and _can(request, Capability.CHECK_HOUSEHOLDS, village),
        "decide": proposal.status == Status.TOWNSHIP_CHECKED
        and _can(request, Capability.DECIDE_HOUSEHOLDS, village),
        "confirm": proposal.is_final
        and proposal.confirmed_at is None
        and _can(request, Capability.PROPOSE_HOUSEHOLDS, village),
    }
    context = {
        "proposal": proposal,
        "village": village,
        "today": today,
        "history": HouseholdStatusChange.objects.filter(proposal=proposal),
        "may": may,
        "return_form": forms.get("return") or (ReturnForm() if may["return"] else None),
        "agenda_form": forms.get("agenda") or (AgendaForm(proposal=proposal) if may["agenda"] else None),
        "check_form": forms.get("check") or (DecisionForm() if may["check"] else None),
        "decide_form": forms.get("decide") or (DecisionForm() if may["decide"] else None),
        "confirm_form": forms.get("confirm") or (ConfirmForm() if may["confirm"] else None),
        "checks": [
            (proposal._meta.get_field(name).verbose_name, getattr(proposal, name))
            for name in ("food", "clothing", "education", "medical", "housing", "drinking_water")
        ],
    }
    return render(request, "ratings/evaluations/proposal.html", context, status=status)


@login_required
@require_safe
def proposal_detail(request, pk):
    """Whoever works on the village's evaluations: one proposal and its steps."""
    proposal = get_household_proposal_for_user_or_404(request.user, pk, Capability.VIEW_HOUSEHOLD_EVALUATIONS)
    return _render_proposal(request, proposal)


def _step(request, pk, action, *, form_class=None, form_key=None, form_kwargs=None, done: str):
    """Run one step from a POST: the form (if any), the service, then back to the proposal."""
    proposal = get_household_proposal_for_user_or_404(request.user, pk, Capability.VIEW_HOUSEHOLD_EVALUATIONS)
    form = None
    if form_class is not None:
        kwargs = form_kwargs(proposal) if form_kwargs else {}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            return _render_proposal(request, proposal, forms={form_key: form}, status=BAD_INPUT)
    try:
        action(proposal, form)
    except PermissionDenied:
        raise
    except ValidationError as error:
        show_service_error(
            request, error, form=form, field="reason" if form and "reason" in form.fields else None
        )
        proposal.refresh_from_db()
        return _render_proposal(request, proposal, forms={form_key: form} if form else None, status=CONFLICT)
    messages.success(request, done)
    return redirect("ratings:household-proposal", pk=pk)


@login_required
@require_POST
def proposal_submit(request, pk):
    """The village's staff: send the proposal to the moderator."""
    return _step(
        request,
        pk,
        lambda proposal, form: services.proposal_submit(proposal=proposal, by=request.user),
        done=_("The proposal is submitted to the moderator."),
    )


@login_required
@require_POST
def proposal_approve(request, pk):
    """The village's moderators: approve the proposal for the agenda."""
    return _step(
        request,
        pk,
        lambda proposal, form: services.proposal_approve(proposal=proposal, by=request.user),
        done=_("The proposal is approved for the agenda."),
    )


@login_required
@require_POST
def proposal_return(request, pk):
    """The village's moderators: return the proposal to the village with a reason."""
    return _step(
        request,
        pk,
        lambda proposal, form: services.proposal_return(
            proposal=proposal, reason=form.cleaned_data["reason"], by=request.user
        ),
        form_class=ReturnForm,
        form_key="return",
        done=_("The proposal is returned to the village."),
    )


@login_required
@require_POST
def proposal_agenda(request, pk):
    """The village's moderators: put the proposal on a meeting's agenda, or take it off, before voting."""
    return _step(
        request,
        pk,
        lambda proposal, form: services.proposal_place_on_agenda(
            proposal=proposal, meeting=form.cleaned_data["meeting"], by=request.user
        ),
        form_class=AgendaForm,
        form_key="agenda",
        form_kwargs=lambda proposal: {"proposal": proposal},
        done=_("The agenda is set."),
    )


@login_required
@require_POST
def proposal_check(request, pk):
    """The township's administrators: check the proposal after its notice (approve, or return)."""
    return _step(
        request,
        pk,
        lambda proposal, form: services.township_check(
            proposal=proposal, approve=form.approve, reason=form.cleaned_data["reason"], by=request.user
        ),
        form_class=DecisionForm,
        form_key="check",
        done=_("The township's check is recorded."),
    )


@login_required
@require_POST
def proposal_decide(request, pk):
    """A county officer over the township: decide the checked proposal (approve, or return)."""
    return _step(
        request,
        pk,
        lambda proposal, form: services.county_decide(
            proposal=proposal, approve=form.approve, reason=form.cleaned_data["reason"], by=request.user
        ),
        form_class=DecisionForm,
        form_key="decide",
        done=_("The county's decision is recorded."),
    )


@login_required
@require_POST
def proposal_confirm(request, pk):
    """The village's staff: record that the household was shown the final outcome and confirmed it."""
    return _step(
        request,
        pk,
        lambda proposal, form: services.household_confirm(
            proposal=proposal,
            by_helper=form.cleaned_data["by_helper"],
            thumbprint=form.cleaned_data["thumbprint"],
            by=request.user,
        ),
        form_class=ConfirmForm,
        form_key="confirm",
        done=_("The household's confirmation is recorded."),
    )


# --- queues, history, register ------------------------------------------------------------------------


@login_required
@require_safe
def township_queue(request):
    """The township's administrators: passed proposals of their villages, the notice over, to check;
    and those still under notice, with the day it ends."""
    villages = permissions.villages_with(request.user, Capability.CHECK_HOUSEHOLDS)
    if not villages.exists():
        raise PermissionDenied
    today = timezone.localdate()
    proposals = HouseholdProposal.objects.in_villages(villages).with_place().order_by("decision_due", "pk")
    context = {
        "today": today,
        "title": _("Households' evaluations to check"),
        "ready": proposals.awaiting_township(today),
        "waiting": proposals.filter(status=Status.UNDER_NOTICE, notice_ends__gte=today),
    }
    return render(request, "ratings/evaluations/queue.html", context)


@login_required
@require_safe
def county_queue(request):
    """County officers: proposals the townships checked, awaiting the county's decision, by deadline."""
    villages = permissions.villages_with(request.user, Capability.DECIDE_HOUSEHOLDS)
    if not villages.exists():
        raise PermissionDenied
    proposals = HouseholdProposal.objects.in_villages(villages).with_place().order_by("decision_due", "pk")
    context = {
        "today": timezone.localdate(),
        "title": _("Households' evaluations to decide"),
        "ready": proposals.awaiting_county(),
        "waiting": None,
    }
    return render(request, "ratings/evaluations/queue.html", context)


@login_required
@require_safe
def household_history(request, code, pk):
    """Whoever works on the village's evaluations: every step of every proposal of one household."""
    village = permissions.village_or_404(request.user, Capability.VIEW_HOUSEHOLD_EVALUATIONS, code)
    household = get_household_for_user_or_404(
        request.user, pk, Capability.VIEW_HOUSEHOLD_EVALUATIONS, village=village
    )
    context = {
        "village": village,
        "household": household,
        "monitoring": register.monitoring_of(household),
        "history": HouseholdStatusChange.objects.of_household(household),
    }
    return render(request, "ratings/evaluations/history.html", context)


def _register_page(request, *, proposals, place, village=None, township=None):
    today = timezone.localdate()
    book = register.register_of(proposals, today)
    part = request.GET.get("csv")
    if part in ("monitored", "pending"):
        return _register_csv(book, part, place, today)
    context = {"register": book, "place": place, "village": village, "township": township, "today": today}
    return render(request, "ratings/evaluations/register.html", context)


def _register_csv(book: register.Register, part: str, place, today: datetime.date) -> HttpResponse:
    if part == "monitored":
        header = [_("Village"), _("Household"), _("Head of household"), _("Category"), _("Since")]
        rows = [
            [
                item.village.name,
                item.household.number,
                item.entry.head_name,
                item.entry.get_category_display(),
                item.since.isoformat(),
            ]
            for item in book.monitored
        ]
    else:
        header = [
            _("Village"),
            _("Household"),
            _("Head of household"),
            _("Evaluation"),
            _("Status"),
            _("Notice until"),
            _("Decision due"),
            _("Overdue"),
        ]
        rows = [
            [
                proposal.village.name,
                proposal.household.number,
                proposal.head_name,
                proposal.decision_label,
                proposal.get_status_display(),
                proposal.notice_ends.isoformat() if proposal.notice_ends else "",
                proposal.decision_due.isoformat() if proposal.decision_due else "",
                _("yes") if proposal.is_overdue(today) else "",
            ]
            for proposal in book.pending
        ]
    response = HttpResponse(spreadsheet_csv(header, rows), content_type="text/csv; charset=utf-8")
    filename = f"household-register-{place.code}-{part}-{today:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def village_register(request, code):
    """Whoever works on the village's evaluations: the village's register (?csv=monitored|pending)."""
    village = permissions.village_or_404(request.user, Capability.VIEW_HOUSEHOLD_EVALUATIONS, code)
    return _register_page(
        request, proposals=HouseholdProposal.objects.filter(village=village), place=village, village=village
    )


@login_required
@require_safe
def township_register(request, code):
    """Township administrators and county officers over the township: its villages' register."""
    township = get_township_for_user_or_404(request.user, code, Capability.VIEW_HOUSEHOLD_EVALUATIONS)
    return _register_page(
        request,
        proposals=HouseholdProposal.objects.in_township(township),
        place=township,
        township=township,
    )
