"""Work reports: the cadre's own pages, the moderation queue, and the public report and its files."""

from django.urls import path

from meetings.reports import views

urlpatterns = [
    path("staff/reports/", views.my_reports, name="my-reports"),
    path("staff/reports/new/<id:meeting_pk>/", views.report_create, name="report-create"),
    path(
        "staff/reports/new/<id:meeting_pk>/<slug:language>/",
        views.report_create,
        name="report-create-version",
    ),
    path("staff/reports/<id:pk>/", views.report_edit, name="report-edit"),
    path("staff/reports/<id:pk>/submit/", views.report_submit, name="report-submit"),
    path("staff/reports/<id:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("staff/reports/attachments/<id:pk>/remove/", views.attachment_remove, name="attachment-remove"),
    path("staff/moderation/reports/", views.moderation_queue, name="moderation-reports"),
    path("staff/moderation/reports/<id:pk>/", views.moderation_report, name="moderation-report"),
    path("staff/moderation/reports/<id:pk>/approve/", views.report_approve, name="report-approve"),
    path("staff/moderation/reports/<id:pk>/return/", views.report_return, name="report-return"),
    path("staff/moderation/reports/<id:pk>/publish/", views.report_publish, name="report-publish"),
    path("r/<id:pk>/", views.report_detail, name="report"),
    path("a/<id:pk>/", views.attachment_download, name="attachment"),
]
