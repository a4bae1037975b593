"""Writes of the meeting's lifecycle: one function per action, checked and audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from meetings.models import Attendance, Meeting, MeetingCadre
from meetings.quorum import Quorum
from portal import audit, permissions
from portal.models import Cadre, Resident
from portal.permissions import Capability


def _ensure_cadres_of_village(cadres, village) -> None:
    if any(cadre.village_id != village.pk for cadre in cadres):
        raise ValidationError(_("Only the village's own cadres can report at its meeting."))


@transaction.atomic
def meeting_create(
    *,
    village,
    year: int,
    held_at: datetime.datetime,
    venue: str,
    kind: str,
    scheme,
    cadres: list[Cadre],
    agenda: str = "",
    by,
) -> Meeting:
    """A draft meeting; township administrators of the village only."""
    permissions.ensure(by, Capability.MANAGE_MEETINGS, village)
    _ensure_cadres_of_village(cadres, village)
    if Meeting.objects.in_village(village).for_year(year).live().exists():
        raise ValidationError(_("The village already has a meeting for %(year)s.") % {"year": year})
    meeting = Meeting.objects.create(
        village=village, year=year, held_at=held_at, venue=venue, kind=kind, scheme=scheme, agenda=agenda
    )
    MeetingCadre.objects.bulk_create(
        MeetingCadre(meeting=meeting, cadre=cadre, order=index) for index, cadre in enumerate(cadres)
    )
    audit.record(actor=by, action="meeting_create", target=meeting, details={"year": year})
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, by, cadres: list[Cadre] | None = None, scheme=None, **fields
) -> Meeting:
    """Change the date, venue, kind, agenda — and, until voting opens, the scheme and the cadres."""
    permissions.ensure(by, Capability.MANAGE_MEETINGS, meeting.village)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status in {Meeting.Status.FINAL, Meeting.Status.ANNULLED}:
        raise ValidationError(_("A final or annulled meeting can no longer be changed."))
    changing_ballot = (scheme is not None and scheme.pk != meeting.scheme_id) or (
        cadres is not None and [c.pk for c in cadres] != list(meeting.cadres.values_list("pk", flat=True))
    )
    if changing_ballot and meeting.is_frozen:
        raise ValidationError(_("The rating scheme and the cadres cannot change once voting has opened."))
    allowed = {"held_at", "venue", "kind", "agenda"}
    if "kind" in fields and meeting.is_frozen and fields["kind"] != meeting.kind:
        raise ValidationError(_("The kind of meeting cannot change once voting has opened."))
    for name, value in fields.items():
        if name not in allowed:
            raise ValidationError(f"unknown field {name}")
        setattr(meeting, name, value)
    if scheme is not None:
        meeting.scheme = scheme
    meeting.save()
    if cadres is not None:
        _ensure_cadres_of_village(cadres, meeting.village)
        meeting.reporting.all().delete()
        MeetingCadre.objects.bulk_create(
            MeetingCadre(meeting=meeting, cadre=cadre, order=index) for index, cadre in enumerate(cadres)
        )
    audit.record(actor=by, action="meeting_update", target=meeting, details={"fields": sorted(fields)})
    return meeting


def _move(meeting: Meeting, status: str, *, by, capability: str) -> Meeting:
    """Check, lock and move the meeting along its lifecycle; the caller saves and audits."""
    permissions.ensure(by, capability, meeting.village)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.transition_to(status)
    return meeting


@transaction.atomic
def meeting_announce(*, meeting: Meeting, by) -> Meeting:
    """Make the meeting and its published reports public; operators and township administrators."""
    meeting = _move(
        meeting, Meeting.Status.ANNOUNCED, by=by, capability=Capability.OPERATE_MEETING, action=""
    )
    if not meeting.reporting.exists():
        raise ValidationError(_("Choose the reporting cadres before announcing the meeting."))
    meeting.save(update_fields=["status", "status_changed_at"])
    audit.record(actor=by, action="meeting_announce", target=meeting)
    return meeting


@transaction.atomic
def voting_open(*, meeting: Meeting, by) -> Meeting:
    """Freeze the scheme, the cadres and the roll's size, then accept ballots."""
    meeting = _move(
        meeting, Meeting.Status.VOTING_OPEN, by=by, capability=Capability.OPERATE_MEETING, action=""
    )
    roll = Resident.objects.in_village(meeting.village).on_roll()
    meeting.roll_size = roll.count()
    meeting.representatives_size = roll.representatives().count()
    meeting.save(update_fields=["status", "status_changed_at", "roll_size", "representatives_size"])
    audit.record(
        actor=by,
        action="voting_open",
        target=meeting,
        details={"roll": meeting.roll_size, "representatives": meeting.representatives_size},
    )
    return meeting


@transaction.atomic
def voting_close(*, meeting: Meeting, by) -> Meeting:
    meeting = _move(
        meeting, Meeting.Status.VOTING_CLOSED, by=by, capability=Capability.OPERATE_MEETING, action=""
    )
    meeting.save(update_fields=["status", "status_changed_at"])
    quorum = quorum_of(meeting)
    audit.record(
        actor=by,
        action="voting_close",
        target=meeting,
        details={"present": quorum.present, "required": quorum.required, "quorum_met": quorum.met},
    )
    return meeting


@transaction.atomic
def meeting_annul(*, meeting: Meeting, reason: str, by) -> Meeting:
    """Township administrators only, and always with a reason that is shown publicly."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for annulling the meeting."))
    meeting = _move(meeting, Meeting.Status.ANNULLED, by=by, capability=Capability.MANAGE_MEETINGS)
    meeting.annulment_reason = reason
    meeting.save(update_fields=["status", "status_changed_at", "annulment_reason"])
    audit.record(actor=by, action="meeting_annul", target=meeting, details={"reason": reason})
    return meeting


@transaction.atomic
def attendance_record(*, meeting: Meeting, resident: Resident, by) -> bool:
    """Sign a resident in; True if newly signed in. Only residents on the village's roll."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    if meeting.status not in {Meeting.Status.ANNOUNCED, Meeting.Status.VOTING_OPEN}:
        raise ValidationError(_("Attendance is recorded only while the meeting is announced or voting."))
    if resident.village_id != meeting.village_id or not resident.active:
        raise ValidationError(_("This person is not on the village's roll."))
    _attendance, created = Attendance.objects.get_or_create(meeting=meeting, resident=resident)
    if created:
        audit.record(actor=by, action="attendance_record", target=meeting, details={"resident": resident.pk})
    return created


def quorum_of(meeting: Meeting) -> Quorum:
    """Present against the roll frozen at voting open (or today's roll before that)."""
    roll = Resident.objects.in_village(meeting.village).on_roll()
    attending = Attendance.objects.filter(meeting=meeting)
    if meeting.kind == Meeting.Kind.REPRESENTATIVES_ASSEMBLY:
        base = (
            meeting.representatives_size
            if meeting.representatives_size is not None
            else roll.representatives().count()
        )
        present = attending.filter(resident__representative=True).count()
    else:
        base = meeting.roll_size if meeting.roll_size is not None else roll.count()
        present = attending.count()
    return Quorum(kind=meeting.kind, base=base, present=present)
