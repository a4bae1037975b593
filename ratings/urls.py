from django.urls import include, path

app_name = "ratings"

# The ballot, the results, the paper count, the closure certificate, the bundle, a laptop's
# preparation, the spoken ballot, the scheme editor and households' evaluations keep their own routes;
# all of them are named "ratings:<name>".
urlpatterns = [
    path("", include("ratings.ballot.urls")),
    path("", include("ratings.results.urls")),
    path("", include("ratings.paper.urls")),
    path("", include("ratings.closure.urls")),
    path("", include("ratings.bundle.urls")),
    path("", include("ratings.preparation.urls")),
    path("", include("ratings.speech.urls")),
    path("", include("ratings.schemes.urls")),
    path("", include("ratings.evaluations.urls")),
]
