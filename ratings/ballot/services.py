"""Writes of the ballot: codes, the poll book, terminals, casting, and shaking the box.

Secrecy and "one code, one ballot" are decided here:
- a code is burned by a conditional UPDATE (… WHERE status = 'issued'), which exactly one of any
  number of concurrent transactions can win, and the ballot is written in the same transaction;
- nothing written for a ballot names the code, the resident, the terminal, the session or the user,
  and identifiers are random; when voting is over (closed or annulled) the ballots and codes are
  rewritten in random order and the old rows wiped from the database files (ballot_box_seal).
"""

import datetime
import hashlib
import random
import secrets
import uuid
from contextlib import suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from meetings.models import Attendance, Meeting
from meetings.quorum import quorum_of
from portal import audit, durability, permissions, ratelimit
from portal.models import Household, Resident
from portal.permissions import Capability
from ratings.ballot import codes, scrub
from ratings.ballot.spec import BallotSpec, spec_of
from ratings.models import (
    Ballot,
    BallotCode,
    BallotEvaluation,
    BallotGrade,
    BallotNomination,
    CodeBatch,
    DoorCount,
    EvaluationCount,
    GradeCount,
    PaperPrint,
    PollBookCount,
    PollBookEntry,
    Terminal,
    VoterGroup,
)

# Codes may be handed out from the announcement on, so that the clerk can sign villagers in before
# the vote opens; they are redeemed only while voting is open.
ISSUING = {Meeting.Status.ANNOUNCED, Meeting.Status.VOTING_OPEN}
MAX_BATCH = 2000
# Wrong codes on one terminal: free for the first few slips, then waits that double up to a cap.
FREE_ATTEMPTS = 3
FIRST_DELAY = datetime.timedelta(seconds=5)
MAX_DELAY = datetime.timedelta(minutes=5)
# Random draws that collide with a stored code or receipt are drawn again, a bounded number of times:
# a collision is all but impossible, so a run of them means some other constraint fails.
DRAWS = 10
# Row identifiers are 64-bit; anything larger names nothing and must not reach the database.
MAX_ID = 2**63 - 1


ANSWERS = frozenset(BallotEvaluation.Answer.values)

BALLOT_CLEARED = gettext_lazy(
    "This ballot was cleared from the terminal. Nothing was cast; your code can still be used."
)


class BallotRejected(Exception):
    """A ballot or a code that cannot be accepted; the message is user-facing (the view answers 4xx)."""


class CodesLocked(BallotRejected):
    """Too many wrong codes on this terminal, or from this phone's address; `retry_after` seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _key() -> bytes:
    return settings.BALLOT_CODE_KEY.encode()


def _holder_key(meeting: Meeting, resident: Resident) -> str:
    return codes.code_hash(_key(), meeting.pk, f"holder:{resident.pk}")


def _token_hash(token: str) -> str:
    return hashlib.sha256(f"{settings.BALLOT_CODE_KEY}:terminal:{token}".encode()).hexdigest()


def group_for(meeting: Meeting, resident: Resident | None) -> VoterGroup:
    """The most specific group the meeting's scheme has for this voter (None: the township panel)."""
    groups = {group.kind: group for group in meeting.scheme.groups.all()}
    if resident is None:
        wanted = [VoterGroup.Kind.TOWNSHIP_PANEL]
    else:
        wanted = []
        if resident.representative:
            wanted.append(VoterGroup.Kind.REPRESENTATIVE)
        if resident.party_member:
            wanted.append(VoterGroup.Kind.PARTY_MEMBER)
        wanted.append(VoterGroup.Kind.VILLAGER)
    for kind in wanted:
        if kind in groups:
            return groups[kind]
    raise ValidationError(_("The rating scheme has no voter group for this voter."))


def codes_issuing(meeting: Meeting) -> bool:
    """Ballot codes may be handed out (and the poll book kept): announced, or voting."""
    return meeting.status in ISSUING


def _ensure_issuing(meeting: Meeting) -> None:
    if not codes_issuing(meeting):
        raise ValidationError(_("Ballot codes are handed out only while the meeting is announced or voting."))


def _new_code_row(meeting: Meeting, group: VoterGroup, holder_key: str = "", batch=None) -> str:
    collisions = 0
    while True:
        code = codes.new_code()
        try:
            with transaction.atomic():
                BallotCode.objects.create(
                    meeting=meeting,
                    code_hash=codes.code_hash(_key(), meeting.pk, code),
                    group=group,
                    holder_key=holder_key,
                    batch=batch,
                )
            return code
        except IntegrityError:  # a collision of 45 random bits: draw again
            collisions += 1
            if collisions == DRAWS:
                raise


def _poll_book_enter(meeting: Meeting, resident: Resident, already: str, *, paper: bool = False) -> None:
    """Sign the resident in and write in the poll book that they received a code (or a paper sheet):
    once per meeting, whichever door (a code handed out, a pre-printed one, paper), and only if the
    meeting admits them. `already` is the refusal for a second code, with %(name)s."""
    refusal = meeting.refusal_of(resident)
    if refusal:
        raise ValidationError(refusal)
    entry, created = PollBookEntry.objects.get_or_create(
        meeting=meeting, resident=resident, defaults={"paper": paper}
    )
    if not created:
        if entry.paper:
            raise ValidationError(
                _("%(name)s has already received a paper ballot: one ballot per villager.")
                % {"name": resident.name}
            )
        raise ValidationError(already % {"name": resident.name})
    Attendance.objects.get_or_create(meeting=meeting, resident=resident)


