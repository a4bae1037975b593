"""Paper ballots, written: printing the sheets, reading what came back from the box, the clerks' keyed
entries, two people agreeing where the machine would not read, and the paper count's closure, which
puts the paper ballots into the box.

Handing a sheet to a villager is the poll book's (ratings.ballot.services.paper_issue). Everything
here is done by the village's operators and township administrators (OPERATE_MEETING), checked again
in each service. The count runs while voting is closed and before the results: the box of paper is
opened once voting is over, as at a paper-only meeting.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import cv2
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetings.models import Meeting
from portal import audit, permissions
from portal.models import Household
from portal.permissions import Capability
from ratings.ballot import services as ballot_services
from ratings.ballot.reconciliation import reconciliation_of
from ratings.ballot.spec import OVERALL
from ratings.models import (
    Grade,
    HouseholdProposal,
    PaperClosure,
    PaperDecision,
    PaperKeying,
    PaperPage,
    PaperPrint,
    PaperSheet,
    PollBookEntry,
    VoterGroup,
)
from ratings.paper import errors, images, printing, reader
from ratings.paper import layout as geometry
from ratings.paper.sheets import (
    BLANK,
    NOMINATIONS,
    SheetState,
    abstain_code,
    description_of,
    key_of,
    layout_of,
    line_keys,
    paper_figures,
    sheet_states,
)

MAX_PRINT = 2000  # sheets in one print run
MAX_PAGES_PER_UPLOAD = 100  # about 5 to 15 seconds of reading on a venue laptop


class PaperRefused(ValidationError):
    """An upload, a keying or a closure refused as a whole: nothing of it was saved."""


def _locked(meeting: Meeting, by) -> Meeting:
    permissions.ensure(by, Capability.OPERATE_MEETING, meeting.village)
    return Meeting.objects.select_for_update().select_related("scheme", "village").get(pk=meeting.pk)


def paper_count_open(meeting: Meeting) -> bool:
    """Paper that came back may be scanned, keyed and decided: voting closed, the paper count not."""
    return (
        meeting.status == Meeting.Status.VOTING_CLOSED
        and not PaperClosure.objects.filter(meeting=meeting).exists()
    )


def _ensure_count_open(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.VOTING_OPEN:
        raise ValidationError(_("The paper count starts when voting has closed: close the vote first."))
    if not paper_count_open(meeting):
        raise ValidationError(_("The paper count of this meeting is closed."))


# --- printing ----------------------------------------------------------------------------------------


@transaction.atomic
def paper_print(*, meeting: Meeting, group: VoterGroup, language: str, sheets: int, by) -> PaperPrint:
    """Blank sheets for one voter group, each with a random identifier; the log says how many, never
    for whom (nobody knows that: the desk hands them out from the stack)."""
    meeting = _locked(meeting, by)
    if meeting.status != Meeting.Status.VOTING_OPEN:
        raise ValidationError(_("Paper ballots are printed once voting is open, when the ballot is frozen."))
    if group.scheme_id != meeting.scheme_id or group.kind == VoterGroup.Kind.TOWNSHIP_PANEL:
        raise ValidationError(_("Paper ballots are for the village's voters: choose one of their groups."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language for the sheets."))
    if not 1 <= sheets <= MAX_PRINT:
        raise ValidationError(_("Print between 1 and %(most)s sheets at a time.") % {"most": MAX_PRINT})
    if abstain_code(meeting) is None:
        raise ValidationError(
            _(
                "This meeting's scale has no “don't know”, which a blank line on paper counts as: "
                "use the screens."
            )
        )
    # The printed sheet has no household lines yet: a paper ballot would leave them unanswered.
    if HouseholdProposal.objects.on_agenda_of(meeting).exists():
        raise ValidationError(
            _(
                "This meeting votes on households' evaluations, which the paper sheet does not hold yet: "
                "use the terminals or phones."
            )
        )
    run = PaperPrint.objects.create(
        meeting=meeting, group=group, language=language, digest=layout_of(meeting).digest, sheets=sheets
    )
    identifiers: set[str] = set(PaperSheet.objects.filter(meeting=meeting).values_list("sheet_id", flat=True))
    fresh = []
    while len(fresh) < sheets:
        sheet_id = geometry.new_sheet_id()
        if sheet_id not in identifiers:  # 80 random bits: a repeat is all but impossible
            identifiers.add(sheet_id)
            fresh.append(PaperSheet(meeting=meeting, print_run=run, sheet_id=sheet_id))
    PaperSheet.objects.bulk_create(fresh)
    audit.record(
        actor=by,
        action="paper_print",
        target=meeting,
        details={"sheets": sheets, "group": group.kind, "language": language},
    )
    return run


def printable_sheets(run: PaperPrint) -> list:
    """What templates/ratings/paper/sheets.html prints for a run: every page of every sheet."""
    sheet = geometry.compute_layout(description_of(run.meeting, run.language, group=run.group))
    return [
        printing.printed_pages(sheet, sheet_id)
        for sheet_id in run.sheet_rows.values_list("sheet_id", flat=True)
    ]


# --- reading what came back --------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    pages: int
    sheets: int
    to_a_person: int  # lines sent to adjudication
    unreadable: int  # pages whose code a person must read


@dataclass
class _Page:
    stored: bytes
    suffix: str
    sha256: str
    reading: reader.SheetReading | None
    sheet: PaperSheet | None = None


def _pages_of(name: str, content: bytes, sheet_layout, problems: list[str]) -> list[_Page]:
    """Every page of one file read against the layout; what cannot be taken is said in `problems`."""
    try:
        arrays = images.load_pages(content)
    except errors.PaperError as error:
        problems.append(f"{name}: {error.message}")
        return []
    is_pdf = content.lstrip()[:5] == b"%PDF-"
    pages = []
    for index, array in enumerate(arrays):
        where = name if len(arrays) == 1 else _("%(file)s, page %(page)s") % {"file": name, "page": index + 1}
        # Kept as it came (a photo, a scan); a PDF's pages one by one, as rendered.
        stored = cv2.imencode(".png", array)[1].tobytes() if is_pdf else content
        suffix = "png" if is_pdf else _image_suffix(content)
        try:
            reading = reader.read_page(array, sheet_layout)
        except errors.UnreadableCode:
            reading = None  # found, but its code needs a person
        except errors.PaperError as error:
            problems.append(f"{where}: {error.message}")
            continue
        pages.append(_Page(stored, suffix, hashlib.sha256(stored).hexdigest(), reading))
    return pages


def _image_suffix(content: bytes) -> str:
    return "png" if content[:8] == b"\x89PNG\r\n\x1a\n" else "jpg"


@transaction.atomic
def paper_upload(*, meeting: Meeting, files: list[tuple[str, bytes]], by) -> Upload:
    """Read a batch of scans or photos and keep each page with its SHA-256 and its reading.

    All or nothing: a file that is not a sheet of this meeting, a page already counted, a sheet
    never printed for it, more sheets than were handed out... refuses the batch, naming each problem,
    and nothing is kept. Lines over-marked or unclear go to two people; a page whose code would not
    read waits for a person to type the identifier printed under it.
    """
    meeting = _locked(meeting, by)
    _ensure_count_open(meeting)
    if not files:
        raise ValidationError(_("Choose the scans or photos of the sheets."))
    sheet_layout = layout_of(meeting)
    problems: list[str] = []
    pages = [page for name, content in files for page in _pages_of(name, content, sheet_layout, problems)]
    if len(pages) > MAX_PAGES_PER_UPLOAD:
        raise PaperRefused(
            _("At most %(most)s pages in one upload: send the rest in another.")
            % {"most": MAX_PAGES_PER_UPLOAD}
        )
    _check_pages(meeting, pages, problems)
    if problems:
        raise PaperRefused(problems)
    stored: list[PaperPage] = []
    try:
        for page in pages:
            stored.append(_keep(meeting, page))
    except Exception:
        for row in stored:  # the rows roll back with the transaction; the files must go too
            _delete_files(row)
        raise
    decisions = [
        PaperDecision(sheet=page.sheet, key=_line_key(sheet_layout, line), reason=line.status)
        for page in pages
        if page.reading
        for line in page.reading.lines
        if line.needs_person
    ]
    PaperDecision.objects.bulk_create(decisions)
    result = Upload(
        pages=len(pages),
        sheets=len({page.sheet.pk for page in pages if page.sheet}),
        to_a_person=len(decisions),
        unreadable=sum(1 for page in pages if page.reading is None),
    )
    audit.record(
        actor=by,
        action="paper_upload",
        target=meeting,
        details={"files": len(files), "pages": result.pages, "to_a_person": result.to_a_person},
    )
    return result


def _line_key(sheet_layout, line: reader.LineReading) -> str:
    description = sheet_layout.description
    return key_of(description.cadres[line.cadre].key, description.lines[line.criterion].key)


def _check_pages(meeting: Meeting, pages: list[_Page], problems: list[str]) -> None:
    """Each page a sheet printed for this meeting, none counted before or twice in the batch, and no
    more sheets back than villagers took."""
    readings = [page.reading for page in pages if page.reading]
    printed = {
        sheet.sheet_id: sheet
        for sheet in PaperSheet.objects.filter(meeting=meeting, sheet_id__in={r.sheet_id for r in readings})
    }
    counted = set(
        PaperPage.objects.filter(meeting=meeting, sheet__isnull=False).values_list(
            "sheet__sheet_id", "number"
        )
    )
    seen_images = set(PaperPage.objects.filter(meeting=meeting).values_list("sha256", flat=True))
    in_batch: set = set()
    for page in pages:
        if page.sha256 in seen_images:
            problems.append(
                _("The same image twice: %(sha)s… is already counted.") % {"sha": page.sha256[:12]}
            )
            continue
        seen_images.add(page.sha256)
        reading = page.reading
        if reading is None:
            continue
        spaced = geometry.spaced(reading.sheet_id)
        page.sheet = printed.get(reading.sheet_id)
        if page.sheet is None:
            problems.append(_("Sheet %(sheet)s was not printed for this meeting.") % {"sheet": spaced})
        elif (reading.sheet_id, reading.page) in counted or (reading.sheet_id, reading.page) in in_batch:
            problems.append(
                _("Sheet %(sheet)s, page %(page)s, is already counted: the same sheet twice.")
                % {"sheet": spaced, "page": reading.page}
            )
        in_batch.add((reading.sheet_id, reading.page))
    _check_not_more_than_issued(meeting, {page.sheet.pk for page in pages if page.sheet}, problems)


def _check_not_more_than_issued(meeting: Meeting, new_sheets: set, problems: list[str]) -> None:
    back = (
        set(PaperSheet.objects.filter(meeting=meeting).returned().values_list("pk", flat=True)) | new_sheets
    )
    issued = PollBookEntry.objects.filter(meeting=meeting, paper=True).count()
    if len(back) > issued:
        problems.append(
            ngettext(
                "More sheets than were handed out: %(back)s sheets back, but %(issued)s villager took "
                "a paper ballot.",
                "More sheets than were handed out: %(back)s sheets back, but %(issued)s villagers took "
                "a paper ballot.",
                issued,
            )
            % {"back": len(back), "issued": issued}
        )


def _keep(meeting: Meeting, page: _Page) -> PaperPage:
    reading = page.reading
    row = PaperPage(meeting=meeting, sheet=page.sheet, sha256=page.sha256)
    if reading is None:
        row.problem = PaperPage.Problem.UNREADABLE_CODE
    else:
        _set_reading(row, reading)
    row.image.save(f"page.{page.suffix}", ContentFile(page.stored), save=False)
    if reading is not None:
        row.corrected.save("page.png", ContentFile(_png(reading.image)), save=False)
    row.save()
    return row


def _set_reading(row: PaperPage, reading: reader.SheetReading) -> None:
    row.number = reading.page
    row.lines = [
        {
            "cadre": line.cadre,
            "criterion": line.criterion,
            "status": str(line.status),
            "grade": line.grade,
            "crop": list(line.crop),
        }
        for line in reading.lines
    ]
    row.nominations = [
        {"number": box.number, "written": box.written, "crop": list(box.crop)} for box in reading.nominations
    ]


def _png(array) -> bytes:
    return cv2.imencode(".png", array)[1].tobytes()


def _delete_files(row: PaperPage) -> None:
    for file in (row.image, row.corrected):
        if file:
            file.storage.delete(file.name)


@transaction.atomic
def page_identify(*, page: PaperPage, typed: str, page_number: int, by) -> PaperPage:
    """A person read the identifier printed under a code the machine could not: the page is read
    again as that sheet's page. A typo names no printed sheet (80 random bits), so it is refused."""
    meeting = _locked(page.meeting, by)
    _ensure_count_open(meeting)
    page = PaperPage.objects.select_for_update().get(pk=page.pk, meeting=meeting)
    if page.sheet_id is not None or page.handled:
        raise ValidationError(_("This page has been dealt with already."))
    sheet_id = geometry.typed_sheet_id(typed)
    sheet = PaperSheet.objects.filter(meeting=meeting, sheet_id=sheet_id).first() if sheet_id else None
    if sheet is None:
        raise ValidationError(_("No sheet of this meeting has that identifier: check each character."))
    sheet_layout = layout_of(meeting)
    if not 1 <= page_number <= len(sheet_layout.pages):
        raise ValidationError(_("The sheet has no page %(page)s.") % {"page": page_number})
    if PaperPage.objects.filter(sheet=sheet, number=page_number).exists():
        raise ValidationError(_("That page of that sheet is already counted: the same sheet twice."))
    problems: list[str] = []
    _check_not_more_than_issued(meeting, {sheet.pk}, problems)
    if problems:
        raise PaperRefused(problems)
    known = geometry.sheet_code(sheet_layout, page_number, sheet.sheet_id)
    with page.image.open("rb") as file:
        array = images.load_pages(file.read())[0]
    try:
        reading = reader.read_page(array, sheet_layout, known=known)
    except errors.PaperError as error:
        raise ValidationError(error.message) from None
    page.sheet, page.problem = sheet, ""
    _set_reading(page, reading)
    page.corrected.save("page.png", ContentFile(_png(reading.image)), save=False)
    page.save()
    PaperDecision.objects.bulk_create(
        PaperDecision(sheet=sheet, key=_line_key(sheet_layout, line), reason=line.status)
        for line in reading.lines
        if line.needs_person
    )
    audit.record(actor=by, action="paper_page_identify", target=meeting)
    return page


