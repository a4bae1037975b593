"""The project's routes, and bench/insert/ only here: the product never serves it."""

from django.urls import include, path

from load_server import views
from portal.urls import handler400  # noqa: F401 (read from the root URLconf only)

urlpatterns = [
    path("bench/insert/", views.insert, name="bench-insert"),
    path("", include("portal.urls")),
]
