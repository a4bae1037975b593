"""Township administrators run the staff accounts of their villages: create with a role, deactivate,
reactivate and hand over a password. An account that is not theirs is a 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal import permissions
from portal.forms import AccountCreateForm
from portal.http import show_service_error
from portal.models import RoleAssignment
from portal.permissions import Capability
from portal.services import accounts


def _handover(request, village, account, how: str):
    """The page the administrator hands over: a printable slip or a one-time link, shown this once."""
    if how == AccountCreateForm.Handover.LINK:
        uid, token = accounts.password_link_issue(account=account, village=village, by=request.user)
        link = request.build_absolute_uri(reverse("password-link", args=[uid, token]))
        days = settings.PASSWORD_RESET_TIMEOUT // (24 * 3600)
        context = {"village": village, "account": account, "link": link, "days": days}
        return render(request, "portal/staff/account_link.html", context)
    password = accounts.password_initial_issue(account=account, village=village, by=request.user)
    context = {"village": village, "account": account, "password": password, "login": reverse("login")}
    response = render(request, "portal/staff/account_slip.html", context)
    response["Cache-Control"] = "no-store"  # the password must not stay in a cache
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_list(request, code):
    """Township administrators of the village's township: its staff accounts, and creating one."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    form = AccountCreateForm(request.POST or None, village=village)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = accounts.account_create(
                village=village,
                username=data["username"],
                full_name=data["full_name"],
                role=data["role"],
                cadre=data["cadre"],
                by=request.user,
            )
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The account has been created."))
            return _handover(request, village, account, data["handover"])
    managed = permissions.accounts_managed_by(request.user).filter(role_assignments__village=village)
    rows = (
        RoleAssignment.objects.filter(village=village, user__in=managed)
        .select_related("user")
        .order_by("user__username", "role")
    )
    status = 400 if form.is_bound else 200
    context = {"village": village, "assignments": rows, "form": form}
    return render(request, "portal/staff/accounts.html", context, status=status)


@login_required
@require_safe
def account_detail(request, code, pk):
    """Township administrators: one account of the village, its roles and what may be done to it."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    account = permissions.account_or_404(request.user, village, pk)
    return _detail(request, village, account)


def _detail(request, village, account, status: int = 200):
    roles = account.role_assignments.select_related("village", "township")
    context = {"village": village, "account": account, "roles": roles}
    return render(request, "portal/staff/account_detail.html", context, status=status)


@login_required
@require_POST
def account_active(request, code, pk):
    """Township administrators; POST only: deactivate (active=0) or reactivate (active=1)."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    account = permissions.account_or_404(request.user, village, pk)
    active = request.POST.get("active") == "1"
    accounts.account_set_active(account=account, active=active, village=village, by=request.user)
    if active:
        messages.success(request, _("The account can log in again."))
    else:
        messages.success(request, _("The account is deactivated: it can no longer log in."))
    return redirect("staff:account", code=village.code, pk=account.pk)


@login_required
@require_POST
def account_password(request, code, pk):
    """Township administrators; POST only: a new printed password (how=printed) or a one-time link."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    account = permissions.account_or_404(request.user, village, pk)
    how = request.POST.get("how", "")
    if how not in AccountCreateForm.Handover.values:
        messages.error(request, _("Choose a printed password or a one-time link."))
        return _detail(request, village, account, status=400)
    try:
        return _handover(request, village, account, how)
    except ValidationError as error:
        show_service_error(request, error)
        return _detail(request, village, account, status=409)
