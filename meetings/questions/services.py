"""Writes of questions and commitments: one function per action, checked and audited.

Who does what:

- anyone, with no account, leaves a question on the site while the meeting is public and not yet
  closed (announced, voting open or closed, results under notice): a final or annulled meeting takes
  no more questions, a draft one is not public at all. Anonymous posts are rate-limited per network
  address and are not written to the audit log (nothing privileged happens; the log stays the record
  of what staff did);
- the meeting operator (the clerk) records the questions asked on the spot, in the same period;
- every question waits for a moderator (post-moderation): approved it is shown, hidden it keeps its
  place with "hidden by moderator";
- the cadre a question is addressed to answers it, and may edit the answer later (every version stays
  in the audit log);
- moderators and township administrators turn a question into a commitment, or write one directly;
  the owner must be a cadre of the meeting's village;
- the owner cadre or a moderator adds dated progress updates and moves the status forward; only a
  moderator reopens a commitment marked done (a villager may object that it is not).
"""

import datetime
import io
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps

from meetings.models import Commitment, CommitmentUpdate, Meeting, Question
from portal import audit, permissions, ratelimit, uploads
from portal.models import Cadre
from portal.permissions import Capability

QUESTION_MIN_LENGTH = 5
QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 5000
UPDATE_MAX_LENGTH = 2000
TITLE_MAX_LENGTH = 200  # Commitment.title
DETAILS_MAX_LENGTH = 5000
HIDE_REASON_MAX_LENGTH = 200  # Question.moderation_note
ASKER_NAME_MAX_LENGTH = 100  # Question.asker_name

# --- helpers -----------------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, maximum: int, minimum: int = 1) -> str:
    """Stripped text within its length limits, or a ValidationError on `field`."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) < minimum:
        raise ValidationError(
            {
                field: ngettext(
                    "Please write at least %(count)d character.",
                    "Please write at least %(count)d characters.",
                    minimum,
                )
                % {"count": minimum}
            }
        )
    if len(value) > maximum:
        raise ValidationError(
            {
                field: ngettext(
                    "Please write at most %(count)d character.",
                    "Please write at most %(count)d characters.",
                    maximum,
                )
                % {"count": maximum}
            }
        )
    return value


def _clean_question(meeting: Meeting, text: str, asker_name: str, cadre: Cadre | None) -> tuple[str, str]:
    if not meeting.takes_questions:
        raise ValidationError(_("This meeting no longer takes questions."))
    text = _clean_text(text, field="text", minimum=QUESTION_MIN_LENGTH, maximum=QUESTION_MAX_LENGTH)
    asker_name = (asker_name or "").strip()
    if asker_name:
        asker_name = _clean_text(asker_name, field="asker_name", maximum=ASKER_NAME_MAX_LENGTH)
    if cadre is not None and not meeting.reporting.filter(cadre=cadre).exists():
        raise ValidationError({"cadre": _("Only a cadre reporting at this meeting can be asked.")})
    return text, asker_name


def _may_moderate(user, village) -> bool:
    return permissions.has_capability(user, Capability.MODERATE, village)


def _is_acting_cadre(user, cadre: Cadre) -> bool:
    """The account of this very cadre, still holding its cadre role in the cadre's village."""
    return permissions.is_own_cadre(user, cadre) and permissions.has_capability(
        user, Capability.WRITE_OWN_CONTENT, cadre.village
    )


def may_manage_commitment(user, commitment: Commitment) -> bool:
    """The owner cadre or a moderator of the village: progress updates and status changes."""
    return Commitment.objects.manageable_by(user).filter(pk=commitment.pk).exists()


def _ensure_manage_commitment(user, commitment: Commitment) -> None:
    if not may_manage_commitment(user, commitment):
        raise PermissionDenied(_("Only the responsible cadre or a moderator can change this commitment."))


# --- questions ---------------------------------------------------------------------------------------


@transaction.atomic
def question_ask_online(
    *,
    meeting: Meeting,
    text: str,
    asker_name: str = "",
    cadre: Cadre | None = None,
    sender_address: str,
    sender_browser: str = "",
) -> Question:
    """Anyone, no account: a question left on the site, pending moderation.

    Rate-limited per browser and per network address (RateLimited), counted in the questions already
    left.
    """
    text, asker_name = _clean_question(meeting, text, asker_name, cadre)
    spent = ratelimit.questions().spend_rows(
        sender_address,
        browser=sender_browser,
        rows=Question.objects,
        stamped="created_at",
        message=_("Too many questions from this connection. Please try again in an hour, or ask the clerk."),
    )
    return Question.objects.create(
        meeting=meeting,
        cadre=cadre,
        text=text,
        asker_name=asker_name,
        source=Question.Source.ONLINE,
        sender_key=spent.sender_key,
        browser_key=spent.browser_key,
    )