@transaction.atomic
def page_set_aside(*, page: PaperPage, by) -> None:
    """An unreadable page that will be scanned again, or keyed from the paper: it counts for nothing."""
    meeting = _locked(page.meeting, by)
    _ensure_count_open(meeting)
    updated = PaperPage.objects.filter(pk=page.pk, meeting=meeting, sheet=None).update(handled=True)
    if not updated:
        raise ValidationError(_("This page has been dealt with already."))
    audit.record(actor=by, action="paper_page_set_aside", target=meeting)


# --- keying by two clerks ----------------------------------------------------------------------------


def sheet_by_typed_id(meeting: Meeting, typed: str) -> PaperSheet:
    sheet_id = geometry.typed_sheet_id(typed or "")
    sheet = PaperSheet.objects.filter(meeting=meeting, sheet_id=sheet_id).first() if sheet_id else None
    if sheet is None:
        raise ValidationError(_("No sheet of this meeting has that identifier: check each character."))
    return sheet


def _grade_codes(meeting: Meeting) -> set[str]:
    return set(Grade.objects.filter(scheme=meeting.scheme).values_list("code", flat=True))


def _household_numbers(meeting: Meeting, numbers: list) -> list[str]:
    """Household numbers as keyed: each on the village's roll, once, within the limit."""
    cleaned = [str(number).strip() for number in numbers if str(number).strip()]
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError(_("A household can be nominated only once."))
    ballot_services.check_nomination_limit(meeting.scheme.max_nominations, cleaned)
    known = set(
        Household.objects.filter(village=meeting.village, number__in=cleaned).values_list("number", flat=True)
    )
    unknown = [number for number in cleaned if number not in known]
    if unknown:
        raise ValidationError(
            _("No household of this village has the number %(numbers)s.") % {"numbers": ", ".join(unknown)}
        )
    return sorted(cleaned)


