"""Staff login lockouts, lifted by the township administrator (or a superuser)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.lockout import cooloff_minutes, locked_attempts_for
from portal.permissions import Capability, townships_with
from portal.services.lockout import login_unlock


def _ensure_may_unlock(user) -> None:
    if not user.is_superuser and not townships_with(user, Capability.MANAGE_ROLES).exists():
        raise Http404


@login_required
@require_safe
def lockout_list(request):
    """Township administrators (their townships' staff) and superusers (everyone): the locked logins."""
    _ensure_may_unlock(request.user)
    context = {"attempts": locked_attempts_for(request.user), "cooloff_minutes": cooloff_minutes()}
    return render(request, "portal/staff/lockouts.html", context)


@login_required
@require_POST
def lockout_unlock(request, pk):
    """Township administrators and superusers, for a pair listed to them; POST only."""
    _ensure_may_unlock(request.user)
    attempt = get_object_or_404(locked_attempts_for(request.user), pk=pk)
    login_unlock(attempt=attempt, by=request.user)
    messages.success(request, _("%(username)s can log in again.") % {"username": attempt.username})
    return redirect("staff:lockouts")
