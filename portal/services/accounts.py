"""Staff accounts a township administrator runs for the villages: create with a role, deactivate and
reactivate, and hand over a password (a one-time link or a printed initial password).

A password is never written to the audit log or kept in clear anywhere: the printed one is shown once
and must be replaced at the first sign-in (PasswordChangeDue).
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal import audit, permissions
from portal.models import TOWNSHIP_ROLES, Cadre, PasswordChangeDue, Role, Village
from portal.permissions import Capability
from portal.services.roles import role_grant

# No 0/O, 1/l/I: the password is read off paper and typed by someone who may not know the Latin script.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)
PASSWORD_LENGTH = 12  # about 60 bits


def _ensure_manages(by, account, village: Village) -> None:
    permissions.ensure(by, Capability.MANAGE_ROLES, village)
    if (
        not permissions.accounts_managed_by(by)
        .filter(pk=account.pk, role_assignments__village=village)
        .exists()
    ):
        raise PermissionDenied(_("This account is not one you manage."))


@transaction.atomic
def account_create(
    *, village: Village, username: str, full_name: str, role: str, by, cadre: Cadre | None = None
):
    """A new staff account with its role in the village, and no password yet (the administrator hands
    one over next). A cadre's account is linked to the cadre's record, which makes the reports theirs."""
    permissions.ensure(by, Capability.MANAGE_ROLES, village)
    role = Role(role)
    username = username.strip()
    if role in TOWNSHIP_ROLES:
        raise ValidationError({"role": _("Only a system administrator can appoint township administrators.")})
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken: choose another.")})
    if cadre is not None:
        if role != Role.CADRE:
            raise ValidationError({"cadre": _("Only a cadre's account is linked to a cadre.")})
        if cadre.village_id != village.pk or cadre.user_id is not None:
            raise ValidationError(
                {"cadre": _("This cadre is not of this village or already has an account.")}
            )
    first, _space, last = full_name.strip().partition(" ")
    user = get_user_model().objects.create_user(username=username, first_name=first, last_name=last)
    if cadre is not None:
        cadre.user = user
        cadre.save(update_fields=["user"])
    audit.record(
        actor=by,
        action="account_create",
        target=user,
        scope=village.code,
        details={"user": username, "role": role.value, "cadre": cadre.name if cadre else ""},
    )
    role_grant(user=user, role=role, village=village, by=by)
    return user


@transaction.atomic
def account_set_active(*, account, active: bool, village: Village, by):
    """Deactivate (the account cannot sign in, its open sessions end) or reactivate; roles are kept."""
    _ensure_manages(by, account, village)
    if account.is_active == active:
        return account
    account.is_active = active
    account.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        action="account_reactivate" if active else "account_deactivate",
        target=account,
        scope=village.code,
        details={"user": account.get_username()},
    )
    return account


@transaction.atomic
def password_link_issue(*, account, village: Village, by) -> tuple[str, str]:
    """The (uid, token) of a one-time link with which the person sets their own password.

    Django's reset token: it stops working once used (the password changes) or after
    PASSWORD_RESET_TIMEOUT, and needs no e-mail: the administrator hands the link over.
    """
    _ensure_manages(by, account, village)
    if not account.is_active:
        raise ValidationError(_("Reactivate the account before handing it a password."))
    audit.record(
        actor=by,
        action="account_password_link",
        target=account,
        scope=village.code,
        details={"user": account.get_username()},
    )
    return urlsafe_base64_encode(force_bytes(account.pk)), default_token_generator.make_token(account)


@transaction.atomic
def password_initial_issue(*, account, village: Village, by) -> str:
    """A random initial password, to be printed once; the account must change it at first sign-in."""
    _ensure_manages(by, account, village)
    if not account.is_active:
        raise ValidationError(_("Reactivate the account before handing it a password."))
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _index in range(PASSWORD_LENGTH))
    account.set_password(password)
    account.save(update_fields=["password"])
    PasswordChangeDue.objects.get_or_create(user=account)
    audit.record(
        actor=by,
        action="account_password_initial",
        target=account,
        scope=village.code,
        details={"user": account.get_username()},
    )
    return password


@transaction.atomic
def password_changed(*, account) -> None:
    """The person chose their own password (after a link or an initial password): nothing is due."""
    PasswordChangeDue.objects.filter(user=account).delete()
    assignment = account.role_assignments.select_related("village", "township").first()
    audit.record(
        actor=account,
        action="account_password_changed",
        target=account,
        scope=assignment.scope.code if assignment else "",
        details={"user": account.get_username()},
    )
