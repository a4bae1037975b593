"""The cadre's pages, made for a phone: my households, the visit form (which also works offline through
static/meetings/js/visits.js and its service worker), marking a problem solved."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.access import get_own_problem_or_404, get_visit_with_photo_or_404
from meetings.models import HouseholdProblem, Pairing, Policy, RiskFlag, Visit
from meetings.visits import services
from meetings.visits.forms import ProblemSolveForm, VisitForm
from meetings.visits.views.helpers import own_cadre_or_404
from portal import uploads
from portal.http import show_service_error
from portal.models import Household


def _visit_form(cadre, data=None, files=None, *, household=None):
    today = timezone.localdate()
    pairings = Pairing.objects.filter(cadre=cadre).active_on(today)
    households = Household.objects.filter(pk__in=pairings.values("household")).order_by("number")
    problems = (
        HouseholdProblem.objects.filter(household__in=households).open().select_related("household")
    ).order_by("household__number", "raised_on")
    policies = Policy.objects.of_township(cadre.village.township_id).offered()
    initial = {"household": household} if household else None
    return VisitForm(
        data, files, households=households, problems=problems, policies=policies, initial=initial
    )


def _wants_json(request) -> bool:
    """The phone's script sends the form itself and reads the answer as JSON."""
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_GET
def my_households(request):
    """The cadre of this account: the households they are paired with now, and their open problems."""
    cadre = own_cadre_or_404(request.user)
    today = timezone.localdate()
    pairings = list(
        Pairing.objects.filter(cadre=cadre)
        .active_on(today)
        .select_related("household")
        .order_by("household__number")
    )
    households = [pairing.household for pairing in pairings]
    problems = HouseholdProblem.objects.filter(household__in=households).open().order_by("raised_on")
    last_visits = {
        row["household"]: row["last"]
        for row in Visit.objects.of_cadre(cadre)
        .filter(household__in=households)
        .values("household")
        .annotate(last=Max("date"))
    }
    rows = [
        {
            "pairing": pairing,
            "last_visit": last_visits.get(pairing.household_id),
            "problems": [problem for problem in problems if problem.household_id == pairing.household_id],
        }
        for pairing in pairings
    ]
    visits = Visit.objects.of_cadre(cadre).select_related("household").prefetch_related("policies")[:20]
    flags = RiskFlag.objects.filter(household__in=households).open().select_related("household")
    context = {"cadre": cadre, "rows": rows, "visits": visits, "flags": flags}
    return render(request, "meetings/visits/my_households.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    """The cadre of this account: record a visit to a household they are paired with.

    Without script, a plain form. The phone's script sends the same form with `Accept: application/json`
    and gets {"visit": id, "created": bool}: 201 for a new visit, 200 for one already saved with that
    client key (sent twice: saved once), 400 with the errors otherwise.
    """
    cadre = own_cadre_or_404(request.user)
    household = request.GET.get("household")
    form = _visit_form(cadre, request.POST or None, request.FILES or None, household=household)
    if request.method == "POST":
        uploads.explain_cut_off(request, form, field="photo")
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit, created = services.visit_record(
                    cadre=cadre,
                    household=data["household"],
                    date=data["date"],
                    met=data["met"],
                    situation=data["situation"],
                    policies=data["policies"],
                    problems_raised=data["problems_raised"],
                    problems_solved=data["problems_solved"],
                    solution=data["solution"],
                    photo=data["photo"],
                    photo_agreed=data["photo_agreed"],
                    client_key=data["client_key"],
                    by=request.user,
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                if _wants_json(request):
                    return JsonResponse(
                        {"visit": visit.pk, "created": created}, status=201 if created else 200
                    )
                messages.success(
                    request,
                    _("The visit has been saved.") if created else _("This visit was already saved."),
                )
                return redirect("meetings:my-households")
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        status = 400
    else:
        status = 200
    context = {"cadre": cadre, "form": form}
    return render(request, "meetings/visits/visit_form.html", context, status=status)


@login_required
@require_POST
def problem_solve(request, pk):
    """The cadre of this account, paired with the household: mark one of its open problems solved."""
    problem = get_own_problem_or_404(request.user, pk)
    form = ProblemSolveForm(request.POST)
    if form.is_valid():
        try:
            services.problem_solve(problem=problem, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The problem is marked solved."))
    else:
        messages.error(request, _("Give the day it was solved and how."))
    return redirect("meetings:my-households")


@require_GET
def service_worker(request):
    """The visit form's service worker, served from the visit log's own path so that it may look after
    the visit form's page (a worker served from /static/ could only look after /static/)."""
    path = finders.find("meetings/js/visits-worker.js")
    with open(path, encoding="utf-8") as file:
        body = file.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_GET
def visit_photo(request, pk):
    """A visit's photo, for the cadre who made the visit and the township's administrators only."""
    visit = get_visit_with_photo_or_404(request.user, pk)
    try:
        handle = visit.photo.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing.")) from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response
