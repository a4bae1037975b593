"""Work reports: cadres write their own, moderators decide on them, the public reads published ones."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
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
from meetings.reports import services, versions
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


def _meetings_to_report_at(cadre: Cadre | None, language: str | None = None):
    """Meetings still open at which the cadre reports and has not started a report yet (in `language`,
    or in any language)."""
    if cadre is None:
        return Meeting.objects.none()
    started = WorkReport.objects.filter(cadre=cadre)
    if language is not None:
        started = started.filter(language=language)
    return (
        Meeting.objects.filter(reporting__cadre=cadre)
        .not_closed()
        .exclude(pk__in=started.values("meeting"))
        .select_related("village")
        .order_by("-held_at")
    )


@dataclass(frozen=True)
class VersionTab:
    """A language version of the cadre's report on the writing pages: written already, or to start."""

    language: str
    name: str
    url: str
    current: bool
    written: bool


def _version_tabs(user, meeting: Meeting, current: str) -> list[VersionTab]:
    """One tab per language: the version's editing page, or the page that starts it."""
    written = dict(
        WorkReport.objects.of_cadre_user(user).filter(meeting=meeting).values_list("language", "pk")
    )
    tabs = []
    for language in WorkReport.Language.values:
        if language in written:
            url = reverse("meetings:report-edit", args=[written[language]])
        elif meeting.is_closed:
            continue
        else:
            url = reverse("meetings:report-create-version", args=[meeting.pk, language])
        name = translation.get_language_info(language)["name_local"]
        tabs.append(VersionTab(language, name, url, language == current, language in written))
    return tabs


def _posts_in_year(report: WorkReport) -> list[CadrePost]:
    return list(CadrePost.objects.filter(cadre=report.cadre_id).held_in(report.meeting.year).by_rank())


def _rendered_sections(report_or_sections, language: str | None = None) -> list[tuple[str, str, str]]:
    """(name, label, HTML) of each section, in reading order; the text in the version's language."""
    if isinstance(report_or_sections, WorkReport):
        texts, language = report_or_sections.section_texts(), language or report_or_sections.language
    else:
        texts = report_or_sections
    return [
        (name, label, render_markdown(texts.get(name, ""), language)) for name, label in WorkReport.SECTIONS
    ]


def _text_context(language: str) -> dict:
    """What the templates write on the report's own text: its `lang` and `dir`."""
    text_lang, text_dir = WorkReport.text_attributes(language)
    return {"text_language": language, "text_lang": text_lang, "text_dir": text_dir}


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
def report_create(request, meeting_pk, language=WorkReport.Language.CHINESE):
    """The cadre of the linked account, for a meeting they report at: an empty report (saved by POST),
    in Chinese or, as a version beside it, in Uyghur."""
    cadre = _own_cadre(request.user)
    if cadre is None:
        raise Http404(_("This account is not linked to a cadre."))
    if language not in WorkReport.Language.values:
        raise Http404(_("A report can be written in Chinese or in Uyghur."))
    own = WorkReport.objects.of_cadre_user(request.user)
    existing = own.filter(meeting_id=meeting_pk, language=language).first()
    if existing is not None:
        return redirect("meetings:report-edit", pk=existing.pk)
    meeting = get_object_or_404(_meetings_to_report_at(cadre, language), pk=meeting_pk)
    form = ReportForm(request.POST or None, language=language)
    saving = form.is_bound and "preview" not in request.POST
    if saving and form.is_valid():
        try:
            report = services.report_create(
                meeting=meeting, cadre=cadre, by=request.user, sections=form.sections, language=language
            )
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The report has been saved as a draft."))
            return redirect("meetings:report-edit", pk=report.pk)
    valid = form.is_bound and form.is_valid()
    context = {
        "meeting": meeting,
        "cadre": cadre,
        "form": form,
        "preview": _rendered_sections(form.sections, language) if valid else None,
        "tabs": _version_tabs(request.user, meeting, language),
        **_text_context(language),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "meetings/reports/create.html", context, status=status)


def _edit_page(request, report, *, form=None, attachment_form=None, preview=None, status=200):
    context = {
        "report": report,
        "form": form or ReportForm(initial=report.text_to_edit(), language=report.language),
        "attachment_form": attachment_form or AttachmentForm(),
        "preview": preview,
        "allowed": report.allowed_actions(),
        "is_published": report.status == WorkReport.Status.PUBLISHED,
        "max_attachments": services.MAX_ATTACHMENTS,
        "tabs": _version_tabs(request.user, report.meeting, report.language),
        **_text_context(report.language),
        "visit_figures": visit_counts.year_figures(report.cadre, report.meeting.year),
    }
    return render(request, "meetings/reports/edit.html", context, status=status)


@login_required
def report_edit(request, pk):
    """The cadre who wrote the report: change its sections (POST), or preview them without saving."""
    report = get_own_report_or_404(request.user, pk)
    if request.method != "POST":
        return _edit_page(request, report)
    form = ReportForm(request.POST, language=report.language)
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
        "attachments": report.attachments.all(),
        "approve_form": approve_form or ApproveForm(),
        "return_form": return_form or ReturnForm(),
        # The moderator's decisions the report allows now (the cadre's actions are not offered here).
        "allowed": report.allowed_actions() & DECISIONS.keys(),
        "meeting_is_public": report.meeting.is_public,
        **_text_context(report.language),
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
    """Anyone, for a published report; its cadre and the village's moderators, for a preview.

    The version shown is `versions.version_to_show`'s: on a Uyghur page the Uyghur version once it is
    published, else the one asked for; `?language=` names one. The attachments of every version the
    reader may read are the report's.
    """
    readable = with_everything(WorkReport.objects.readable_by(request.user).versions_of(pk))
    by_language = {version.language: version for version in readable}
    requested = next((version for version in by_language.values() if version.pk == pk), None)
    if requested is None:
        raise Http404
    report = versions.version_to_show(requested, by_language, asked=request.GET.get("language"))
    others = [version for language, version in by_language.items() if language != report.language]
    context = {
        "report": report,
        "sections": _rendered_sections(report),
        "posts": _posts_in_year(report),
        "is_preview": report.status != WorkReport.Status.PUBLISHED,
        "attachments": [a for version in by_language.values() for a in version.attachments.all()],
        "other_versions": [
            (version, translation.get_language_info(version.language)["name_local"]) for version in others
        ],
        # A Uyghur page says so when there is no Uyghur version to read.
        "not_in_uyghur": versions.page_language() == versions.UYGHUR and versions.UYGHUR not in by_language,
        **_text_context(report.language),
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
