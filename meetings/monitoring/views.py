"""The monitoring pages: a cadre flags a household at risk from one of their visits; the flag's page
shows the risk, its measures, its follow-up visits and the household's evaluation started from it; the
township's administrators assign measures and close it, the owners mark their measures done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.access import get_measure_or_404, get_own_visit_or_404, get_risk_flag_or_404
from meetings.models import RiskFlag
from meetings.monitoring import services
from meetings.monitoring.forms import MeasureDoneForm, MeasureForm, RiskFlagForm
from portal import permissions
from portal.http import show_service_error
from portal.permissions import Capability


@login_required
@require_http_methods(["GET", "POST"])
def flag_new(request, visit):
    """The cadre who made the visit: flag the visited household at risk."""
    visit = get_own_visit_or_404(request.user, visit)
    form = RiskFlagForm(request.POST or None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                flag = services.flag_raise(visit=visit, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(request, _("The household is flagged at risk."))
                return redirect(flag)
    context = {"visit": visit, "form": form}
    return render(request, "meetings/monitoring/flag_form.html", context, status=status)


def _render_flag(request, flag: RiskFlag, *, measure_form=None, status: int = 200):
    village = flag.household.village
    manages = permissions.has_capability(request.user, Capability.MANAGE_VISITS, village)
    is_open = flag.status == RiskFlag.Status.OPEN
    measures = list(flag.measures.select_related("owner", "kind"))
    for measure in measures:
        measure.mine = measure.done_at is None and permissions.is_own_cadre(request.user, measure.owner)
    context = {
        "flag": flag,
        "village": village,
        "measures": measures,
        "follow_ups": flag.follow_up_visits(),
        # ratings.HouseholdProposal.risk_flag's reverse accessor: read here, never imported.
        "proposals": flag.household_proposals.all(),
        "may_manage": manages and is_open,
        "may_propose": is_open
        and permissions.has_capability(request.user, Capability.PROPOSE_HOUSEHOLDS, village),
        "measure_form": measure_form or (MeasureForm(village=village) if manages and is_open else None),
        "done_form": MeasureDoneForm(),
    }
    return render(request, "meetings/monitoring/flag.html", context, status=status)


@login_required
@require_GET
def flag_detail(request, pk):
    """The paired cadres, the township's administrators and the village's staff for the evaluations."""
    return _render_flag(request, get_risk_flag_or_404(request.user, pk))


@login_required
@require_POST
def measure_assign(request, pk):
    """The township's administrators: assign a measure answering the risk."""
    flag = get_risk_flag_or_404(request.user, pk)
    form = MeasureForm(request.POST, village=flag.household.village)
    if form.is_valid():
        try:
            services.measure_assign(flag=flag, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The measure is assigned."))
            return redirect(flag)
    return _render_flag(request, flag, measure_form=form, status=400)


@login_required
@require_POST
def measure_done(request, pk):
    """The owner of the measure: mark it done."""
    measure = get_measure_or_404(request.user, pk)
    form = MeasureDoneForm(request.POST)
    if form.is_valid():
        try:
            services.measure_done(measure=measure, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The measure is marked done."))
    else:
        messages.error(request, _("Give the day it was done."))
    return redirect(measure.flag)


@login_required
@require_POST
def flag_close(request, pk):
    """The township's administrators: close the risk."""
    flag = get_risk_flag_or_404(request.user, pk)
    try:
        services.flag_close(flag=flag, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The risk is closed."))
    return redirect(flag)
