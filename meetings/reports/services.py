"""Writes of work reports and their attachments: one function per action, checked and audited.

The lifecycle of a report:

    draft ─submit→ submitted ─approve→ approved ─publish→ published
      ↑               │                   │
      └── returned ←──┴──── return ───────┘      (returned ─submit→ submitted)

A cadre writes only their own report (`permissions.is_own_cadre`), while it is a draft or returned
for changes; once submitted or approved it is in the moderator's hands. A published report may still
be corrected, but the edit goes back to the moderator first: it is held on the report
(`proposed_sections`) while the published text stays up. Approving it makes it public and keeps the
text before it as a `ReportRevision`, so the public page says that and when the report changed and
shows what changed; returning it leaves the published text alone and the edit with the cadre.

A cadre may also write a Uyghur version of the report: a report of its own (`WorkReport.language`), so
that every action below, the held edit and the revisions included, is the same for both versions;
`meetings.reports.versions` says which version a page shows.

Moderators are those holding `Capability.MODERATE` over the report's village (its village moderators
and the township's administrators). Nothing about a meeting that is final or annulled can change.
"""

import unicodedata
import uuid
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.models import Attachment, Meeting, MeetingCadre, ReportRevision, WorkReport
from meetings.reports import markdown
from portal import audit, permissions, uploads
from portal.models import Cadre
from portal.permissions import Capability

SECTION_NAMES = tuple(name for name, _label in WorkReport.SECTIONS)
# The longest a section may be; a year's report is a few pages, not a book.
MAX_SECTION_LENGTH = 20_000

MAX_ATTACHMENTS = 20


def _ensure_own(user, cadre: Cadre) -> None:
    """The cadre linked to this very account, still holding the cadre role in its village."""
    if not permissions.is_own_cadre(user, cadre):
        raise PermissionDenied(_("Only the cadre can write their own report."))
    permissions.ensure(user, Capability.WRITE_OWN_CONTENT, cadre.village)


def _ensure_meeting_open(meeting: Meeting) -> None:
    if meeting.is_closed:
        raise ValidationError(_("The meeting is final or annulled; its reports can no longer change."))


def _ensure_allows(report: WorkReport, action: str) -> None:
    """The report allows the action now (WorkReport.allows), or a ValidationError saying why not."""
    _ensure_meeting_open(report.meeting)
    if not report.status_allows(action):
        raise ValidationError(str(REFUSALS[action]) % {"status": report.get_status_display()})


def _locked(report: WorkReport) -> WorkReport:
    """The report re-read under a row lock, so that two requests cannot both move it."""
    return (
        WorkReport.objects.select_for_update().select_related("meeting__village", "cadre").get(pk=report.pk)
    )