@transaction.atomic
def paper_issue(*, meeting: Meeting, resident: Resident, by) -> VoterGroup:
    """Sign the resident in and hand them a paper ballot instead of a code; returns the group whose
    sheets the desk hands out. The poll book says a sheet, never which one."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    meeting = Meeting.objects.select_for_update().select_related("scheme", "village").get(pk=meeting.pk)
    if meeting.status != Meeting.Status.VOTING_OPEN:
        raise ValidationError(_("Paper ballots are handed out only while voting is open."))
    group = group_for(meeting, resident)
    if not PaperPrint.objects.filter(meeting=meeting, group=group).exists():
        raise ValidationError(
            _("No paper ballots are printed for %(group)s yet: print them first.") % {"group": group}
        )
    _poll_book_enter(
        meeting,
        resident,
        _("%(name)s has already received a ballot code: one ballot per villager, on a screen or on paper."),
        paper=True,
    )
    audit.record(actor=by, action="paper_issue", target=meeting, details={"sheets": 1})
    return group


@transaction.atomic
def code_issue(*, meeting: Meeting, resident: Resident, by) -> str:
    """Sign the resident in and hand them a code; returns the code, shown or printed once.

    Operators and township administrators of the village. The poll book records that the resident
    received a code; the code remembers its holder only until it is used (to void it if lost).
    """
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    meeting = Meeting.objects.select_for_update().select_related("scheme", "village").get(pk=meeting.pk)
    _ensure_issuing(meeting)
    _poll_book_enter(
        meeting, resident, _("%(name)s has already received a ballot code. If it was lost, reprint it.")
    )
    code = _new_code_row(meeting, group_for(meeting, resident), _holder_key(meeting, resident))
    audit.record(actor=by, action="code_issue", target=meeting, details={"codes": 1})
    return code


@transaction.atomic
def code_reissue(*, meeting: Meeting, resident: Resident, by) -> str:
    """A lost code: void the resident's unused code and hand out a new one."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    meeting = Meeting.objects.select_for_update().select_related("scheme", "village").get(pk=meeting.pk)
    _ensure_issuing(meeting)
    entry = PollBookEntry.objects.filter(meeting=meeting, resident=resident).first()
    if entry is None:
        raise ValidationError(_("%(name)s has not received a code yet.") % {"name": resident.name})
    if entry.paper:
        raise ValidationError(
            _("%(name)s has received a paper ballot, not a code: one ballot per villager.")
            % {"name": resident.name}
        )
    holder = _holder_key(meeting, resident)
    voided = BallotCode.objects.filter(
        meeting=meeting, holder_key=holder, status=BallotCode.Status.ISSUED
    ).update(status=BallotCode.Status.VOIDED, holder_key="")
    if not voided:
        raise ValidationError(
            _(
                "%(name)s's code cannot be reprinted: it has been used (one ballot per villager), or it "
                "was a pre-printed code, which can only be voided by typing it in."
            )
            % {"name": resident.name}
        )
    code = _new_code_row(meeting, group_for(meeting, resident), holder)
    audit.record(actor=by, action="code_reissue", target=meeting, details={"voided": voided})
    return code


@transaction.atomic
def codes_issue_batch(
    *, meeting: Meeting, count: int, by, purpose: str = CodeBatch.Purpose.SIGN_IN, note: str = ""
) -> list[str]:
    """Codes to pre-print and hand out in random order, for a stated purpose; they name no holder.

    Bounded so that no batch can stuff the box: the roll's codes (handed out and printed, unless
    voided) never outnumber the voters on the roll, nor the panel's its seats. `by` None is the
    command line (manage.py issue_codes), which runs with the server's authority.
    """
    if by is not None:
        permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    meeting = Meeting.objects.select_for_update().select_related("scheme", "village").get(pk=meeting.pk)
    _ensure_issuing(meeting)
    if not 1 <= count <= MAX_BATCH:
        raise ValidationError(_("Print between 1 and %(max)s codes at a time.") % {"max": MAX_BATCH})
    if purpose not in CodeBatch.Purpose.values:
        raise ValidationError(_("Say what the codes are for."))
    left = batch_room(meeting)[purpose]
    if count > left:
        raise ValidationError(_batch_refusal(meeting, purpose, count, left))
    panel = purpose == CodeBatch.Purpose.PANEL
    group = group_for(meeting, None) if panel else group_for_villagers(meeting)
    batch = CodeBatch.objects.create(
        meeting=meeting, purpose=purpose, note=note.strip(), size=count, printed_by=by
    )
    issued = [_new_code_row(meeting, group, batch=batch) for _ in range(count)]
    audit.record(
        actor=by,
        action="codes_issue_batch",
        target=meeting,
        details={"codes": count, "purpose": purpose, "note": batch.note, "panel": panel},
    )
    return issued


def batch_room(meeting: Meeting) -> dict[str, int]:
    """How many more codes may be printed for each purpose: the voters on the roll (frozen when voting
    opened) less the roll's codes not voided; the panel's seats less its codes not voided."""
    codes_kept = BallotCode.objects.of_meeting(meeting).not_voided()
    return {
        CodeBatch.Purpose.SIGN_IN: max(quorum_of(meeting).base - codes_kept.for_roll().count(), 0),
        CodeBatch.Purpose.PANEL: max(meeting.panel_seats - codes_kept.for_panel().count(), 0),
    }


def panel_codes_kept(meeting: Meeting) -> int:
    """The township panel's codes not voided: its seats may not go below them."""
    return BallotCode.objects.of_meeting(meeting).not_voided().for_panel().count()


def _batch_refusal(meeting: Meeting, purpose: str, count: int, left: int) -> str:
    if purpose == CodeBatch.Purpose.PANEL:
        return ngettext(
            "The township panel has %(seats)s seats at this meeting: %(left)s more code can be printed "
            "for it, not %(count)s.",
            "The township panel has %(seats)s seats at this meeting: %(left)s more codes can be printed "
            "for it, not %(count)s.",
            left,
        ) % {"seats": meeting.panel_seats, "left": left, "count": count}
    return ngettext(
        "Codes for the roll may not outnumber its %(voters)s voters: %(left)s more code can be printed, "
        "not %(count)s. Void the codes that were lost or spoiled first.",
        "Codes for the roll may not outnumber its %(voters)s voters: %(left)s more codes can be printed, "
        "not %(count)s. Void the codes that were lost or spoiled first.",
        left,
    ) % {"voters": quorum_of(meeting).base, "left": left, "count": count}


