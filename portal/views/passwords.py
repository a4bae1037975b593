"""A staff member's own password: signing in, choosing a new one when one is due, and the one-time
link an administrator handed over."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.models import PasswordChangeDue
from portal.passwords import SESSION_KEY
from portal.services.accounts import password_changed


class SignInView(auth_views.LoginView):
    """Anyone: the staff login. An account signing in with a printed initial password is sent on to
    choose its own (the note in the session keeps it there until it does)."""

    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if PasswordChangeDue.objects.filter(user=form.get_user()).exists():
            self.request.session[SESSION_KEY] = True
            return redirect("password-change")
        return response


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Any signed-in account: choose a new password, giving the current one."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        password_changed(account=form.user)
        request.session.pop(SESSION_KEY, None)
        messages.success(request, _("Your password has been changed."))
        return redirect("staff:dashboard")
    due = bool(request.session.get(SESSION_KEY))
    status = 400 if form.is_bound else 200
    return render(request, "portal/password_change.html", {"form": form, "due": due}, status=status)


class LinkPasswordView(auth_views.PasswordResetConfirmView):
    """Whoever holds the one-time link: set the account's password. A used or expired link says so."""

    template_name = "portal/password_set.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(account=form.user)
        messages.success(self.request, _("Your password is set: log in with it."))
        return response
