"""Routes of households' evaluations, all named "ratings:<name>"."""

from django.urls import path

from ratings.evaluations import views

urlpatterns = [
    path("households/villages/<str:code>/notice/", views.public_notice, name="household-notice"),
    path("staff/villages/<str:code>/households/", views.proposal_list, name="household-proposals"),
    path("staff/villages/<str:code>/households/propose/", views.proposal_create, name="household-propose"),
    path(
        "staff/villages/<str:code>/households/<id:pk>/history/",
        views.household_history,
        name="household-history",
    ),
    path("staff/villages/<str:code>/household-register/", views.village_register, name="household-register"),
    path(
        "staff/townships/<str:code>/household-register/",
        views.township_register,
        name="household-register-township",
    ),
    path("staff/risks/<id:pk>/propose/", views.proposal_from_risk, name="household-propose-from-risk"),
    path("staff/household-proposals/<id:pk>/", views.proposal_detail, name="household-proposal"),
    path("staff/household-proposals/<id:pk>/edit/", views.proposal_edit, name="household-proposal-edit"),
    path(
        "staff/household-proposals/<id:pk>/submit/", views.proposal_submit, name="household-proposal-submit"
    ),
    path(
        "staff/household-proposals/<id:pk>/approve/",
        views.proposal_approve,
        name="household-proposal-approve",
    ),
    path(
        "staff/household-proposals/<id:pk>/return/", views.proposal_return, name="household-proposal-return"
    ),
    path(
        "staff/household-proposals/<id:pk>/agenda/", views.proposal_agenda, name="household-proposal-agenda"
    ),
    path("staff/household-proposals/<id:pk>/check/", views.proposal_check, name="household-proposal-check"),
    path(
        "staff/household-proposals/<id:pk>/decide/", views.proposal_decide, name="household-proposal-decide"
    ),
    path(
        "staff/household-proposals/<id:pk>/confirm/",
        views.proposal_confirm,
        name="household-proposal-confirm",
    ),
    path("staff/household-checks/", views.township_queue, name="household-checks"),
    path("staff/household-decisions/", views.county_queue, name="household-decisions"),
]