def group_for_villagers(meeting: Meeting) -> VoterGroup:
    groups = {group.kind: group for group in meeting.scheme.groups.all()}
    if VoterGroup.Kind.VILLAGER not in groups:
        raise ValidationError(_("The rating scheme has no voter group for villagers."))
    return groups[VoterGroup.Kind.VILLAGER]


@transaction.atomic
def poll_book_record(*, meeting: Meeting, resident: Resident, by) -> bool:
    """A pre-printed code was handed to this resident: record who, never which code."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    # The status read afresh under the lock, as code_issue does: no entry after voting has closed.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _ensure_issuing(meeting)
    _poll_book_enter(meeting, resident, _("%(name)s has already received a ballot code."))
    audit.record(actor=by, action="poll_book_record", target=meeting)
    return True


@transaction.atomic
@transaction.atomic
def poll_book_assisted(*, meeting: Meeting, resident: Resident, by, assisted: bool = True) -> bool:
    """A helper of the villager's choice marks their ballot (代写): the poll book counts that it
    happened, never which ballot. Set, or undone after a slip, while voting is open; True if changed.

    Nothing about it is written on a ballot; sealing the box keeps only the figure (assisted_count).
    """
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    # Under the lock the close takes too: no flag is set or undone once the seal has counted them.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.VOTING_OPEN:
        raise ValidationError(_("Assisted voting is recorded only while voting is open."))
    entry = PollBookEntry.objects.filter(meeting=meeting, resident=resident).first()
    if entry is None:
        raise ValidationError(
            _("%(name)s has not received a ballot yet: hand them a code or a paper ballot first.")
            % {"name": resident.name}
        )
    if entry.assisted == assisted:
        return False
    PollBookEntry.objects.filter(pk=entry.pk).update(assisted=assisted)
    audit.record(
        actor=by,
        action="poll_book_assisted" if assisted else "poll_book_assisted_undo",
        target=meeting,
        details={"resident": resident.pk},
    )
    return True


def code_void(*, meeting: Meeting, code: str, by) -> None:
    """Void an unused code, e.g. one found on the floor."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    code = codes.normalize(code)
    if not codes.is_well_formed(code):
        raise ValidationError(_("This is not a valid ballot code; check for a typing error."))
    voided = BallotCode.objects.filter(
        meeting=meeting, code_hash=codes.code_hash(_key(), meeting.pk, code), status=BallotCode.Status.ISSUED
    ).update(status=BallotCode.Status.VOIDED, holder_key="")
    if not voided:
        raise ValidationError(_("No unused code of this meeting matches."))
    audit.record(actor=by, action="code_void", target=meeting)


@transaction.atomic
def codes_void_unused(*, meeting: Meeting) -> int:
    """Void every code still unused, when voting closes (whose audit entry says how many)."""
    return (
        BallotCode.objects.of_meeting(meeting)
        .filter(status=BallotCode.Status.ISSUED)
        .update(status=BallotCode.Status.VOIDED, holder_key="")
    )


# --- terminals ------------------------------------------------------------------------------------


@transaction.atomic
def terminal_arm(*, meeting: Meeting, label: str, by) -> tuple[Terminal, str]:
    """Arm a browser for the meeting's ballot; returns the terminal and the token for its cookie."""
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    if meeting.is_closed:
        raise ValidationError(_("This meeting is over; its terminals cannot be armed."))
    label = (label or "").strip()[:50] or _("Terminal")
    token = secrets.token_urlsafe(32)
    terminal = Terminal.objects.create(
        meeting=meeting, label=label, token_hash=_token_hash(token), armed_by=by
    )
    audit.record(
        actor=by, action="terminal_arm", target=meeting, details={"terminal": terminal.pk, "label": label}
    )
    return terminal, token


@transaction.atomic
def terminal_disarm(*, terminal: Terminal, by) -> Terminal:
    permissions.ensure(by, Capability.OPERATE_MEETING, terminal.meeting.village)
    terminal = Terminal.objects.select_for_update().get(pk=terminal.pk)
    if terminal.disarmed_at is None:
        terminal.disarmed_at = timezone.now()
        terminal.save(update_fields=["disarmed_at"])
        audit.record(
            actor=by, action="terminal_disarm", target=terminal.meeting, details={"terminal": terminal.pk}
        )
    return terminal


# Every page of a terminal looks the terminal up by its cookie. The terminal's row and its meeting's
# status are read fresh (one query, written in SQL: the ORM's building of a three-table query was most of
# a kiosk page's time); the rest of the meeting (its village, year, scheme), which the pages only show,
# comes from the cache for a minute. Whatever decides a ballot is read again by the service under lock.
TERMINAL_LOOKUP = (
    "SELECT t.*, m.status AS meeting_status, m.phones_allowed AS meeting_phones_allowed "
    "FROM {terminal} t JOIN {meeting} m ON m.id = t.meeting_id "
    "WHERE t.token_hash = %s AND t.disarmed_at IS NULL"
)
MEETING_SHOWN_SECONDS = 60


def _meeting_shown(meeting_id: int) -> Meeting:
    key = f"terminal-meeting:{meeting_id}"
    meeting = cache.get(key)
    if meeting is None:
        meeting = Meeting.objects.select_related("village", "scheme").get(pk=meeting_id)
        cache.set(key, meeting, MEETING_SHOWN_SECONDS)
    return meeting


