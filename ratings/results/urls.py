"""Routes of the results, all named "ratings:<name>": a meeting's public results and open data, the
rankings, the staff's review and publication, objections queue and honor roll, and the hall's projector."""

from django.urls import path

from ratings.results.views import hall, public, rankings, staff

urlpatterns = [
    # Public
    path("results/meetings/<id:pk>/", public.results_page, name="results"),
    path("results/meetings/<id:pk>/counts.csv", public.counts_csv, name="counts-csv"),
    path("results/meetings/<id:pk>/receipts.txt", public.receipts_txt, name="receipts-txt"),
    path("results/meetings/<id:pk>/codebook.csv", public.codebook_csv, name="codebook-csv"),
    path("results/meetings/<id:pk>/evaluations.csv", public.evaluations_csv, name="evaluations-csv"),
    path("results/meetings/<id:pk>/results.json", public.results_json, name="results-json"),
    path("results/meetings/<id:pk>/notice/", public.results_notice, name="results-notice"),
    path("results/meetings/<id:pk>/objection/", public.objection_lodge, name="objection-lodge"),
    path("results/meetings/<id:pk>/honor-roll/", public.honor_roll, name="honor-roll"),
    path("results/cadres/<id:pk>/", rankings.cadre_history, name="cadre-history"),
    path("results/villages/<str:code>/", rankings.village_ranking, name="village-ranking"),
    path("results/townships/<id:pk>/ranking/", rankings.township_ranking, name="township-ranking"),
    path("results/county/ranking/", rankings.county_ranking, name="county-ranking"),
    # Staff
    path("staff/meetings/<id:pk>/results/", staff.results_review, name="staff-results"),
    path("staff/meetings/<id:pk>/hall/", hall.hall_page, name="hall"),
    path(
        "staff/meetings/<id:pk>/results/compute/",
        staff.results_compute,
        name="staff-results-compute",
    ),
    path(
        "staff/meetings/<id:pk>/results/publish/",
        staff.results_publish,
        name="staff-results-publish",
    ),
    path(
        "staff/meetings/<id:pk>/results/finalize/",
        staff.results_finalize,
        name="staff-results-finalize",
    ),
    path("staff/objections/", staff.objection_queue, name="staff-objections"),
    path("staff/objections/<id:pk>/rule/", staff.objection_rule, name="staff-objection-rule"),
    path("staff/meetings/<id:pk>/honor-roll/", staff.honor_roll, name="staff-honor"),
    path(
        "staff/meetings/<id:pk>/honor-roll/nominate/",
        staff.honor_nominate,
        name="staff-honor-nominate",
    ),
    path("staff/meetings/<id:pk>/honor-roll/collect/", staff.honor_collect, name="staff-honor-collect"),
    path("staff/honor-candidates/<id:pk>/review/", staff.honor_review, name="staff-honor-review"),
]
