"""The 400 page: what was wrong with the request, in the reader's language, when we can say it."""

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from portal.params import ParameterError


@requires_csrf_token
def bad_request(request, exception=None):
    """Any request Django or a view refuses as bad. Only a ParameterError's text is shown: the other
    refusals (a forged Host header, a too-large form) carry internal English text."""
    reason = str(exception) if isinstance(exception, ParameterError) else ""
    return render(request, "portal/400.html", {"reason": reason}, status=400)