def terminal_from_token(token: str | None) -> Terminal | None:
    """The armed terminal this browser's cookie names, if any, with its meeting (status read now)."""
    if not token:
        return None
    sql = TERMINAL_LOOKUP.format(terminal=Terminal._meta.db_table, meeting=Meeting._meta.db_table)
    terminal = next(iter(Terminal.objects.raw(sql, [_token_hash(token)])), None)
    if terminal is None:
        return None
    meeting = _meeting_shown(terminal.meeting_id)
    meeting.status, meeting.phones_allowed = terminal.meeting_status, terminal.meeting_phones_allowed
    terminal.meeting = meeting
    return terminal


# What a screen may report of itself. "Voting" and "idle" are said only while a ballot is on it.
TERMINAL_STATES = frozenset(Terminal.State.values)
# A screen reporting the same state again is written down at most this often (a change of state always
# is): the heartbeat and every kiosk page report, and "last heard" only serves to find a terminal
# silent for KIOSK_ABANDONED_SECONDS, which a tenth of that resolves well enough.
SEEN_EVERY_MAX = datetime.timedelta(seconds=30)


def _seen_every() -> datetime.timedelta:
    return min(SEEN_EVERY_MAX, datetime.timedelta(seconds=settings.KIOSK_ABANDONED_SECONDS / 10))


@transaction.atomic
def terminal_clear(*, terminal: Terminal, by, reason: str, clears: int | None = None) -> Terminal:
    """Clear whatever ballot is in progress on the terminal, wherever it is kept, and audit it.

    A ballot records the terminal's count of clears when it begins (`clears`); counting one more makes
    every ballot begun before void (`terminal_report`), so that a stale page, a session or a form
    kept in the page can neither continue it nor cast it. The code it was begun with is not burned:
    the villager may start again. `by` is the operator who cleared it from the terminal list, or None
    for the terminal's own clearing (`reason`: "idle" when the "still voting?" question went
    unanswered, "abandoned" when the terminal was silent past KIOSK_ABANDONED_SECONDS, "voter" when the
    villager cleared it). The audit entry says which terminal, why and from what state, nothing more.
    With `clears`, only the ballot begun under that count is cleared: if the terminal was cleared
    meanwhile (two requests noticing the same abandoned ballot), nothing more happens.
    """
    if by is not None:
        permissions.ensure(by, Capability.OPERATE_MEETING, terminal.meeting.village)
    terminal = (
        Terminal.objects.select_for_update(of=("self",))
        .select_related("meeting__village")
        .get(pk=terminal.pk)
    )
    if not terminal.is_armed:
        raise ValidationError(_("This terminal has been disarmed: there is nothing to clear."))
    if clears is not None and clears != terminal.clears:
        return terminal
    was = terminal.state
    terminal.clears += 1
    terminal.state, terminal.state_since = Terminal.State.WAITING, timezone.now()
    terminal.save(update_fields=["clears", "state", "state_since"])
    audit.record(
        actor=by,
        action="terminal_clear",
        target=terminal.meeting,
        details={"terminal": terminal.pk, "label": terminal.label, "reason": reason, "state": was},
    )
    return terminal


def terminal_abandoned(terminal: Terminal, now: datetime.datetime | None = None) -> bool:
    """A ballot was on the screen, and the terminal has sent nothing for KIOSK_ABANDONED_SECONDS."""
    now = now or timezone.now()
    silent = datetime.timedelta(seconds=settings.KIOSK_ABANDONED_SECONDS)
    return terminal.state != Terminal.State.WAITING and (
        terminal.seen_at is None or now - terminal.seen_at > silent
    )


def terminal_report(*, terminal: Terminal, state: str, clears: int | None) -> bool:
    """The terminal's screen says what it shows now: a kiosk page served, or the page's heartbeat.

    `clears` is the count the screen's ballot began under (None: no ballot on the screen). Returns
    whether that ballot is current; False when it dates from before the latest clear, which the caller
    answers by dropping it and going back to the welcome page. A terminal found silent past
    KIOSK_ABANDONED_SECONDS with a ballot on it is cleared first (an automatic, audited clear). Only
    the state and when are written, nothing of the ballot; `terminal` is updated in place.
    """
    if state not in TERMINAL_STATES:
        raise ValidationError(_("Unknown terminal state."))
    now = timezone.now()
    if terminal_abandoned(terminal, now):
        try:
            fresh = terminal_clear(terminal=terminal, by=None, reason="abandoned", clears=terminal.clears)
        except ValidationError:  # disarmed meanwhile: no screen to be current on
            return False
        terminal.clears, terminal.state, terminal.state_since = fresh.clears, fresh.state, fresh.state_since
    current = clears is None or clears == terminal.clears
    if not current:
        state = terminal.state  # the clear has set it; a stale screen says nothing of its own
    heard = terminal.seen_at is not None and now - terminal.seen_at < _seen_every()
    if heard and state == terminal.state:
        return current  # nothing new to write down
    same = Q(state=state, state_since__isnull=False)
    with durability.screen_state():
        Terminal.objects.filter(pk=terminal.pk).update(
            state=state,
            state_since=Case(When(same, then=F("state_since")), default=Value(now)),
            seen_at=now,
        )
    if state != terminal.state or terminal.state_since is None:
        terminal.state, terminal.state_since = state, now
    terminal.seen_at = now
    return current


# --- checking a code on the terminal -------------------------------------------------------------


def _delay_after(failures: int) -> datetime.timedelta:
    if failures < FREE_ATTEMPTS:
        return datetime.timedelta(0)
    # The exponent stops growing long after the cap is reached: 2**n would overflow a timedelta.
    return min(FIRST_DELAY * 2 ** min(failures - FREE_ATTEMPTS, 32), MAX_DELAY)


def _locked(wait: int) -> CodesLocked:
    return CodesLocked(
        ngettext(
            "Too many wrong codes. Please wait %(seconds)s second and try again.",
            "Too many wrong codes. Please wait %(seconds)s seconds and try again.",
            wait,
        )
        % {"seconds": wait},
        retry_after=wait,
    )


def _ensure_unlocked(terminal: Terminal, now: datetime.datetime) -> None:
    if terminal.locked_until and terminal.locked_until > now:
        raise _locked(int((terminal.locked_until - now).total_seconds()) + 1)


