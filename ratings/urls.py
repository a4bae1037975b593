from django.urls import include, path

app_name = "ratings"

# Each area of the app keeps its own routes; all of them are named "ratings:<name>".
urlpatterns = [
    path("", include("ratings.urls_operator")),
    path("", include("ratings.urls_kiosk")),
    path("", include("ratings.urls_public")),
    path("", include("ratings.urls_results")),
    path("", include("ratings.urls_results_staff")),
]
