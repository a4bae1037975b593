"""The staff login lockout: how django-axes is fitted to the portal (settings: AXES_*).

Axes counts failed logins per (account, address) pair in the database and refuses a locked pair
before any password is hashed. Here are the pieces it calls back: the client address (the project's
one helper, which knows the proxy setting), the lockout page (the login page with a translated reason,
429), the audit entry of each lockout, and the read of the lockouts a township administrator may lift
(`portal.services.lockout.login_unlock` lifts one).
"""

import ipaddress

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from portal import audit
from portal.http import client_address
from portal.models import RoleAssignment
from portal.permissions import Capability, townships_with
from portal.ratelimit import sender_key


def client_ip(request) -> str | None:
    """The address axes counts: `client_address`, or None when it is not an IP address at all."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying why the login was refused and for how long (429 Too Many Requests)."""
    context = {
        "form": AuthenticationForm(request),
        "next": request.POST.get("next", ""),
        "locked_out": True,
        "cooloff_minutes": cooloff_minutes(),
    }
    return render(request, "portal/login.html", context, status=429)


def record_lockout(sender, request, username, ip_address, **kwargs) -> None:
    """Axes' user_locked_out signal: audit the moment a pair becomes locked, once.

    Axes sends the signal again for every refused attempt while the pair stays locked; only the attempt
    that reached the limit is recorded, so an attacker hammering a locked pair cannot flood the log.
    The address is recorded as its keyed hash, as the rate limits store it.
    """
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    account = get_user_model().objects.filter(username=username).first() if username else None
    audit.record(
        actor=None,
        action="login_lockout",
        target=account,
        scope=account_scope(account),
        details={
            "username": username or "",
            "sender": sender_key(ip_address or ""),
            "failures": settings.AXES_FAILURE_LIMIT,
            "minutes": cooloff_minutes(),
        },
    )


def account_scope(account) -> str:
    """The division code an account's entries belong to: its first role's township, or nothing."""
    if account is None:
        return ""
    assignment = (
        RoleAssignment.objects.filter(user=account)
        .select_related("township", "village__township")
        .order_by("pk")
        .first()
    )
    if assignment is None:
        return ""
    return (assignment.township or assignment.village.township).code


def locked_attempts():
    """The (account, address) pairs locked right now, newest first."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")


def locked_attempts_for(user):
    """The locked pairs `user` may unlock: every one for a superuser; for a township administrator,
    those of accounts holding a role in one of their townships (never a superuser's account)."""
    attempts = locked_attempts()
    if user.is_superuser:
        return attempts
    townships = townships_with(user, Capability.MANAGE_ROLES)
    holders = RoleAssignment.objects.filter(
        Q(township__in=townships) | Q(village__township__in=townships)
    ).values("user__username")
    superusers = get_user_model().objects.filter(is_superuser=True).values("username")
    return attempts.filter(username__in=holders).exclude(username__in=superusers)
