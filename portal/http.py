"""Small request helpers shared by the apps."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.params import ParameterError
from portal.ratelimit import RateLimited


class RefuseNulMiddleware:
    """A NUL character in the path or the query string is a 400 before any view runs.

    No address of the portal holds one, and PostgreSQL refuses it in any text it is given (a village
    code, a search): a 500 from every lookup or filter it reached. Form fields refuse it themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = [text for name, values in request.GET.lists() for text in (name, *values)]
        if "\x00" in request.path or any("\x00" in text for text in query):
            raise ParameterError(_("The address contains a character that is not allowed (NUL)."))
        return self.get_response(request)


def client_address(request) -> str:
    """The network address that rate limits count.

    Behind the reverse proxy (DJANGO_BEHIND_PROXY, which sets SECURE_PROXY_SSL_HEADER) every request
    comes from the proxy, so the last X-Forwarded-For entry — the one our proxy appended, which the
    client cannot forge — names the sender. Otherwise the peer's address does.
    """
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def show_service_error(request, error: Exception, *, form=None, field: str | None = None) -> None:
    """Show what a service refused, the one way every view does.

    A service says no with a ValidationError (or, for a lifecycle move, an IllegalTransition whose text
    is the message). With a form on the page the error goes on the form: on the field the error names
    when the form has it, else on `field`, else above the form. Without a form it is a message at the
    top of the page. The view chooses the status (400 for bad input, 409 for a refused move).
    """
    texts = error.messages if isinstance(error, ValidationError) else [str(error)]
    if form is None:
        messages.error(request, " ".join(texts))
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else field, errors)
    else:
        form.add_error(field, ValidationError(texts))


def rate_limited(request, template: str, context: dict, error: RateLimited) -> HttpResponse:
    """The page for a sender who has spent their allowance: 429, with the limiter's Retry-After."""
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response
