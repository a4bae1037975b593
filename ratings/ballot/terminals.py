"""The browser side of a terminal: the cookie that names it and the lookup from a request."""

from django.http import HttpRequest

from ratings.ballot import services
from ratings.models import Terminal

TERMINAL_COOKIE = "portal_terminal"


def terminal_for(request: HttpRequest) -> Terminal | None:
    """The armed terminal this browser was armed as, or None."""
    return services.terminal_from_token(request.COOKIES.get(TERMINAL_COOKIE))
