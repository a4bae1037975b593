from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language
from django.views.static import serve

from portal.views import passwords, public

# A bad query parameter (portal.params) is a 400 page saying what was wrong, in the reader's language.
handler400 = "portal.views.errors.bad_request"
handler403 = "portal.views.errors.permission_denied"
handler404 = "portal.views.errors.page_not_found"
handler500 = "portal.views.errors.server_error"

urlpatterns = [
    path("", public.home, name="home"),
    path("v/<str:code>/", public.village_detail, name="village"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/login/", passwords.SignInView.as_view(), name="login"),
    path("accounts/password/", passwords.password_change, name="password-change"),
    path(
        "accounts/password/<str:uidb64>/<str:token>/",
        passwords.LinkPasswordView.as_view(),
        name="password-link",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", include("portal.staff_urls")),
    path("", include("meetings.urls")),
    path("", include("ratings.urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded photos on a laptop with no web server in front; production serves MEDIA_ROOT itself.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}
        )
    ]
