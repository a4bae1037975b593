"""Writes of the meeting's lifecycle: one function per action, checked and audited.

The lifecycle is draft → announced → voting open → voting closed → under notice → final, and
annulled from anywhere before final (Meeting.TRANSITIONS). Here are the moves a meeting operator or
a township administrator makes by hand. The last two moves — putting the results under public notice
and making them final — belong to the results and are made by ratings.results.services
(`results_publish`, `results_finalize`), which publish the snapshot along with them.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meetings.models import Attendance, Meeting, MeetingCadre
from meetings.quorum import Quorum, quorum_of, shortfall_warning
from portal import audit, permissions
from portal.models import Cadre, Resident
from portal.permissions import Capability
from ratings.ballot import schemes
from ratings.ballot import services as ballot_services
from ratings.ballot.reconciliation import reconciliation_of
from ratings.ballot.services import ballot_box_seal, codes_void_unused
from ratings.models import PollBookEntry, RatingScheme
from ratings.results.services import results_withdraw
from ratings.speech.services import speech_prepare


def _ensure_cadres_of_village(cadres, village) -> None:
    if any(cadre.village_id != village.pk for cadre in cadres):
        raise ValidationError(_("Only the village's own cadres can report at its meeting."))
    if len({cadre.pk for cadre in cadres}) != len(cadres):
        raise ValidationError(_("A cadre can report only once at a meeting."))


def _ensure_kind(kind: str) -> None:
    if kind not in Meeting.Kind.values:
        raise ValidationError(_("Unknown kind of meeting."))


def _set_cadres(meeting: Meeting, cadres: list[Cadre]) -> None:
    """The reporting cadres, in the order given: the order in which they speak."""
    meeting.reporting.all().delete()
    MeetingCadre.objects.bulk_create(
        MeetingCadre(meeting=meeting, cadre=cadre, order=index) for index, cadre in enumerate(cadres)
    )


@transaction.atomic
def meeting_create(
    *,
    village,
    year: int,
    held_at: datetime.datetime,
    venue: str,
    kind: str,
    scheme: RatingScheme | None = None,
    cadres: list[Cadre],
    agenda: str = "",
    panel_seats: int = 0,
    quick_mode: bool | None = None,
    phones_allowed: bool = False,
    spoken_ballot: bool = False,
    by,
) -> Meeting:
    """A draft meeting; township administrators of the village only.

    Without a scheme the meeting gets the default one, created on first use. `quick_mode` True or
    False asks for that ballot (one overall grade per cadre, or a grade per criterion) whatever the
    scheme's: the scheme's copy in that mode is used (ratings.ballot.schemes.in_mode).
    """
    permissions.ensure(by, Capability.MANAGE_MEETINGS, village)
    _ensure_kind(kind)
    cadres = list(cadres)
    _ensure_cadres_of_village(cadres, village)
    _ensure_scheme_offered(scheme, village)
    if Meeting.objects.in_village(village).for_year(year).live().exists():
        raise ValidationError(_("The village already has a meeting for %(year)s.") % {"year": year})
    meeting = Meeting.objects.create(
        village=village,
        year=year,
        held_at=held_at,
        venue=venue,
        kind=kind,
        scheme=_in_mode(scheme or schemes.default_scheme(), quick_mode),
        agenda=agenda,
        panel_seats=panel_seats,
        phones_allowed=phones_allowed,
        spoken_ballot=spoken_ballot,
    )
    _set_cadres(meeting, cadres)
    audit.record(
        actor=by,
        action="meeting_create",
        target=meeting,
        details={"year": year, "scheme": meeting.scheme_id, "cadres": [cadre.pk for cadre in cadres]},
    )
    return meeting


class QuorumShortfall(ValidationError):
    """Opening or closing the vote below the quorum, not yet confirmed: the page asks the operator
    again, naming the shortfall. The transaction that raised it has written nothing."""

    def __init__(self, message: str, quorum: Quorum):
        super().__init__(message)
        self.quorum = quorum


def _ensure_quorum_confirmed(meeting: Meeting, *, closing: bool, warn: bool) -> Quorum:
    quorum = quorum_of(meeting)
    warning = shortfall_warning(quorum, closing=closing)
    if warn and warning:
        raise QuorumShortfall(warning, quorum)
    return quorum


def _ensure_scheme_offered(scheme: RatingScheme | None, village) -> None:
    """A meeting uses its township's schemes or the county's presets, never another township's."""
    if scheme is not None and scheme.township_id not in (None, village.township_id):
        raise ValidationError({"scheme": _("This rating scheme belongs to another township.")})


