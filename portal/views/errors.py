"""The error pages, in the site's layout and the reader's language: 400 (what was wrong with the
request, when we can say it), 403 (why, when a service said), 404 (which must not fail on a body it
cannot read) and 500 (which must not need the database)."""

from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseServerError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from portal.params import ParameterError


@requires_csrf_token
def bad_request(request, exception=None):
    """Any request Django or a view refuses as bad. Only a ParameterError's text is shown: the other
    refusals (a forged Host header, a too-large form) carry internal English text."""
    return _bad_request_page(request, exception)


def _bad_request_page(request, exception=None):
    reason = str(exception) if isinstance(exception, ParameterError) else ""
    return render(request, "portal/400.html", {"reason": reason}, status=400)


def page_not_found(request, exception=None):
    """Django's 404 page, once the body is known to be readable. Its CSRF token check reads a POST's
    body, and a body Django cannot parse (multipart without a boundary) would raise inside the error
    handler: a 500 for any unknown address. Such a post is a bad request."""
    try:
        request.POST  # noqa: B018 (parsed here, where a broken body can still be answered)
    except (MultiPartParserError, SuspiciousOperation) as error:
        # Also a body Django refuses to read (too many fields, too large): a bad request, answered
        # without the CSRF check, which would read that body again (a urlencoded one raises again).
        return _bad_request_page(request, error)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def permission_denied(request, exception=None):
    """A refusal. The reason is shown when a view or service gave one: theirs are translated texts
    (PermissionDenied(_("You do not run meetings in any village."))); a bare refusal has none."""
    reason = str(exception) if exception is not None else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def server_error(request):
    """The 500 page, rendered without the request's context processors: the error may be the database
    itself, and the signed-in user or the site's languages would read it again."""
    return HttpResponseServerError(loader.get_template("500.html").render())