@transaction.atomic
def paper_key(*, sheet: PaperSheet, lines: dict[str, str], nominations: list, by) -> PaperKeying:
    """One clerk's entry of a sheet, blind to the other's. A scanned sheet is keyed for its written
    nomination boxes only; a sheet that was not scanned, line by line too. When the second clerk has
    keyed it, the lines they keyed apart go to two people to decide."""
    meeting = _locked(sheet.meeting, by)
    _ensure_count_open(meeting)
    sheet = PaperSheet.objects.select_for_update().get(pk=sheet.pk, meeting=meeting)
    earlier = list(sheet.keyings.all())
    if any(keying.clerk_id == by.pk for keying in earlier):
        raise ValidationError(
            _("You have keyed this sheet already: a second clerk keys it, without your entry.")
        )
    if len(earlier) >= 2:
        raise ValidationError(_("Two clerks have keyed this sheet already."))
    scanned = sheet.pages.exclude(number=None).exists()
    if scanned:
        lines = {}
    else:
        expected, grades = set(line_keys(meeting)), _grade_codes(meeting) | {BLANK}
        if set(lines) != expected:
            raise ValidationError(_("Key every line of the sheet; a line left blank is keyed blank."))
        if not set(lines.values()) <= grades:
            raise ValidationError(_("The entry holds a grade that is not on this meeting's scale."))
    keying = PaperKeying.objects.create(
        sheet=sheet, clerk=by, lines=dict(lines), nominations=_household_numbers(meeting, nominations)
    )
    if earlier:
        _decisions_for_differences(sheet, earlier[0], keying)
    audit.record(actor=by, action="paper_key", target=meeting, details={"keying": len(earlier) + 1})
    return keying