def _in_mode(scheme: RatingScheme, quick_mode: bool | None) -> RatingScheme:
    return scheme if quick_mode is None else schemes.in_mode(scheme, quick_mode)


EDITABLE_FIELDS = {"held_at", "venue", "kind", "agenda", "panel_seats", "phones_allowed", "spoken_ballot"}


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by,
    cadres: list[Cadre] | None = None,
    scheme: RatingScheme | None = None,
    quick_mode: bool | None = None,
    **fields,
) -> Meeting:
    """Change the date, venue, kind, agenda — and, until voting opens, the scheme (or its ballot mode,
    as meeting_create does), the cadres and the township panel's seats.

    Township administrators of the village only. `cadres` replaces the whole list, in speaking order.
    """
    permissions.ensure(by, Capability.MANAGE_MEETINGS, meeting.village)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"meeting_update cannot change {sorted(unknown)}")
    meeting = Meeting.objects.select_for_update().select_related("village").get(pk=meeting.pk)
    if meeting.is_closed:
        raise ValidationError(_("A final or annulled meeting can no longer be changed."))
    if "kind" in fields:
        _ensure_kind(fields["kind"])
    current_cadres = list(meeting.reporting.values_list("cadre_id", flat=True))
    if cadres is not None:
        cadres = list(cadres)
        _ensure_cadres_of_village(cadres, meeting.village)
    changes_cadres = cadres is not None and [cadre.pk for cadre in cadres] != current_cadres
    _ensure_scheme_offered(scheme, meeting.village)
    # Another mode is another scheme: the frozen rule below refuses it once voting has opened (and the
    # transaction drops the copy).
    if quick_mode is not None and quick_mode != (scheme or meeting.scheme).quick_mode:
        scheme = schemes.in_mode(scheme or meeting.scheme, quick_mode)
    changes_scheme = scheme is not None and scheme.pk != meeting.scheme_id
    # The kind decides whose attendance makes the quorum: it freezes with the ballot.
    changes_kind = "kind" in fields and fields["kind"] != meeting.kind
    # The seats bound the panel's codes, which count apart from the roll's: they freeze with it.
    changes_seats = "panel_seats" in fields and fields["panel_seats"] != meeting.panel_seats
    if meeting.is_frozen and (changes_cadres or changes_scheme or changes_kind or changes_seats):
        raise ValidationError(
            _(
                "The rating scheme, the cadres, the kind of meeting and the township panel's seats cannot "
                "change once voting has opened."
            )
        )
    if meeting.is_frozen and fields.get("spoken_ballot", meeting.spoken_ballot) != meeting.spoken_ballot:
        raise ValidationError(
            _("The spoken ballot is made when voting opens: it cannot be turned on or off after that.")
        )
    if changes_seats and fields["panel_seats"] < ballot_services.panel_codes_kept(meeting):
        raise ValidationError(
            _(
                "The township panel already has %(codes)s codes printed: void them before lowering its "
                "seats to %(seats)s."
            )
            % {"codes": ballot_services.panel_codes_kept(meeting), "seats": fields["panel_seats"]}
        )
    if changes_cadres and not cadres and meeting.status != Meeting.Status.DRAFT:
        raise ValidationError(_("An announced meeting needs at least one reporting cadre."))

    changed = sorted(name for name, value in fields.items() if getattr(meeting, name) != value)
    for name in changed:
        setattr(meeting, name, fields[name])
    if changes_scheme:
        meeting.scheme = scheme
        changed.append("scheme")
    meeting.save()
    if changes_cadres:
        _set_cadres(meeting, cadres)
        changed.append("cadres")
    details = {"fields": changed}
    if changes_cadres:
        details["cadres"] = [cadre.pk for cadre in cadres]
    audit.record(actor=by, action="meeting_update", target=meeting, details=details)
    return meeting