def _note_failure(terminal: Terminal, now: datetime.datetime) -> None:
    """One more wrong code on this terminal (locked by the caller): the wait before the next grows."""
    terminal.failed_attempts += 1
    delay = _delay_after(terminal.failed_attempts)
    terminal.locked_until = now + delay if delay else None
    terminal.save(update_fields=["failed_attempts", "locked_until"])


def _may_vote(meeting: Meeting, code: str) -> bool:
    """Whether `code` (canonical) is an issued, unused code of the meeting."""
    return (
        codes.is_well_formed(code)
        and BallotCode.objects.filter(
            meeting=meeting,
            code_hash=codes.code_hash(_key(), meeting.pk, code),
            status=BallotCode.Status.ISSUED,
        ).exists()
    )


WRONG_CODE = gettext_lazy(
    "This code is not valid, or it has been used. Check it and type it again, or ask the clerk."
)


def code_check(*, terminal: Terminal, typed: str) -> str:
    """Whether the typed code may vote now on this terminal; returns it in canonical form. Burns nothing.

    Wrong codes are counted on the terminal alone: its waits grow, other terminals behind the same
    network address are untouched. The check holds the terminal's row, so that codes tried at the same
    instant on one terminal (several tabs, a script) are tried one after another, each against the wait
    the previous ones set. A good code puts the terminal's screen to "voting".
    """
    code = codes.normalize(typed if isinstance(typed, str) else "")
    meeting = terminal.meeting  # its status as read with the terminal: the cast reads it again, locked
    if meeting.status != Meeting.Status.VOTING_OPEN:
        raise BallotRejected(_("Voting is not open."))
    # The terminal's screen state and its wrong codes: writes a power cut may lose (portal.durability).
    with durability.screen_state():
        locked = Terminal.objects.armed().select_for_update(of=("self",)).filter(pk=terminal.pk).first()
        if locked is None:
            raise BallotRejected(_("This terminal has been disarmed."))
        now = timezone.now()
        _ensure_unlocked(locked, now)
        if _may_vote(meeting, code):
            # The screen goes on to a ballot: said here, in the check's own transaction, rather than by
            # a write of its own when the ballot page is shown (ballot_cast says "waiting" the same way).
            locked.failed_attempts, locked.locked_until = 0, None
            locked.state, locked.state_since, locked.seen_at = Terminal.State.VOTING, now, now
            locked.save(update_fields=["failed_attempts", "locked_until", "state", "state_since", "seen_at"])
            return code
        _note_failure(locked, now)
    raise BallotRejected(WRONG_CODE)


def _phone_wait(address: str) -> None:
    """Too many wrong codes from this network address lately: a CodesLocked with the wait."""
    limit = ratelimit.phone_codes()
    if limit.exhausted(address):
        raise _locked(limit.retry_after)


def _note_phone_failure(address: str) -> None:
    with suppress(ratelimit.RateLimited):  # the next try is refused by _phone_wait, with its wait
        ratelimit.phone_codes().spend(address)


def _ensure_phones_voting(meeting: Meeting, *, lock: bool = False) -> Meeting:
    """The meeting, read afresh (and held for a cast), if it accepts ballots from phones now."""
    meeting = _meeting_held_open(meeting.pk) if lock else Meeting.objects.get(pk=meeting.pk)
    if meeting.status != Meeting.Status.VOTING_OPEN:
        raise BallotRejected(_("Voting is not open."))
    if not meeting.phones_allowed:
        raise BallotRejected(_("This meeting does not take ballots from phones. Please vote at a terminal."))
    return meeting


def phone_code_check(*, meeting: Meeting, typed: str, address: str) -> str:
    """Whether the code may vote now from a villager's phone; returns it in canonical form.

    Phones have no terminal to count wrong codes on: they are counted per network address, in the cache
    (portal.ratelimit.phone_codes), and only the wrong ones, so that phones sharing a venue's address
    are not slowed by each other's good codes. Nothing is written for a good code.
    """
    _phone_wait(address)
    meeting = _ensure_phones_voting(meeting)
    code = codes.normalize(typed if isinstance(typed, str) else "")
    if _may_vote(meeting, code):
        return code
    _note_phone_failure(address)
    raise BallotRejected(WRONG_CODE)


# --- casting --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastBallot:
    receipt: str


class _CodeRefused(Exception):
    """Inside ballot_cast: the code cannot vote. Rolls the cast back; the failure is then counted."""


def _row_id(value) -> int:
    """A row identifier as the caller gave it (an int, or a string of digits from a form), or a 4xx."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if type(value) is not int or not 0 < value <= MAX_ID:
        raise BallotRejected(_("The ballot is not filled in correctly. Please start again."))
    return value


def _clean_choices(grades, households) -> tuple[dict[tuple[int, int | None], int], list[int]]:
    """The choices as row identifiers, whatever shape they came in: junk is a 4xx, never a 500."""
    if not isinstance(grades, dict) or not isinstance(households, (list, tuple)):
        raise BallotRejected(_("The ballot is not filled in correctly. Please start again."))
    cleaned = {}
    for key, grade in grades.items():
        if not isinstance(key, tuple) or len(key) != 2:
            raise BallotRejected(_("The ballot is not filled in correctly. Please start again."))
        cadre, criterion = key
        cleaned[(_row_id(cadre), None if criterion is None else _row_id(criterion))] = _row_id(grade)
    if len(cleaned) != len(grades):  # "7" and 7 named the same line twice
        raise BallotRejected(_("The ballot is not filled in correctly. Please start again."))
    return cleaned, [_row_id(household) for household in households]


def _validate_choices(spec: BallotSpec, grades: dict[tuple[int, int | None], int]):
    """Every reporting cadre graded on every criterion (or once, overall, in quick mode)."""
    expected = {(cadre, criterion) for cadre in spec.cadre_ids for criterion in spec.criterion_ids}
    unknown = set(grades) - expected
    if unknown:
        raise BallotRejected(_("The ballot names a cadre or a criterion that is not part of this vote."))
    if set(grades) != expected:
        raise BallotRejected(_("Every cadre must be given a grade on every line (or “don't know”)."))
    if not set(grades.values()) <= spec.grade_ids:
        raise BallotRejected(_("The ballot holds a grade that is not on this meeting's scale."))


def _clean_evaluations(evaluations) -> dict[int, str]:
    """The answers on households' evaluations as proposal id → answer: junk is a 4xx, never a 500."""
    if evaluations is None:
        return {}
    if not isinstance(evaluations, dict):
        raise BallotRejected(_("The ballot is not filled in correctly. Please start again."))
    cleaned = {_row_id(proposal): answer for proposal, answer in evaluations.items()}
    if len(cleaned) != len(evaluations):
        raise BallotRejected(_("The ballot is not filled in correctly. Please start again."))
    if not all(isinstance(answer, str) and answer in ANSWERS for answer in cleaned.values()):
        raise BallotRejected(_("The ballot holds an answer other than agree, disagree or abstain."))
    return cleaned


