"""The township administrator's pages: pairing cadres with households, the township's policies and visit
requirement, the households' cards, the visits households said did not happen."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.access import get_pairing_for_user_or_404
from meetings.models import MeasureKind, Pairing, Policy, Visit
from meetings.visits import services
from meetings.visits.forms import MeasureKindForm, PairingEndForm, PairingForm, PolicyForm, RequirementForm
from meetings.visits.views.helpers import card_qr_svg, household_page_url, managed_township_or_404
from portal import permissions
from portal.http import show_service_error
from portal.models import Household
from portal.params import parse_int
from portal.permissions import Capability


@login_required
@require_GET
def index(request):
    """Township administrators: their townships and villages, with the ways into the visit log; the
    county's officers: the figures of the townships they oversee."""
    villages = permissions.villages_with(request.user, Capability.MANAGE_VISITS).select_related("township")
    managed = permissions.townships_with(request.user, Capability.MANAGE_VISITS)
    context = {
        "villages": villages,
        "townships": permissions.townships_with(request.user, Capability.VIEW_VISITS),
        "managed": set(managed.values_list("pk", flat=True)),
        "disputed": Visit.objects.for_user(request.user, Capability.MANAGE_VISITS).disputed().count(),
    }
    return render(request, "meetings/visits/staff_index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pairings(request, code):
    """Township administrators of the village: its pairings, and a new one (POST)."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_VISITS, code)
    form = PairingForm(request.POST or None, village=village)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                services.pairing_create(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(request, _("The cadre has been paired with the household."))
                return redirect("meetings:visit-pairings", code=village.code)
        status = 400
    rows = Pairing.objects.filter(household__village=village).select_related("cadre", "household")
    context = {"village": village, "form": form, "pairings": rows, "end_form": PairingEndForm()}
    return render(request, "meetings/visits/pairings.html", context, status=status)


@login_required
@require_POST
def pairing_end(request, pk):
    """Township administrators of the pairing's village: end it on the day given."""
    pairing = get_pairing_for_user_or_404(request.user, pk, Capability.MANAGE_VISITS)
    form = PairingEndForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_end(pairing=pairing, end=form.cleaned_data["end"], by=request.user)
        except ValidationError as error:
            show_service_error(request, error)
        else:
            messages.success(request, _("The pairing has been ended."))
    else:
        messages.error(request, _("Give the day the pairing ends."))
    return redirect("meetings:visit-pairings", code=pairing.household.village.code)


@login_required
@require_http_methods(["GET", "POST"])
def policies(request, code):
    """Township administrators: the township's lists of policies cadres explain and of measures that
    answer a risk, and its visit requirement."""
    township = managed_township_or_404(request.user, code)
    form = PolicyForm(request.POST if "add" in request.POST else None)
    kind_form = MeasureKindForm(request.POST if "add_kind" in request.POST else None, prefix="kind")
    requirement_form = RequirementForm(
        request.POST if "requirement" in request.POST else None,
        initial={"visits_per_month": services.visits_per_month(township)},
    )
    status = 200
    if request.method == "POST":
        failed_form = (
            kind_form if "add_kind" in request.POST else form if "add" in request.POST else requirement_form
        )
        try:
            services.measure_kinds_start(township)
            if "add" in request.POST and form.is_valid():
                services.policy_save(township=township, by=request.user, **form.cleaned_data)
                messages.success(request, _("The policy has been added to the list."))
                return redirect("meetings:visit-policies", code=township.code)
            if "add_kind" in request.POST and kind_form.is_valid():
                services.measure_kind_save(township=township, by=request.user, **kind_form.cleaned_data)
                messages.success(request, _("The measure has been added to the list."))
                return redirect("meetings:visit-policies", code=township.code)
            if "requirement" in request.POST and requirement_form.is_valid():
                services.requirement_set(
                    township=township,
                    visits_per_month=requirement_form.cleaned_data["visits_per_month"],
                    by=request.user,
                )
                messages.success(request, _("The visit requirement has been saved."))
                return redirect("meetings:visit-policies", code=township.code)
            if "toggle" in request.POST:
                toggled = parse_int(request.POST.get("toggle"))
                policy = Policy.objects.of_township(township).filter(pk=toggled).first() if toggled else None
                if policy is not None:
                    services.policy_save(
                        township=township,
                        policy=policy,
                        name=policy.name,
                        name_ug=policy.name_ug,
                        active=not policy.active,
                        by=request.user,
                    )
                    return redirect("meetings:visit-policies", code=township.code)
            if "toggle_kind" in request.POST:
                toggled = parse_int(request.POST.get("toggle_kind"))
                kind = (
                    MeasureKind.objects.of_township(township).filter(pk=toggled).first() if toggled else None
                )
                if kind is not None:
                    services.measure_kind_save(
                        township=township,
                        kind=kind,
                        name=kind.name,
                        name_ug=kind.name_ug,
                        active=not kind.active,
                        by=request.user,
                    )
                    return redirect("meetings:visit-policies", code=township.code)
        except ValidationError as error:
            show_service_error(request, error, form=failed_form)
        status = 400
    context = {
        "township": township,
        "form": form,
        "kind_form": kind_form,
        "requirement_form": requirement_form,
        "policies": Policy.objects.of_township(township),
        "measure_kinds": MeasureKind.objects.of_township(township),
    }
    return render(request, "meetings/visits/policies.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cards(request, code):
    """Township administrators: print the households' cards. Printing (POST) gives each chosen household
    a new code, shown on this one page only: the old cards stop working."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_VISITS, code)
    households = Household.objects.filter(village=village).select_related("card").order_by("number")
    if request.method != "POST":
        return render(request, "meetings/visits/cards.html", {"village": village, "households": households})
    ids = [parse_int(value) for value in request.POST.getlist("household")]
    chosen = households.filter(pk__in=[pk for pk in ids if pk is not None])
    printed = []
    for household in chosen:
        code_ = services.card_issue(household=household, by=request.user)
        url = household_page_url(request, code_)
        printed.append({"household": household, "code": services.display_code(code_), "qr": card_qr_svg(url)})
    if not printed:
        messages.error(request, _("Choose the households whose cards to print."))
        return redirect("meetings:visit-cards", code=village.code)
    response = render(request, "meetings/visits/cards_print.html", {"village": village, "printed": printed})
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def disputed(request):
    """Township administrators: the visits households said did not happen, newest first."""
    visits = (
        Visit.objects.for_user(request.user, Capability.MANAGE_VISITS)
        .disputed()
        .select_related("household__village", "cadre")
        .order_by("-disputed_at")
    )
    return render(request, "meetings/visits/disputed.html", {"visits": visits[:500]})
