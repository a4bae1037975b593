"""An account with a printed initial password must choose its own before any other staff page opens.

The sign-in (portal.views.passwords.SignInView) notes in the session that a change is due, so this
check costs no query on the requests that follow; choosing the password clears the note.
"""

from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "portal_password_change_due"


class PasswordChangeDueMiddleware:
    """Sends a signed-in account that owes a new password to the page where it chooses one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_KEY) and request.user.is_authenticated:
            allowed = (reverse("password-change"), reverse("logout"), reverse("set_language"))
            if request.path not in allowed:
                return redirect("password-change")
        return self.get_response(request)