def _validate_evaluations(spec: BallotSpec, evaluations: dict[int, str]) -> None:
    """Every household's evaluation on the meeting's agenda answered, and no other: a proposal of
    another meeting or another village is never on this agenda."""
    if set(evaluations) - set(spec.proposal_ids):
        raise BallotRejected(
            _("The ballot names a household's evaluation that is not on this meeting's agenda.")
        )
    if set(evaluations) != set(spec.proposal_ids):
        raise BallotRejected(_("Every household on the agenda must be answered (or “abstain”)."))


def check_nomination_limit(limit: int, households: list) -> None:
    """No more households on one ballot than the scheme allows."""
    if len(households) > limit:
        raise BallotRejected(
            ngettext(
                "You can nominate at most %(count)s household.",
                "You can nominate at most %(count)s households.",
                limit,
            )
            % {"count": limit}
        )


def _validate_nominations(spec: BallotSpec, households: list[int]) -> list[int]:
    unique = list(dict.fromkeys(households))
    if len(unique) != len(households):
        raise BallotRejected(_("A household can be nominated only once."))
    check_nomination_limit(spec.max_nominations, unique)
    if unique and Household.objects.filter(pk__in=unique, village_id=spec.village).count() != len(unique):
        raise BallotRejected(_("Only households of this village can be nominated."))
    return unique


def ballot_cast(
    *,
    terminal: Terminal,
    code: str,
    grades: dict[tuple[int, int | None], int],
    households: list[int],
    evaluations: dict[int, str] | None = None,
    clears: int | None = None,
) -> CastBallot:
    """Burn the code and write the ballot cast on a terminal, its grades and nominations: all in one
    transaction or none.

    `grades` maps (cadre id, criterion id or None for overall) to a grade id, `evaluations` a
    household's evaluation on the agenda (proposal id) to agree, disagree or abstain. No person, code,
    terminal, session or time finer than the meeting's date is written with the ballot.

    A code that cannot vote counts as a wrong code on the terminal, as in code_check: the service is
    a door of its own, whatever the view in front of it checked before. `clears` is the terminal's
    count of clears when the ballot began: a ballot cleared since is refused, under the terminal's
    lock, so that a clear and a cast at the same instant never both succeed.
    """
    grades, households = _clean_choices(grades, households)
    evaluations = _clean_evaluations(evaluations)

    def admit() -> Meeting:
        # The meeting's row first, then the terminal's, in the order voting_close and terminal_clear
        # take them; the terminal read under its lock also says whether it is still armed.
        meeting = _meeting_held_open(terminal.meeting_id)
        # of=self: the terminals' ordering joins the meeting, whose row FOR UPDATE would lock as well.
        locked = Terminal.objects.armed().select_for_update(of=("self",)).filter(pk=terminal.pk).first()
        if locked is None:
            raise BallotRejected(_("This terminal has been disarmed."))
        if meeting.status != Meeting.Status.VOTING_OPEN:
            raise BallotRejected(_("Voting is not open."))
        if clears is not None and locked.clears != clears:
            raise BallotRejected(BALLOT_CLEARED)
        now = timezone.now()
        _ensure_unlocked(locked, now)
        # The screen goes on to the receipt, no ballot on it: said here, in the cast's own transaction,
        # rather than by a write of its own when the receipt is shown.
        Terminal.objects.filter(pk=terminal.pk).update(
            state=Terminal.State.WAITING, state_since=now, seen_at=now
        )
        return meeting

    try:
        return _cast(admit, Ballot.Door.TERMINAL, code, grades, households, evaluations)
    except _CodeRefused:
        with transaction.atomic():
            _note_failure(Terminal.objects.select_for_update().get(pk=terminal.pk), timezone.now())
        raise BallotRejected(_("This code is not valid, or it has been used.")) from None


def phone_ballot_cast(
    *,
    meeting: Meeting,
    address: str,
    code: str,
    grades: dict[tuple[int, int | None], int],
    households: list[int],
    evaluations: dict[int, str] | None = None,
) -> CastBallot:
    """Burn the code and write a ballot cast from a villager's phone, as ballot_cast does for a terminal.

    The meeting must take ballots from phones. `address` (the phone's network address) only counts
    wrong codes, in the cache, as phone_code_check does; it is never written with the ballot.
    """
    grades, households = _clean_choices(grades, households)
    evaluations = _clean_evaluations(evaluations)
    _phone_wait(address)
    try:
        return _cast(
            lambda: _ensure_phones_voting(meeting, lock=True),
            Ballot.Door.PHONE,
            code,
            grades,
            households,
            evaluations,
        )
    except _CodeRefused:
        _note_phone_failure(address)
        raise BallotRejected(_("This code is not valid, or it has been used.")) from None