def _decisions_for_differences(sheet: PaperSheet, first: PaperKeying, second: PaperKeying) -> int:
    apart = [key for key in first.lines if first.lines[key] != second.lines.get(key)]
    if sorted(first.nominations) != sorted(second.nominations):
        apart.append(NOMINATIONS)
    PaperDecision.objects.bulk_create(
        PaperDecision(sheet=sheet, key=key, reason="keyed_apart") for key in apart
    )
    return len(apart)


# --- two people decide -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    decided: bool
    disagreed: bool


@transaction.atomic
def decision_enter(*, decision: PaperDecision, value, by) -> Decided:
    """One person's reading of a line (or of the nominations), blind to the other's. The second,
    from another account, decides it when the two agree; when they differ both are cleared and the
    line is read again."""
    meeting = _locked(decision.sheet.meeting, by)
    _ensure_count_open(meeting)
    decision = PaperDecision.objects.select_for_update().get(pk=decision.pk, sheet__meeting=meeting)
    if decision.decided:
        raise ValidationError(_("This line is decided already."))
    if decision.key == NOMINATIONS:
        value = _household_numbers(meeting, value if isinstance(value, list) else [])
    elif value not in _grade_codes(meeting) | {BLANK}:
        raise ValidationError(_("Choose the grade marked on this line, or “blank or void”."))
    if decision.first_by_id is None:
        decision.first_by, decision.first_value = by, value
        decision.save(update_fields=["first_by", "first_value"])
        outcome = Decided(decided=False, disagreed=False)
    elif decision.first_by_id == by.pk:
        raise ValidationError(
            _("You have read this line already: a second person, on another account, reads it too.")
        )
    elif decision.first_value == value:
        decision.second_by, decision.second_value = by, value
        decision.value, decision.decided = value, True
        decision.save(update_fields=["second_by", "second_value", "value", "decided"])
        outcome = Decided(decided=True, disagreed=False)
    else:
        decision.first_by = decision.first_value = None
        decision.disagreements += 1
        decision.save(update_fields=["first_by", "first_value", "disagreements"])
        outcome = Decided(decided=False, disagreed=True)
    audit.record(
        actor=by,
        action="paper_decide",
        target=meeting,
        details={"decided": outcome.decided, "disagreed": outcome.disagreed},
    )
    return outcome


