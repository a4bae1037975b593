"""Small request helpers shared by the apps."""

from django.conf import settings


def client_address(request) -> str:
    """The network address that rate limits count.

    Behind the reverse proxy (DJANGO_BEHIND_PROXY, which sets SECURE_PROXY_SSL_HEADER) every request
    comes from the proxy, so the last X-Forwarded-For entry — the one our proxy appended, which the
    client cannot forge — names the sender. Otherwise the peer's address does.
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")