def _clean_sections(sections: dict[str, str]) -> dict[str, str]:
    unknown = set(sections) - set(SECTION_NAMES)
    if unknown:
        raise ValidationError(_("Unknown report section: %(name)s") % {"name": ", ".join(sorted(unknown))})
    cleaned = {}
    for name, text in sections.items():
        text = (text or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_SECTION_LENGTH:
            raise ValidationError(
                _("A section may be at most %(limit)s characters long.") % {"limit": MAX_SECTION_LENGTH}
            )
        if markdown.too_deep(text):
            raise ValidationError(
                _("A section nests lists or quotes too deeply to be shown; write it with fewer levels.")
            )
        cleaned[name] = text
    return cleaned


# Why the status refuses each action: one whole sentence per action, so that each language can word it
# its own way.
REFUSALS = {
    "edit": gettext_lazy("The report is with the moderator and cannot be changed now."),
    "attach": gettext_lazy("Attachments can be changed only while the report is a draft or returned."),
    "submit": gettext_lazy("A report that is “%(status)s” cannot be submitted."),
    "approve": gettext_lazy("A report that is “%(status)s” cannot be approved."),
    "return": gettext_lazy("A report that is “%(status)s” cannot be returned."),
    "publish": gettext_lazy("A report that is “%(status)s” cannot be published."),
}


@transaction.atomic
def report_create(
    *,
    meeting: Meeting,
    cadre: Cadre,
    by,
    sections: dict[str, str] | None = None,
    language: str = WorkReport.Language.CHINESE,
) -> WorkReport:
    """A draft report of the cadre's own, for a meeting at which the cadre reports.

    One report per language: a Uyghur version beside the Chinese one (or alone) is a report of its
    own, which every other action here treats as any report.
    """
    _ensure_own(by, cadre)
    if language not in WorkReport.Language.values:
        raise ValidationError(_("A report can be written in Chinese or in Uyghur."))
    meeting = Meeting.objects.select_for_update().select_related("village").get(pk=meeting.pk)
    _ensure_meeting_open(meeting)
    if not MeetingCadre.objects.filter(meeting=meeting, cadre=cadre).exists():
        raise ValidationError(_("%(cadre)s does not report at this meeting.") % {"cadre": cadre})
    if WorkReport.objects.filter(meeting=meeting, cadre=cadre, language=language).exists():
        if language == WorkReport.Language.UYGHUR:
            message = _("There is already a Uyghur version of the report of %(cadre)s for this meeting.")
        else:
            message = _("There is already a report of %(cadre)s for this meeting.")
        raise ValidationError(message % {"cadre": cadre})
    report = WorkReport.objects.create(
        meeting=meeting, cadre=cadre, language=language, **_clean_sections(sections or {})
    )
    audit.record(actor=by, action="report_create", target=report, details={"language": language})
    return report


@transaction.atomic
def report_save(*, report: WorkReport, by, sections: dict[str, str]) -> WorkReport:
    """The cadre changes the text of their own report.

    A draft or returned report simply changes. An edit of a published one is held for the moderator
    (`_propose`); the published text stays as it is.
    """
    report = _locked(report)
    _ensure_own(by, report.cadre)
    _ensure_allows(report, "edit")
    sections = _clean_sections(sections)
    if report.status == WorkReport.Status.PUBLISHED:
        return _propose(report, by, sections)
    before = report.section_texts()
    changed = sorted(name for name, text in sections.items() if before[name] != text)
    if not changed:
        return report
    for name, text in sections.items():
        setattr(report, name, text)
    report.save()
    audit.record(actor=by, action="report_save", target=report, details={"sections": changed})
    return report


def _propose(report: WorkReport, by, sections: dict[str, str]) -> WorkReport:
    """Hold an edit of a published report for the moderator; an edit back to the published text
    withdraws it. Saving the held text again unchanged changes nothing."""
    published = report.section_texts()
    proposed = {**report.text_to_edit(), **sections}
    if proposed == report.text_to_edit() and (report.has_proposed_edit or proposed == published):
        return report
    changed = sorted(name for name, text in proposed.items() if published[name] != text)
    report.proposed_sections = proposed if changed else None
    report.proposal_returned = False
    report.save(update_fields=["proposed_sections", "proposal_returned", "updated_at"])
    audit.record(
        actor=by,
        action="report_save",
        target=report,
        details={"sections": changed, "to_moderator": bool(changed)},
    )
    return report


@transaction.atomic
def report_submit(*, report: WorkReport, by) -> WorkReport:
    """The cadre hands a draft or returned report to the village's moderators."""
    report = _locked(report)
    _ensure_own(by, report.cadre)
    _ensure_allows(report, "submit")
    if not any(report.section_texts().values()):
        raise ValidationError(_("Write at least one section before submitting the report."))
    report.status = WorkReport.Status.SUBMITTED
    report.save(update_fields=["status", "updated_at"])
    audit.record(actor=by, action="report_submit", target=report)
    return report


@transaction.atomic
def report_approve(*, report: WorkReport, by, comment: str = "") -> WorkReport:
    """A moderator of the village accepts a submitted report; it can be published from then on.

    On a published report, the moderator accepts the edit held for them: it becomes the public text,
    and the text before it is kept as the next revision.
    """
    report = _locked(report)
    permissions.ensure(by, Capability.MODERATE, report.meeting.village)
    _ensure_allows(report, "approve")
    report.moderator_comment = (comment or "").strip()
    details = {"comment": report.moderator_comment}
    if report.has_proposed_edit:
        last = report.revisions.aggregate(last=Max("number"))["last"] or 0
        ReportRevision.objects.create(report=report, number=last + 1, sections=report.section_texts())
        for name, text in report.proposed_sections.items():
            setattr(report, name, text)
        report.proposed_sections = None
        details["revision"] = last + 1
    else:
        report.status = WorkReport.Status.APPROVED
    report.save()
    audit.record(actor=by, action="report_approve", target=report, details=details)
    return report


@transaction.atomic
def report_return(*, report: WorkReport, by, comment: str) -> WorkReport:
    """A moderator of the village sends a submitted or approved report back, saying why.

    On a published report, the edit held for the moderator goes back to the cadre; the published text
    stays as it is.
    """
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say what the cadre should change before returning the report."))
    report = _locked(report)
    permissions.ensure(by, Capability.MODERATE, report.meeting.village)
    _ensure_allows(report, "return")
    details = {"comment": comment}
    if report.has_proposed_edit:
        report.proposal_returned = True
        details["edit"] = True
    else:
        report.status = WorkReport.Status.RETURNED
    report.moderator_comment = comment
    report.save()
    audit.record(actor=by, action="report_return", target=report, details=details)
    return report


@transaction.atomic
def report_publish(*, report: WorkReport, by) -> WorkReport:
    """A moderator of the village makes an approved report public, once the meeting is announced."""
    report = _locked(report)
    permissions.ensure(by, Capability.MODERATE, report.meeting.village)
    _ensure_allows(report, "publish")
    if not report.meeting.is_public:
        raise ValidationError(_("Reports are published once the meeting has been announced."))
    report.status = WorkReport.Status.PUBLISHED
    report.published_at = timezone.now()
    report.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(actor=by, action="report_publish", target=report)
    return report


def display_name(name: str) -> str:
    """The uploaded file's name, for display only: no folders, no control characters, not too long."""
    name = PurePath((name or "").replace("\\", "/")).name
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip()
    return name[-200:] or _("attachment")


@transaction.atomic
def attachment_add(*, report: WorkReport, by, name: str, content: bytes) -> Attachment:
    """The cadre attaches a photo or a PDF to their own report before it goes to moderation.

    The file is stored under a generated name; the uploaded name is kept only to show.
    """
    report = _locked(report)
    _ensure_own(by, report.cadre)
    _ensure_allows(report, "attach")
    if report.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            _("A report can have at most %(limit)s attachments.") % {"limit": MAX_ATTACHMENTS}
        )
    checked = uploads.check_upload(content, pdf=True)
    attachment = Attachment(
        report=report,
        original_name=display_name(name),
        kind=Attachment.Kind(checked.kind),
        content_type=checked.content_type,
        size=len(content),
    )
    attachment.file.save(f"{uuid.uuid4().hex}{checked.extension}", ContentFile(content), save=False)
    stored = attachment.file.name
    # The file is written before its row: should the row fail, the file must not stay behind.
    try:
        attachment.save()
        audit.record(
            actor=by,
            action="attachment_add",
            target=report,
            details={"attachment": attachment.pk, "name": attachment.original_name, "kind": checked.kind},
        )
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by) -> None:
    """The cadre removes an attachment from their own report before it goes to moderation."""
    report = _locked(attachment.report)
    _ensure_own(by, report.cadre)
    _ensure_allows(report, "attach")
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, report=report)
    storage, stored = attachment.file.storage, attachment.file.name
    audit.record(
        actor=by,
        action="attachment_remove",
        target=report,
        details={"attachment": attachment.pk, "name": attachment.original_name},
    )
    attachment.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(stored))