# --- closing the paper count -------------------------------------------------------------------------


def closure_refusals(meeting: Meeting, states: list[SheetState], returned: int) -> list[str]:
    """Why the paper count may not close with `returned` sheets counted out of the box; empty if it may."""
    figures = paper_figures(meeting, states)
    refusals = []
    if figures.unreadable_pages:
        refusals.append(
            ngettext(
                "%(count)s page waits for a person to type the identifier printed under its code.",
                "%(count)s pages wait for a person to type the identifier printed under their code.",
                figures.unreadable_pages,
            )
            % {"count": figures.unreadable_pages}
        )
    unfinished = figures.returned - figures.complete
    if unfinished:
        refusals.append(
            ngettext(
                "%(count)s sheet is not read to the end: a page missing, a line for two people, or keying.",
                "%(count)s sheets are not read to the end: pages missing, lines for two people, or keying.",
                unfinished,
            )
            % {"count": unfinished}
        )
    if returned != figures.returned:
        refusals.append(
            _("%(stated)s sheets were counted out of the box, but %(entered)s were scanned or keyed.")
            % {"stated": returned, "entered": figures.returned}
        )
    if figures.excess:
        refusals.append(
            _(
                "More sheets came back (%(returned)s) than villagers took (%(issued)s): the paper count is "
                "void. The township annuls the vote or the sheets are examined."
            )
            % {"returned": figures.returned, "issued": figures.issued}
        )
    return refusals


