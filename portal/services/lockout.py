"""Lifting a staff login lockout: the township administrator's answer to a clerk locked out."""

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit
from portal.lockout import account_scope, locked_attempts_for
from portal.ratelimit import sender_key


@transaction.atomic
def login_unlock(*, attempt: AccessAttempt, by) -> None:
    """Forget the failed logins of one (account, address) pair, so that it may log in again at once.

    Only a pair the account `by` may lift is unlocked: a township administrator, their townships'
    staff; a superuser, anyone.
    """
    if not locked_attempts_for(by).filter(pk=attempt.pk).exists():
        raise PermissionDenied(_("You may not unlock this account."))
    username, address = attempt.username or "", attempt.ip_address or ""
    # Every row of the pair (one per browser the attempts came from) goes.
    AccessAttempt.objects.filter(username=attempt.username, ip_address=attempt.ip_address).delete()
    account = get_user_model().objects.filter(username=username).first()
    audit.record(
        actor=by,
        action="login_unlock",
        target=account,
        scope=account_scope(account),
        details={"username": username, "sender": sender_key(address)},
    )
