"""The 400 page: what was wrong with the request, in the reader's language, when we can say it; and
the 404 page, which must not fail on a body it cannot read."""

from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from portal.params import ParameterError


@requires_csrf_token
def bad_request(request, exception=None):
    """Any request Django or a view refuses as bad. Only a ParameterError's text is shown: the other
    refusals (a forged Host header, a too-large form) carry internal English text."""
    reason = str(exception) if isinstance(exception, ParameterError) else ""
    return render(request, "portal/400.html", {"reason": reason}, status=400)


def page_not_found(request, exception=None):
    """Django's 404 page, once the body is known to be readable. Its CSRF token check reads a POST's
    body, and a body Django cannot parse (multipart without a boundary) would raise inside the error
    handler: a 500 for any unknown address. Such a post is a bad request."""
    try:
        request.POST  # noqa: B018 (parsed here, where a broken body can still be answered)
    except MultiPartParserError as error:
        return bad_request(request, error)
    return defaults.page_not_found(request, exception)