def _meeting_held_open(meeting_id: int) -> Meeting:
    """The meeting's row, read for a cast and held so that voting cannot close (and the box be shaken)
    halfway through it.

    On PostgreSQL the hold is a share lock: casts hold it together, and voting_close's FOR UPDATE waits
    for those in flight, then the next casts find voting closed. Django asks only for exclusive locks,
    which would make a whole assembly's casts wait for one another. SQLite has one writer anyway.
    """
    connection = connections[router.db_for_write(Meeting)]
    if connection.vendor != "postgresql":
        return Meeting.objects.select_for_update().get(pk=meeting_id)
    table = connection.ops.quote_name(Meeting._meta.db_table)
    held = list(Meeting.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [meeting_id]))  # noqa: S608
    if not held:
        raise Meeting.DoesNotExist
    return held[0]


def _cast(admit, door: str, code, grades: dict, households: list[int], evaluations: dict) -> CastBallot:
    """One transaction: `admit()` checks the door and returns the meeting (locked), then the choices are
    checked, the code burned and the ballot written. Raises _CodeRefused when the code cannot vote."""
    with transaction.atomic():
        meeting = admit()
        spec = spec_of(meeting)
        _validate_choices(spec, grades)
        _validate_evaluations(spec, evaluations)
        nominated = _validate_nominations(spec, households)
        code = codes.normalize(code if isinstance(code, str) else "")
        if not codes.is_well_formed(code):
            raise _CodeRefused
        burnable = BallotCode.objects.filter(
            meeting=meeting,
            code_hash=codes.code_hash(_key(), meeting.pk, code),
            status=BallotCode.Status.ISSUED,
        )
        group_id = burnable.values_list("group_id", flat=True).first()
        # The conditional UPDATE is the lock: of any number of transactions burning this code at
        # the same instant, exactly one changes a row; the others find nothing and write nothing.
        if group_id is None or burnable.update(status=BallotCode.Status.USED, holder_key="") != 1:
            raise _CodeRefused
        ballot = _write_ballot(meeting, group_id, grades, nominated, door, evaluations)
    return CastBallot(receipt=ballot.receipt)


def _write_ballot(
    meeting: Meeting, group_id: int, grades: dict, households: list[int], door: str, evaluations: dict
) -> Ballot:
    collisions = 0
    while True:
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    meeting=meeting,
                    group_id=group_id,
                    receipt=codes.new_receipt(),
                    cast_on=timezone.localdate(meeting.held_at),
                    door=door,
                )
            break
        except IntegrityError:  # the same receipt twice in one meeting: draw again
            collisions += 1
            if collisions == DRAWS:
                raise
    _insert_rows(
        BallotGrade,
        ("id", "ballot_id", "cadre_id", "criterion_id", "grade_id"),
        [(uuid.uuid4(), ballot.pk, cadre, criterion, grade) for (cadre, criterion), grade in grades.items()],
    )
    _insert_rows(
        BallotNomination,
        ("id", "ballot_id", "household_id"),
        [(uuid.uuid4(), ballot.pk, household) for household in households],
    )
    _insert_rows(
        BallotEvaluation,
        ("id", "ballot_id", "proposal_id", "answer"),
        [(uuid.uuid4(), ballot.pk, proposal, answer) for proposal, answer in evaluations.items()],
    )
    return ballot


def _insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert a ballot's grades, nominations or answers in one statement run for every row.

    A whole assembly casts at once, and building a model instance per row was half a cast's time: the
    values are made ready for the database by the fields themselves (the random UUIDs above all, stored
    differently by SQLite and PostgreSQL), then written with the driver's executemany.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(column.removesuffix("_id")) for column in columns]
    prepared = [
        tuple(field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True))
        for row in rows
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    # Table and column names are the model's own, never a caller's input.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


@transaction.atomic
def ballots_shake(*, meeting: Meeting) -> int:
    """Rewrite the meeting's ballots and codes in random order with new identifiers: shake the box.

    Whatever order the rows were stored in is lost: the identifiers are new, and the rows are written
    again in random order (SQLite numbers rows in insertion order, PostgreSQL stores them that way and
    stamps each with its writing transaction; after the shake all of them carry the shake's). The codes
    are rewritten too: each was burned in the transaction that wrote its ballot, in the order of casting.
    What the database files keep of the old rows is wiped by ballot_box_seal. Called when voting
    closes or the meeting is annulled, under the meeting's lock; returns the number of ballots.
    """
    ballots = Ballot.objects.filter(meeting=meeting)
    # Read with joins, not with a list of every ballot's identifier in an IN clause.
    grades: dict = {}
    for ballot_id, cadre, criterion, grade in BallotGrade.objects.filter(ballot__meeting=meeting).values_list(
        "ballot_id", "cadre_id", "criterion_id", "grade_id"
    ):
        grades.setdefault(ballot_id, []).append((cadre, criterion, grade))
    nominations: dict = {}
    for ballot_id, household in BallotNomination.objects.filter(ballot__meeting=meeting).values_list(
        "ballot_id", "household_id"
    ):
        nominations.setdefault(ballot_id, []).append(household)
    evaluations: dict = {}
    for ballot_id, proposal, answer in BallotEvaluation.objects.of_meeting(meeting).values_list(
        "ballot_id", "proposal_id", "answer"
    ):
        evaluations.setdefault(ballot_id, []).append((proposal, answer))
    contents = [
        ((group, receipt, cast_on), grades.get(pk, []), nominations.get(pk, []), evaluations.get(pk, []))
        for pk, group, receipt, cast_on in ballots.values_list("pk", "group_id", "receipt", "cast_on")
    ]
    _doors_count(meeting, ballots)
    shuffle = random.SystemRandom().shuffle
    shuffle(contents)
    ballots.delete()
    # No door on the new rows: a door few used (phones, a handful of paper sheets) would single out
    # their ballots. DoorCount keeps how many came in by each.
    fresh = [
        Ballot(meeting=meeting, group_id=group, receipt=receipt, cast_on=cast_on)
        for (group, receipt, cast_on), _grades, _households, _answers in contents
    ]
    Ballot.objects.bulk_create(fresh)
    BallotGrade.objects.bulk_create(
        BallotGrade(ballot=ballot, cadre_id=cadre, criterion_id=criterion, grade_id=grade)
        for ballot, (_ballot, ballot_grades, _h, _a) in zip(fresh, contents, strict=True)
        for cadre, criterion, grade in ballot_grades
    )
    BallotNomination.objects.bulk_create(
        BallotNomination(ballot=ballot, household_id=household)
        for ballot, (_ballot, _grades, households, _a) in zip(fresh, contents, strict=True)
        for household in households
    )
    BallotEvaluation.objects.bulk_create(
        BallotEvaluation(ballot=ballot, proposal_id=proposal, answer=answer)
        for ballot, (_ballot, _grades, _h, answers) in zip(fresh, contents, strict=True)
        for proposal, answer in answers
    )
    codes_of_meeting = BallotCode.objects.filter(meeting=meeting)
    code_rows = list(
        codes_of_meeting.values_list("code_hash", "group_id", "status", "holder_key", "batch_id")
    )
    shuffle(code_rows)
    codes_of_meeting.delete()
    BallotCode.objects.bulk_create(
        BallotCode(
            meeting=meeting,
            code_hash=code_hash,
            group_id=group,
            status=status,
            holder_key=holder,
            batch_id=batch,
        )
        for code_hash, group, status, holder, batch in code_rows
    )
    return len(fresh)