@transaction.atomic
def question_record_at_meeting(
    *, meeting: Meeting, text: str, asker_name: str = "", cadre: Cadre | None = None, by
) -> Question:
    """Meeting operators of the village: a question asked on the spot. It is moderated like the rest."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    text, asker_name = _clean_question(meeting, text, asker_name, cadre)
    question = Question.objects.create(
        meeting=meeting, cadre=cadre, text=text, asker_name=asker_name, source=Question.Source.AT_MEETING
    )
    audit.record(actor=by, action="question_record", target=question)
    return question


@transaction.atomic
def question_approve(*, question: Question, by) -> Question:
    """Moderators of the village: show a pending question, or show again a hidden one."""
    permissions.ensure(by, Capability.MODERATE, question.meeting.village)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status == Question.Status.APPROVED:
        return question
    previous = question.status
    question.status = Question.Status.APPROVED
    question.moderation_note = ""
    question.save(update_fields=["status", "moderation_note"])
    audit.record(
        actor=by,
        action="question_approve",
        target=question,
        details={"from": previous},
    )
    return question


@transaction.atomic
def question_hide(*, question: Question, reason: str, by) -> Question:
    """Moderators of the village: hide a question; it keeps its place, its text is no longer shown."""
    permissions.ensure(by, Capability.MODERATE, question.meeting.village)
    reason = _clean_text(reason, field="reason", maximum=HIDE_REASON_MAX_LENGTH)
    question = Question.objects.select_for_update().get(pk=question.pk)
    previous = question.status
    question.status = Question.Status.HIDDEN
    question.moderation_note = reason
    question.save(update_fields=["status", "moderation_note"])
    audit.record(
        actor=by,
        action="question_hide",
        target=question,
        details={"from": previous, "reason": reason},
    )
    return question


@transaction.atomic
def question_answer(*, question: Question, answer: str, by) -> Question:
    """The cadre the question is addressed to: answer it, or edit the answer (each version is audited)."""
    if question.cadre is None or not _is_acting_cadre(by, question.cadre):
        raise PermissionDenied(_("Only the cadre the question is addressed to can answer it."))
    answer = _clean_text(answer, field="answer", maximum=ANSWER_MAX_LENGTH)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status != Question.Status.APPROVED:
        raise ValidationError(_("Only a question shown to the public can be answered."))
    previous = question.answer
    if previous == answer:
        return question
    question.answer = answer
    if question.answered_at is None:
        question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_at"])
    audit.record(
        actor=by,
        action="question_answer_edit" if previous else "question_answer",
        target=question,
        details={"answer": answer, "previous": previous} if previous else {"answer": answer},
    )
    return question


# --- commitments -------------------------------------------------------------------------------------


def _clean_commitment(meeting: Meeting, owner: Cadre, title: str, details: str, due_date: datetime.date):
    if not meeting.takes_commitments:
        raise ValidationError(_("Commitments are made at a held meeting, not a draft or annulled one."))
    if owner.village_id != meeting.village_id:
        raise ValidationError({"owner": _("The responsible cadre must be a cadre of the meeting's village.")})
    title = _clean_text(title, field="title", maximum=TITLE_MAX_LENGTH)
    details = (details or "").strip()
    if details:
        details = _clean_text(details, field="details", maximum=DETAILS_MAX_LENGTH)
    # Not "before today": last year's promises may be entered afterwards from the paper minutes.
    if due_date < timezone.localdate(meeting.held_at):
        raise ValidationError({"due_date": _("The due date cannot be before the meeting.")})
    return title, details


@transaction.atomic
def commitment_create(
    *,
    meeting: Meeting,
    owner: Cadre,
    title: str,
    due_date: datetime.date,
    details: str = "",
    by,
    question: Question | None = None,
) -> Commitment:
    """Moderators and township administrators of the village: a promise made at the meeting."""
    permissions.ensure(by, Capability.MODERATE, meeting.village)
    title, details = _clean_commitment(meeting, owner, title, details, due_date)
    commitment = Commitment.objects.create(
        meeting=meeting, question=question, owner=owner, title=title, details=details, due_date=due_date
    )
    audit.record(
        actor=by,
        action="commitment_create",
        target=commitment,
        details={
            "owner": owner.pk,
            "due_date": due_date.isoformat(),
            "question": question.pk if question else None,
        },
    )
    return commitment


@transaction.atomic
def commitment_create_from_question(
    *, question: Question, owner: Cadre, title: str, due_date: datetime.date, details: str = "", by
) -> Commitment:
    """Moderators of the village: a question that cannot be solved on the spot becomes a commitment.

    A pending question is approved with it (a public promise answers a public question); a hidden one
    cannot become a commitment, and a question becomes at most one.
    """
    permissions.ensure(by, Capability.MODERATE, question.meeting.village)
    question = Question.objects.select_for_update().select_related("meeting__village").get(pk=question.pk)
    if question.status == Question.Status.HIDDEN:
        raise ValidationError(_("A hidden question cannot become a commitment."))
    if Commitment.objects.filter(question=question).exists():
        raise ValidationError(_("This question is already a commitment."))
    if question.status == Question.Status.PENDING:
        question = question_approve(question=question, by=by)
    return commitment_create(
        meeting=question.meeting,
        owner=owner,
        title=title,
        due_date=due_date,
        details=details,
        by=by,
        question=question,
    )


def _clean_photo(photo) -> ContentFile:
    """Check an uploaded photo by its content and re-encode it under a generated name.

    Re-encoding drops the EXIF block (a phone's photo carries where it was taken) and anything
    smuggled after the image data; the file name and the declared content type are not trusted.
    """
    try:
        uploads.check_size(photo.size)  # before reading it into memory
        photo.seek(0)
        data = photo.read()
        checked = uploads.check_upload(data)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if checked.image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            output = io.BytesIO()
            options = {"quality": 85} if checked.image_format in ("JPEG", "WEBP") else {}
            image.save(output, format=checked.image_format, **options)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from None
    except (OSError, SyntaxError, ValueError):  # verified, yet malformed past what verify() reads
        raise ValidationError({"photo": _("The photo must be a JPEG, PNG or WebP image.")}) from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}{checked.extension}")


@transaction.atomic
def commitment_update_add(
    *, commitment: Commitment, text: str, date: datetime.date | None = None, photo=None, by
) -> CommitmentUpdate:
    """The owner cadre or a moderator of the village: a dated note of progress, with an optional photo."""
    _ensure_manage_commitment(by, commitment)
    text = _clean_text(text, field="text", maximum=UPDATE_MAX_LENGTH)
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise ValidationError({"date": _("Progress cannot be dated in the future.")})
    meeting_day = timezone.localdate(commitment.meeting.held_at)
    if date < meeting_day:
        raise ValidationError({"date": _("Progress cannot be dated before the meeting.")})
    update = CommitmentUpdate(commitment=commitment, date=date, text=text, created_by=by)
    if photo:
        update.photo = _clean_photo(photo)
    update.save()
    audit.record(
        actor=by,
        action="commitment_update_add",
        target=commitment,
        details={"update": update.pk, "date": date.isoformat(), "photo": bool(update.photo)},
    )
    return update


# Forward moves anyone managing the commitment may make; every other change is a reopening.
FORWARD = {
    Commitment.Status.OPEN: {Commitment.Status.IN_PROGRESS, Commitment.Status.DONE},
    Commitment.Status.IN_PROGRESS: {Commitment.Status.DONE},
    Commitment.Status.DONE: set(),
}


@transaction.atomic
def commitment_set_status(
    *, commitment: Commitment, status: str, by, done_on: datetime.date | None = None
) -> Commitment:
    """The owner cadre or a moderator moves a commitment forward; only a moderator moves it back.

    Done sets the day it was done (today unless `done_on` says when: a promise kept before it was
    recorded here); reopening clears it.
    """
    _ensure_manage_commitment(by, commitment)
    if status not in Commitment.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    commitment = (
        Commitment.objects.select_for_update().select_related("meeting__village").get(pk=commitment.pk)
    )
    previous = commitment.status
    if status == previous:
        return commitment
    if status not in FORWARD[Commitment.Status(previous)] and not _may_moderate(
        by, commitment.meeting.village
    ):
        raise PermissionDenied(_("Only a moderator can reopen a commitment."))
    if done_on is not None:
        if status != Commitment.Status.DONE:
            raise ValidationError({"done_on": _("Only a commitment that is done has a day it was done.")})
        if done_on > timezone.localdate():
            raise ValidationError({"done_on": _("A commitment cannot be done in the future.")})
        if done_on < timezone.localdate(commitment.meeting.held_at):
            raise ValidationError({"done_on": _("A commitment cannot be done before the meeting.")})
    commitment.status = status
    commitment.done_at = (done_on or timezone.localdate()) if status == Commitment.Status.DONE else None
    commitment.save(update_fields=["status", "done_at"])
    audit.record(
        actor=by,
        action="commitment_set_status",
        target=commitment,
        details={"from": previous, "to": status},
    )
    return commitment
