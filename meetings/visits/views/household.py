"""The household's own page, opened by the QR code of its card: no account, the card's secret code.

It shows the household what the visit log says about it and nothing about anyone else: its paired
cadres, its visits (the date, the cadre, the policies explained and the problems raised: never the
cadre's notes on its situation) and its problems with their status; and it lets the household say that
a visit did not happen. Wrong codes are limited per address (portal.ratelimit.household_codes).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from meetings.models import HouseholdProblem, Pairing, Visit
from meetings.visits import services
from meetings.visits.forms import DisputeForm, HouseholdCodeForm
from portal import ratelimit
from portal.http import client_address, rate_limited
from portal.models import CadrePost
from portal.ratelimit import RateLimited

LIMITED = "meetings/visits/household_limited.html"


def _household_by_code(request, code: str):
    """The household of the card's code; a wrong code spends the address's allowance (RateLimited)."""
    limit = ratelimit.household_codes()
    address = client_address(request)
    message = _("Too many wrong codes from this network. Try again later.")
    if limit.exhausted(address):
        raise RateLimited(message, retry_after=limit.retry_after)
    household = services.household_by_code(code)
    if household is None:
        limit.spend(address, message=message)
        raise Http404(_("No household has this code. Check the code on your card."))
    return household


def _no_store(response):
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def enter_code(request):
    """Anyone: type the code printed on a household's card, to open its page."""
    form = HouseholdCodeForm(request.POST or None)
    if form.is_valid():
        return redirect("meetings:household-page", code=form.cleaned_data["code"])
    return render(
        request, "meetings/visits/household_code.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "HEAD"])
def household_page(request, code):
    """The household holding the card: its cadres, visits and problems."""
    try:
        household = _household_by_code(request, code)
    except RateLimited as error:
        return rate_limited(request, LIMITED, {"message": str(error)}, error)
    today = timezone.localdate()
    pairings = (
        Pairing.objects.filter(household=household)
        .active_on(today)
        .select_related("cadre")
        .prefetch_related(CadrePost.prefetch_held_in(today.year, "cadre__posts"))
    )
    visits = (
        Visit.objects.filter(household=household)
        .select_related("cadre")
        .prefetch_related("policies", "problems_raised")
        .order_by("-date", "-pk")[:100]
    )
    problems = HouseholdProblem.objects.filter(household=household).order_by("status", "-raised_on")
    context = {
        "household": household,
        "code": code,
        "pairings": pairings,
        "visits": visits,
        "problems": problems,
        "dispute_form": DisputeForm(),
    }
    return _no_store(render(request, "meetings/visits/household.html", context))


@require_POST
def visit_dispute(request, code, pk):
    """The household holding the card: this visit did not happen. The township sees it."""
    try:
        household = _household_by_code(request, code)
    except RateLimited as error:
        return rate_limited(request, LIMITED, {"message": str(error)}, error)
    visit = get_object_or_404(Visit.objects.filter(household=household), pk=pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            services.visit_dispute(visit=visit, household=household, note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Thank you. The township has been told that this visit did not happen.")
            )
    return _no_store(redirect("meetings:household-page", code=code))
