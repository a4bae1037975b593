"""Response headers of every page that Django and django-csp do not set: the Permissions-Policy.

Every page is refused the browser's powerful features (settings.PERMISSIONS_POLICY); a view that needs
one, such as the kiosk's code page and its QR scanner, says so with `allow_camera`.
"""

from functools import wraps

from django.conf import settings

HEADER = "Permissions-Policy"
CAMERA_HERE = "camera=(self)"


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(HEADER, settings.PERMISSIONS_POLICY)
        return response


def allow_camera(view):
    """This page may use the camera of the device it is shown on (its own origin only)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response[HEADER] = settings.PERMISSIONS_POLICY.replace("camera=()", CAMERA_HERE)
        return response

    return wrapped