def _move(meeting: Meeting, status: str, *, by, capability: str) -> Meeting:
    """Check, lock and move the meeting along its lifecycle; the caller saves and audits.

    Raises PermissionDenied, or IllegalTransition for a move the lifecycle does not allow (including
    a move another operator made a moment earlier: the row is locked and read afresh).
    """
    permissions.ensure(by, capability, meeting.village)
    meeting = Meeting.objects.select_for_update().select_related("village").get(pk=meeting.pk)
    meeting.transition_to(status)
    return meeting


@transaction.atomic
def meeting_announce(*, meeting: Meeting, by) -> Meeting:
    """Make the meeting and its published reports public; operators and township administrators."""
    meeting = _move(meeting, Meeting.Status.ANNOUNCED, by=by, capability=Capability.OPERATE_MEETING)
    if not meeting.reporting.exists():
        raise ValidationError(_("Choose the reporting cadres before announcing the meeting."))
    meeting.save(update_fields=["status", "status_changed_at"])
    audit.record(actor=by, action="meeting_announce", target=meeting)
    return meeting


@transaction.atomic
def voting_open(*, meeting: Meeting, by, warn_below_quorum: bool = False) -> Meeting:
    """Freeze the scheme, the cadres and the roll's size, then accept ballots.

    The roll is counted now and kept: the quorum of this meeting is measured against the roll as it
    stood when voting opened, whatever imports happen afterwards. With `warn_below_quorum` (the staff
    page, until the operator confirms) a quorum not met raises QuorumShortfall instead.
    """
    meeting = _move(meeting, Meeting.Status.VOTING_OPEN, by=by, capability=Capability.OPERATE_MEETING)
    if meeting.is_before_its_day:
        raise ValidationError(
            _("The vote opens on the day of the meeting, %(date)s, not before.")
            % {"date": date_format(timezone.localdate(meeting.held_at), "DATE_FORMAT")}
        )
    if not meeting.reporting.exists():
        raise ValidationError(_("Choose the reporting cadres before opening the vote."))
    roll = Resident.objects.in_village(meeting.village).on_roll()
    meeting.roll_size = roll.count()
    meeting.representatives_size = roll.representatives().count()
    meeting.save(update_fields=["status", "status_changed_at", "roll_size", "representatives_size"])
    quorum = _ensure_quorum_confirmed(meeting, closing=False, warn=warn_below_quorum)
    # The ballot is frozen now: its spoken texts are made once, before the first villager listens.
    speech_prepare(meeting=meeting, by=by)
    audit.record(
        actor=by,
        action="voting_open",
        target=meeting,
        details={
            "roll": meeting.roll_size,
            "representatives": meeting.representatives_size,
            "present": quorum.present,
            "required": quorum.required,
            "quorum_met": quorum.met,
        },
    )
    return meeting


@transaction.atomic
def voting_close(*, meeting: Meeting, by, warn_below_quorum: bool = False) -> Meeting:
    """Stop accepting ballots; the attendance and the quorum it reached are written to the log.

    Refused while villagers' ballots outnumber the people signed in: the operator signs in those who
    were there, or the township annuls the meeting. The codes still unused are voided. With
    `warn_below_quorum` a quorum not met raises QuorumShortfall, after the refusals above.
    """
    meeting = _move(meeting, Meeting.Status.VOTING_CLOSED, by=by, capability=Capability.OPERATE_MEETING)
    # Read under the meeting's lock, which every cast takes too: no ballot slips in after the check.
    refusal = reconciliation_of(meeting).refusal()
    if refusal:
        raise ValidationError(refusal)
    quorum = _ensure_quorum_confirmed(meeting, closing=True, warn=warn_below_quorum)
    meeting.save(update_fields=["status", "status_changed_at"])
    voided = codes_void_unused(meeting=meeting)
    # Shake the box: the order in which ballots were stored must not survive the vote, in the rows or
    # in the database files.
    ballots = ballot_box_seal(meeting=meeting)
    audit.record(
        actor=by,
        action="voting_close",
        target=meeting,
        details={
            "present": quorum.present,
            "required": quorum.required,
            "quorum_met": quorum.met,
            "ballots": ballots,
            "codes_voided": voided,
        },
    )
    return meeting