@dataclass(frozen=True)
class PaperBallot:
    """What one paper sheet says, as the box stores it."""

    group_id: int
    grades: dict[tuple[int, int | None], int]
    households: list[int]
    evaluations: dict[int, str] = field(default_factory=dict)


def paper_ballots_add(*, meeting: Meeting, ballots: list[PaperBallot]) -> int:
    """Put the paper count's ballots into the box, then seal it again: all at once, in random order,
    with nothing that leads back to a sheet. Called by the paper count's closure, in its transaction,
    under the meeting's lock; returns the number of ballots in the box."""
    spec = spec_of(meeting)
    ballots = list(ballots)
    random.SystemRandom().shuffle(ballots)
    for ballot in ballots:
        _validate_choices(spec, ballot.grades)
        evaluations = _clean_evaluations(ballot.evaluations)
        _validate_evaluations(spec, evaluations)
        nominated = _validate_nominations(spec, ballot.households)
        _write_ballot(meeting, ballot.group_id, ballot.grades, nominated, Ballot.Door.PAPER, evaluations)
    return ballot_box_seal(meeting=meeting)


def _doors_count(meeting: Meeting, ballots) -> None:
    """Add the doors still written on the meeting's ballots to its DoorCount (a second seal, after the
    paper count, finds only the paper ballots' doors on the rows)."""
    for door, count in ballots.exclude(door=None).order_by().values_list("door").annotate(n=Count("pk")):
        tally, _created = DoorCount.objects.select_for_update().get_or_create(meeting=meeting, door=door)
        DoorCount.objects.filter(pk=tally.pk).update(ballots=F("ballots") + count)


def counts_keep(*, meeting: Meeting) -> None:
    """Write the box's histograms as rows of their own (GradeCount, EvaluationCount), replacing any
    kept before: what every figure after the close is worked out from. Part of sealing the box."""
    GradeCount.objects.of_meeting(meeting).delete()
    GradeCount.objects.bulk_create(
        GradeCount(
            meeting=meeting, cadre_id=cadre, criterion_id=criterion, group_id=group, grade_id=grade, ballots=n
        )
        for cadre, criterion, group, grade, n in BallotGrade.objects.of_meeting(meeting).counts_by_id()
    )
    EvaluationCount.objects.of_meeting(meeting).delete()
    EvaluationCount.objects.bulk_create(
        EvaluationCount(meeting=meeting, proposal_id=proposal, group_id=group, answer=answer, ballots=n)
        for proposal, group, answer, n in BallotEvaluation.objects.of_meeting(meeting).counts_by_id()
    )


def assisted_count(*, meeting: Meeting) -> None:
    """Add the poll book's assisted flags to the meeting's PollBookCount and wipe them: the figure
    stays, who was assisted does not (a second seal, after the paper count, finds none)."""
    flagged = PollBookEntry.objects.filter(meeting=meeting, assisted=True)
    assisted = flagged.update(assisted=False)
    if assisted:
        kept, _created = PollBookCount.objects.select_for_update().get_or_create(meeting=meeting)
        PollBookCount.objects.filter(pk=kept.pk).update(assisted=F("assisted") + assisted)


@transaction.atomic
def ballot_box_seal(*, meeting: Meeting) -> int:
    """Voting is over (closed, or the meeting annulled): leave no order of casting anywhere.

    Shakes the box and, once the caller's transaction has committed, wipes the old rows from the
    database files (ratings.ballot.scrub). A ballot in progress was never stored: it lived in its
    page, and its pass (the signed cookie of ratings.ballot.passes) names a code that no longer votes.
    Returns the number of ballots. Called by the meeting's lifecycle, under the meeting's lock.
    """
    ballots = ballots_shake(meeting=meeting)
    counts_keep(meeting=meeting)
    assisted_count(meeting=meeting)
    if ballots:  # no ballot, no order to hide: spare the county's tables a rewrite
        scrub.files_scrub_after_commit()
    return ballots


def receipt_counted(*, meeting: Meeting, receipt: str) -> bool:
    """Whether a ballot with this receipt is in the meeting's box."""
    receipt = codes.normalize(receipt if isinstance(receipt, str) else "")
    if not codes.is_receipt(receipt):
        return False
    return Ballot.objects.filter(meeting=meeting, receipt=receipt).exists()
