"""Work reports: cadres write their own, moderators decide on them, the public reads published ones."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from meetings.access import (
    get_own_attachment_or_404,
    get_own_report_or_404,
    get_report_for_user_or_404,
    with_everything,
)
from meetings.models import Attachment, Meeting, WorkReport
from meetings.reports import services
from meetings.reports.forms import ApproveForm, AttachmentForm, ReportForm, ReturnForm
from meetings.reports.markdown import render as render_markdown
from meetings.reports.tables import ModerationReportTable, MyReportTable
from meetings.visits import counts as visit_counts
from portal import permissions, uploads
from portal.http import show_service_error
from portal.models import Cadre, CadrePost
from portal.permissions import Capability
from portal.tables import PagedRequestConfig


def _own_cadre(user) -> Cadre | None:
    """The cadre record linked to this account, if any."""
    return Cadre.objects.filter(user=user).first() if user.is_authenticated else None


def _meetings_to_report_at(cadre: Cadre | None):
    """Meetings still open at which the cadre reports and has not started a report yet."""
    if cadre is None:
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(reporting__cadre=cadre)
        .not_closed()
        .exclude(reports__cadre=cadre)
        .select_related("village")
        .order_by("-held_at")
    )


def _posts_in_year(report: WorkReport) -> list[CadrePost]:
    return list(CadrePost.objects.filter(cadre=report.cadre_id).held_in(report.meeting.year).by_rank())


def _rendered_sections(report_or_sections) -> list[tuple[str, str, str]]:
    """(name, label, HTML) of each section, in reading order."""
    texts = (
        report_or_sections.section_texts()
        if isinstance(report_or_sections, WorkReport)
        else report_or_sections
    )
    return [(name, label, render_markdown(texts.get(name, ""))) for name, label in WorkReport.SECTIONS]


# ——— the cadre's own reports ———


@login_required
@require_GET
def my_reports(request):
    """Cadres with a linked account: their own reports, and the meetings they still have to write for."""
    cadre = _own_cadre(request.user)
    reports = WorkReport.objects.of_cadre_user(request.user).select_related("meeting__village")
    table = MyReportTable(reports)
    PagedRequestConfig(request, per_page=50).configure(table)
    context = {"cadre": cadre, "table": table, "meetings": _meetings_to_report_at(cadre)}
    return render(request, "meetings/reports/my_reports.html", context)


@login_required
def report_create(request, meeting_pk):
    """The cadre of the linked account, for a meeting they report at: an empty report (saved by POST)."""
    cadre = _own_cadre(request.user)
    if cadre is None:
        raise Http404(_("This account is not linked to a cadre."))
    existing = WorkReport.objects.of_cadre_user(request.user).filter(meeting_id=meeting_pk).first()
    if existing is not None:
        return redirect("meetings:report-edit", pk=existing.pk)
    meeting = get_object_or_404(_meetings_to_report_at(cadre), pk=meeting_pk)
    form = ReportForm(request.POST or None)
    saving = form.is_bound and "preview" not in request.POST
    if saving and form.is_valid():
        try:
            report = services.report_create(
                meeting=meeting, cadre=cadre, by=request.user, sections=form.sections
            )
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The report has been saved as a draft."))
            return redirect("meetings:report-edit", pk=report.pk)
    context = {
        "meeting": meeting,
        "cadre": cadre,
        "form": form,
        "preview": _rendered_sections(form.sections) if form.is_bound and form.is_valid() else None,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "meetings/reports/create.html", context, status=status)


def _edit_page(request, report, *, form=None, attachment_form=None, preview=None, status=200):
    context = {
        "report": report,
        "form": form or ReportForm(initial=report.text_to_edit()),
        "attachment_form": attachment_form or AttachmentForm(),
        "preview": preview,
        "allowed": report.allowed_actions(),
        "is_published": report.status == WorkReport.Status.PUBLISHED,
        "max_attachments": services.MAX_ATTACHMENTS,
        "visit_figures": visit_counts.year_figures(report.cadre, report.meeting.year),
    }
    return render(request, "meetings/reports/edit.html", context, status=status)


@login_required
def report_edit(request, pk):
    """The cadre who wrote the report: change its sections (POST), or preview them without saving."""
    report = get_own_report_or_404(request.user, pk)
    if request.method != "POST":
        return _edit_page(request, report)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, report, form=form, status=400)
    if "preview" in request.POST:
        return _edit_page(request, report, form=form, preview=_rendered_sections(form.sections))
    try:
        report = services.report_save(report=report, by=request.user, sections=form.sections)
    except ValidationError as error:
        show_service_error(request, error, form=form)
        return _edit_page(request, report, form=form, status=400)
    if report.has_proposed_edit:
        messages.success(request, _("Your edit has been sent to the moderator."))
    else:
        messages.success(request, _("The report has been saved."))
    return redirect("meetings:report-edit", pk=report.pk)


@login_required
@require_POST
def report_submit(request, pk):
    """The cadre who wrote the report: hand it to the village's moderators (POST)."""
    report = get_own_report_or_404(request.user, pk)
    try:
        services.report_submit(report=report, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _edit_page(request, report, status=400)
    messages.success(request, _("The report has been submitted to the moderator."))
    return redirect("meetings:report-edit", pk=report.pk)


@login_required
@require_POST
def attachment_add(request, pk):
    """The cadre who wrote the report: upload a photo or PDF (POST)."""
    report = get_own_report_or_404(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    uploads.explain_cut_off(request, form)
    if not form.is_valid():
        return _edit_page(request, report, attachment_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        services.attachment_add(report=report, by=request.user, name=upload.name, content=upload.read())
    except ValidationError as error:
        show_service_error(request, error, form=form, field="file")
        return _edit_page(request, report, attachment_form=form, status=400)
    messages.success(request, _("The file has been attached."))
    return redirect("meetings:report-edit", pk=report.pk)


@login_required
@require_POST
def attachment_remove(request, pk):
    """The cadre who wrote the report: remove one of its attachments (POST)."""
    attachment = get_own_attachment_or_404(request.user, pk)
    try:
        services.attachment_remove(attachment=attachment, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _edit_page(request, get_own_report_or_404(request.user, attachment.report_id), status=400)
    messages.success(request, _("The attachment has been removed."))
    return redirect("meetings:report-edit", pk=attachment.report_id)


# ——— moderation ———


@login_required
@require_GET
def moderation_queue(request):
    """Village moderators and township administrators: reports of their villages awaiting a decision."""
    if not permissions.has_any_capability(request.user, Capability.MODERATE):
        raise PermissionDenied(_("This account moderates no village."))
    reports = WorkReport.objects.for_user(request.user, Capability.MODERATE).select_related(
        "meeting__village", "cadre"
    )
    awaiting = ModerationReportTable(reports.awaiting_moderation(), prefix="submitted-")
    approved = ModerationReportTable(reports.filter(status=WorkReport.Status.APPROVED), prefix="approved-")
    for table in (awaiting, approved):
        PagedRequestConfig(request, per_page=50).configure(table)
    return render(
        request, "meetings/reports/moderation_queue.html", {"awaiting": awaiting, "approved": approved}
    )


def _moderation_page(request, report, *, approve_form=None, return_form=None, status=200):
    context = {
        "report": report,
        # An edit held for the moderator is what they decide on; the public still reads the report.
        "sections": _rendered_sections(report.text_to_edit() if report.has_proposed_edit else report),
        "posts": _posts_in_year(report),
        "approve_form": approve_form or ApproveForm(),
        "return_form": return_form or ReturnForm(),
        # The moderator's decisions the report allows now (the cadre's actions are not offered here).
        "allowed": report.allowed_actions() & DECISIONS.keys(),
        "meeting_is_public": report.meeting.is_public,
    }
    return render(request, "meetings/reports/moderation_report.html", context, status=status)


@login_required
@require_GET
def moderation_report(request, pk):
    """Village moderators and township administrators of the report's village: read it and decide."""
    return _moderation_page(request, get_report_for_user_or_404(request.user, pk, Capability.MODERATE))


@dataclass(frozen=True)
class Decision:
    """A moderator's decision on a report: the service that makes it, its form (if any), what is said."""

    service: Callable
    form_class: type | None
    done: str
    back_to_queue: bool = False


DECISIONS = {
    "approve": Decision(services.report_approve, ApproveForm, gettext_lazy("The report has been approved.")),
    "return": Decision(
        services.report_return,
        ReturnForm,
        gettext_lazy("The report has been returned to the cadre."),
        back_to_queue=True,
    ),
    "publish": Decision(services.report_publish, None, gettext_lazy("The report has been published.")),
}


def _decide(request, pk, action: str):
    decision = DECISIONS[action]
    report = get_report_for_user_or_404(request.user, pk, Capability.MODERATE)
    fields = {}
    if decision.form_class is not None:
        form = decision.form_class(request.POST)
        if not form.is_valid():
            return _moderation_page(request, report, status=400, **{f"{action}_form": form})
        fields["comment"] = form.cleaned_data["comment"]
    try:
        decision.service(report=report, by=request.user, **fields)
    except ValidationError as error:
        show_service_error(request, error)
        return _moderation_page(request, report, status=400)
    messages.success(request, decision.done)
    if decision.back_to_queue:
        return redirect("meetings:moderation-reports")
    return redirect("meetings:moderation-report", pk=report.pk)


@login_required
@require_POST
def report_approve(request, pk):
    """Village moderators and township administrators of the report's village: approve (POST)."""
    return _decide(request, pk, "approve")


@login_required
@require_POST
def report_return(request, pk):
    """Village moderators and township administrators of the report's village: return it with a comment."""
    return _decide(request, pk, "return")


@login_required
@require_POST
def report_publish(request, pk):
    """Village moderators and township administrators of the report's village: publish it (POST)."""
    return _decide(request, pk, "publish")


# ——— public ———


@require_GET
def report_detail(request, pk):
    """Anyone, for a published report; its cadre and the village's moderators, for a preview."""
    report = get_object_or_404(with_everything(WorkReport.objects.readable_by(request.user)), pk=pk)
    context = {
        "report": report,
        "sections": _rendered_sections(report),
        "posts": _posts_in_year(report),
        "is_preview": report.status != WorkReport.Status.PUBLISHED,
        "visit_figures": visit_counts.year_figures(report.cadre, report.meeting.year),
    }
    response = render(request, "meetings/reports/report.html", context)
    if context["is_preview"]:
        add_never_cache_headers(response)
    return response


@require_GET
def attachment_download(request, pk):
    """Anyone, for an attachment of a published report; its cadre and the village's moderators otherwise.

    Images are shown inline, PDFs are downloaded; the type is the one found by content on upload, and
    the browser is told not to guess another.
    """
    attachment = get_object_or_404(
        Attachment.objects.filter(report__in=WorkReport.objects.readable_by(request.user)).select_related(
            "report"
        ),
        pk=pk,
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing.")) from error
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=attachment.kind == Attachment.Kind.PDF,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened on its own, the file runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    if attachment.report.status != WorkReport.Status.PUBLISHED:
        add_never_cache_headers(response)
    return response