@transaction.atomic
def paper_close(*, meeting: Meeting, returned: int, spoiled: int, by) -> PaperClosure:
    """The closure form: the sheets counted out of the box and those spoiled at the desk, checked
    against what was scanned and keyed; then the paper ballots join the box, in random order, and the
    poll book forgets who took paper (the figure stays)."""
    meeting = _locked(meeting, by)
    _ensure_count_open(meeting)
    if returned < 0 or spoiled < 0:
        raise ValidationError(_("The figures are counts: 0 or more."))
    states = sheet_states(meeting)
    refusals = closure_refusals(meeting, states, returned)
    if refusals:
        raise PaperRefused(refusals)
    ballots = _paper_ballots(meeting, states)
    # With the paper ballots in the box, villagers' ballots may not outnumber the people signed in.
    box = reconciliation_of(meeting)
    too_many = dataclasses.replace(box, villager_ballots=box.villager_ballots + len(ballots)).refusal()
    if too_many:
        raise PaperRefused([too_many])
    figures = paper_figures(meeting, states)
    in_box = ballot_services.paper_ballots_add(meeting=meeting, ballots=ballots)
    stated = {
        "issued": figures.issued,
        "returned": figures.returned,
        "spoiled": spoiled,
        "unreturned": figures.unreturned,
        "blank": figures.blank,
        "machine_read": figures.machine_read,
        "keyed": figures.keyed,
        "lines_adjudicated": figures.lines_adjudicated,
        "printed": figures.printed,
    }
    closure = PaperClosure.objects.create(meeting=meeting, figures=stated, closed_by=by)
    PollBookEntry.objects.filter(meeting=meeting, paper=True).update(paper=False)
    audit.record(actor=by, action="paper_close", target=meeting, details={**stated, "ballots": in_box})
    return closure


def _paper_ballots(meeting: Meeting, states: list[SheetState]) -> list[ballot_services.PaperBallot]:
    """Each complete sheet as the box stores a ballot: ids, and "don't know" for a blank or void line."""
    abstain = abstain_code(meeting)
    grade_ids = dict(Grade.objects.filter(scheme=meeting.scheme).values_list("code", "pk"))
    households = dict(Household.objects.filter(village=meeting.village).values_list("number", "pk"))
    ballots = []
    for state in states:
        grades = {}
        for key, code in state.lines.items():
            cadre, line = key.split(":")
            criterion = None if line == OVERALL else int(line)
            grades[(int(cadre), criterion)] = grade_ids[code or abstain]
        ballots.append(
            ballot_services.PaperBallot(
                group_id=state.sheet.print_run.group_id,
                grades=grades,
                households=[households[number] for number in state.nominations],
            )
        )
    return ballots
