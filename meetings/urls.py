"""Routes of the meetings app, all named "meetings:<name>": the meetings themselves (the public lists and
page, the staff's meeting control), then the work reports, the questions and commitments, the visit log."""

from django.urls import include, path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("v/<str:code>/meetings/", views.village_meetings, name="village-meetings"),
    path("t/<str:code>/meetings/", views.township_meetings, name="township-meetings"),
    path("meetings/<id:pk>/", views.meeting_detail, name="meeting"),
    path("staff/meetings/", views.staff_meeting_list, name="staff-meetings"),
    path("staff/meetings/new/<str:code>/", views.staff_meeting_create, name="staff-meeting-create"),
    path("staff/meetings/<id:pk>/", views.staff_meeting, name="staff-meeting"),
    path("staff/meetings/<id:pk>/edit/", views.staff_meeting_edit, name="staff-meeting-edit"),
    path("staff/meetings/<id:pk>/annul/", views.staff_meeting_annul, name="staff-meeting-annul"),
    path("staff/meetings/<id:pk>/sign-in/", views.staff_sign_in, name="staff-sign-in"),
    path("staff/meetings/<id:pk>/sign-in/id/", views.staff_sign_in_id, name="staff-sign-in-id"),
    path(
        "staff/meetings/<id:pk>/sign-in/household/<id:household>/",
        views.staff_sign_in_household,
        name="staff-sign-in-household",
    ),
    path("staff/meetings/<id:pk>/sign-in/undo/", views.staff_sign_in_undo, name="staff-sign-in-undo"),
    path(
        "staff/meetings/<id:pk>/announce/",
        views.staff_transition,
        {"action": "announce"},
        name="staff-announce",
    ),
    path(
        "staff/meetings/<id:pk>/voting-open/",
        views.staff_transition,
        {"action": "voting-open"},
        name="staff-voting-open",
    ),
    path(
        "staff/meetings/<id:pk>/voting-close/",
        views.staff_transition,
        {"action": "voting-close"},
        name="staff-voting-close",
    ),
    path("", include("meetings.reports.urls")),
    path("", include("meetings.questions.urls")),
    path("", include("meetings.visits.urls")),
    path("", include("meetings.monitoring.urls")),
]
