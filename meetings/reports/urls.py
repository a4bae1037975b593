"""Work reports: the cadre's own pages, the moderation queue, and the public report and its files."""

from django.urls import path

from meetings.reports import views

urlpatterns = [
    path("staff/reports/", views.my_reports, name="my-reports"),
    path("staff/reports/new/<int:meeting_pk>/", views.report_create, name="report-create"),
    path("staff/reports/<int:pk>/", views.report_edit, name="report-edit"),
    path("staff/reports/<int:pk>/submit/", views.report_submit, name="report-submit"),
    path("staff/reports/<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("staff/reports/attachments/<int:pk>/remove/", views.attachment_remove, name="attachment-remove"),
    path("staff/moderation/reports/", views.moderation_queue, name="moderation-reports"),
    path("staff/moderation/reports/<int:pk>/", views.moderation_report, name="moderation-report"),
    path("staff/moderation/reports/<int:pk>/approve/", views.report_approve, name="report-approve"),
    path("staff/moderation/reports/<int:pk>/return/", views.report_return, name="report-return"),
    path("staff/moderation/reports/<int:pk>/publish/", views.report_publish, name="report-publish"),
    path("r/<int:pk>/", views.report_detail, name="report"),
    path("a/<int:pk>/", views.attachment_download, name="attachment"),
]
