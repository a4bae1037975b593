from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from portal.views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("v/<str:code>/", public.village_detail, name="village"),
    path("i18n/setlang/", set_language, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="portal/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", include("portal.staff_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Uploaded photos during development; production serves MEDIA_ROOT from the web server.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