@transaction.atomic
def meeting_annul(*, meeting: Meeting, reason: str, by) -> Meeting:
    """Township administrators only, and always with a reason that is shown publicly.

    Whatever the status, the codes still unused are voided and the box is shaken as at the close: an
    annulled vote keeps its ballots (for the record), never the order they were cast in.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for annulling the meeting."))
    meeting = _move(meeting, Meeting.Status.ANNULLED, by=by, capability=Capability.MANAGE_MEETINGS)
    meeting.annulment_reason = reason
    meeting.save(update_fields=["status", "status_changed_at", "annulment_reason"])
    voided = codes_void_unused(meeting=meeting)
    ballots = ballot_box_seal(meeting=meeting)
    audit.record(
        actor=by,
        action="meeting_annul",
        target=meeting,
        details={"reason": reason, "ballots": ballots, "codes_voided": voided},
    )
    results_withdraw(meeting=meeting, by=by)
    return meeting


ATTENDANCE_OPEN = {Meeting.Status.ANNOUNCED, Meeting.Status.VOTING_OPEN}


def _attendance_meeting(meeting: Meeting, by) -> Meeting:
    """Check the capability, then read the status afresh under the meeting's lock (which handing out a
    code takes too), so that no one signs in or out after voting has closed."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status not in ATTENDANCE_OPEN:
        raise ValidationError(_("Attendance is recorded only while the meeting is announced or voting."))
    return meeting


def _attend(meeting: Meeting, resident: Resident, by) -> bool:
    refusal = meeting.refusal_of(resident)
    if refusal:
        raise ValidationError(refusal)
    _attendance, created = Attendance.objects.get_or_create(meeting=meeting, resident=resident)
    if created:
        audit.record(actor=by, action="attendance_record", target=meeting, details={"resident": resident.pk})
    return created


@transaction.atomic
def attendance_record(*, meeting: Meeting, resident: Resident, by) -> bool:
    """Sign a resident in; True if newly signed in. Only residents on the village's roll.

    Operators and township administrators of the village, while the meeting is announced or voting.
    """
    meeting = _attendance_meeting(meeting, by)
    return _attend(meeting, resident, by)


@transaction.atomic
def attendance_record_many(*, meeting: Meeting, residents: list[Resident], by) -> list[Resident]:
    """Sign several residents in at once (a household at the desk), all or none; returns those newly
    signed in. Each is checked and logged as attendance_record does one."""
    meeting = _attendance_meeting(meeting, by)
    return [resident for resident in residents if _attend(meeting, resident, by)]


@transaction.atomic
def attendance_undo(*, meeting: Meeting, resident: Resident, by) -> None:
    """Undo a mistaken sign-in, while the meeting is announced or voting.

    Refused once the resident has received a ballot code or a paper sheet: the poll book and the
    reconciliation count them as a voter from then on, whether or not they have cast it yet.
    """
    meeting = _attendance_meeting(meeting, by)
    if PollBookEntry.objects.of_meeting(meeting).filter(resident=resident).exists():
        raise ValidationError(
            _("%(name)s has received a ballot code or a paper ballot: their sign-in can no longer be undone.")
            % {"name": resident.name}
        )
    deleted, _rows = Attendance.objects.filter(meeting=meeting, resident=resident).delete()
    if not deleted:
        raise ValidationError(_("%(name)s is not signed in.") % {"name": resident.name})
    audit.record(actor=by, action="attendance_undo", target=meeting, details={"resident": resident.pk})
