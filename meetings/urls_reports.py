"""Work reports: the cadre's own pages, the moderation queue, and the public report and its files."""

from django.urls import path

from meetings.views import reports

urlpatterns = [
    path("staff/reports/", reports.my_reports, name="my-reports"),
    path("staff/reports/new/<int:meeting_pk>/", reports.report_create, name="report-create"),
    path("staff/reports/<int:pk>/", reports.report_edit, name="report-edit"),
    path("staff/reports/<int:pk>/submit/", reports.report_submit, name="report-submit"),
    path("staff/reports/<int:pk>/attachments/", reports.attachment_add, name="attachment-add"),
    path("staff/reports/attachments/<int:pk>/remove/", reports.attachment_remove, name="attachment-remove"),
    path("staff/moderation/reports/", reports.moderation_queue, name="moderation-reports"),
    path("staff/moderation/reports/<int:pk>/", reports.moderation_report, name="moderation-report"),
    path("staff/moderation/reports/<int:pk>/approve/", reports.report_approve, name="report-approve"),
    path("staff/moderation/reports/<int:pk>/return/", reports.report_return, name="report-return"),
    path("staff/moderation/reports/<int:pk>/publish/", reports.report_publish, name="report-publish"),
    path("r/<int:pk>/", reports.report_detail, name="report"),
    path("a/<int:pk>/", reports.attachment_download, name="attachment"),
]
