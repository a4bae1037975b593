"""Routes of the public results: a meeting's results and open data, and the rankings."""

from django.urls import path

from ratings.views.results_public import pages, rankings

urlpatterns = [
    path("results/meetings/<int:pk>/", pages.results_page, name="results"),
    path("results/meetings/<int:pk>/ballots.csv", pages.ballots_csv, name="ballots-csv"),
    path("results/meetings/<int:pk>/results.json", pages.results_json, name="results-json"),
    path("results/meetings/<int:pk>/notice/", pages.results_notice, name="results-notice"),
    path("results/meetings/<int:pk>/objection/", pages.objection_lodge, name="objection-lodge"),
    path("results/meetings/<int:pk>/honor-roll/", pages.honor_roll, name="honor-roll"),
    path("results/cadres/<int:pk>/", rankings.cadre_history, name="cadre-history"),
    path("results/villages/<str:code>/", rankings.village_ranking, name="village-ranking"),
    path("results/townships/<int:pk>/ranking/", rankings.township_ranking, name="township-ranking"),
]
