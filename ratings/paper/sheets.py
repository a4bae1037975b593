"""A meeting's paper ballot as the sheet engine sees it, and where its paper count stands (reads only).

A line of a sheet is named `<cadre id>:<line key>` (the line key of ratings.ballot.spec: a criterion's
id, or "overall"), and a grade by its code; "" is a line left blank, or void (over-marked beyond doubt),
which counts as "don't know". Nominations are household numbers on the village's roll.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from django.utils import translation
from django.utils.translation import gettext as _

from meetings.models import Meeting
from portal.names import local_name
from ratings.ballot import schemes
from ratings.ballot.page import grades_of, lines_of, posts_by_cadre
from ratings.ballot.spec import line_key
from ratings.models import (
    Grade,
    PaperClosure,
    PaperDecision,
    PaperPage,
    PaperSheet,
    PollBookEntry,
    VoterGroup,
)
from ratings.paper import layout as geometry
from ratings.paper import reader
from ratings.paper.reader import Status

NOMINATIONS = "nominations"
BLANK = ""


def key_of(cadre: str | int, line: str) -> str:
    return f"{cadre}:{line}"


def description_of(
    meeting: Meeting, language: str, group: VoterGroup | None = None
) -> geometry.BallotDescription:
    """The sheet of the meeting's ballot in `language`, the village's and the cadres' names in its script
    (the other as the fallback, portal.names); the geometry is the same in every language. `group`: the
    voter group the sheets are printed for, named in the title."""
    with translation.override(language):
        village = local_name(meeting.village, language)
        title = _("%(village)s work-report meeting %(year)s") % {"village": village, "year": meeting.year}
        if group is not None:
            title = f"{title} · {group}"
        reporting = list(meeting.reporting.select_related("cadre"))
        posts = posts_by_cadre([row.cadre_id for row in reporting], meeting.year)
        lines = [
            geometry.Choice(
                line_key(None if criterion is None else criterion.pk), schemes.criterion_name(criterion)
            )
            for criterion in lines_of(meeting)
        ]
        return geometry.BallotDescription(
            meeting_id=meeting.pk,
            village=village,
            title=title,
            language=language,
            cadres=tuple(
                geometry.Choice(
                    str(row.cadre_id), local_name(row.cadre, language), posts.get(row.cadre_id, "")
                )
                for row in reporting
            ),
            lines=tuple(lines),
            grades=tuple(
                geometry.Choice(grade.code, schemes.grade_label(grade)) for grade in grades_of(meeting)
            ),
            nominations=meeting.scheme.max_nominations,
            instruction=_(
                "Mark one box on each line with a tick or a cross. Put the sheet in the box unsigned."
            ),
            nomination_heading=_("Households you nominate for the honor roll: their number on the roll"),
        )


def layout_of(meeting: Meeting, language: str | None = None) -> geometry.SheetLayout:
    """The geometry sheets of this meeting are printed and read with; the language, which changes only
    the words, is the active one unless given."""
    return geometry.compute_layout(
        description_of(meeting, language or translation.get_language() or "zh-hans")
    )


def line_keys(meeting: Meeting) -> list[str]:
    """Every line of the ballot, in the order of the sheet."""
    lines = [line_key(None if criterion is None else criterion.pk) for criterion in lines_of(meeting)]
    return [
        key_of(cadre, line)
        for cadre in meeting.reporting.values_list("cadre_id", flat=True)
        for line in lines
    ]


def abstain_code(meeting: Meeting) -> str | None:
    """The scale's "don't know": what a blank or void line on paper counts as. None: paper cannot be used."""
    grade = (
        Grade.objects.filter(scheme=meeting.scheme, standing=Grade.Standing.ABSTAIN).order_by("order").first()
    )
    return grade.code if grade else None


# --- where each sheet stands -------------------------------------------------------------------------


@dataclass
class SheetState:
    sheet: PaperSheet
    pages_expected: int
    pages_read: set[int] = field(default_factory=set)
    lines: dict[str, str | None] = field(default_factory=dict)  # None: waiting for a person
    nominations: list[str] | None = None  # None: waiting for the clerks or a person
    written_boxes: int = 0  # nomination boxes the reader saw writing in
    keyings: int = 0
    open_decisions: int = 0

    @property
    def machine_read(self) -> bool:
        return bool(self.pages_read)

    @property
    def needs_keying(self) -> bool:
        """Two clerks still have to key it: its nominations, or all of it when it was not scanned."""
        wanted = not self.machine_read or self.written_boxes
        return bool(wanted) and self.keyings < 2

    @property
    def pages_missing(self) -> list[int]:
        if not self.machine_read:
            return []
        return [number for number in range(1, self.pages_expected + 1) if number not in self.pages_read]

    @property
    def complete(self) -> bool:
        return (
            not self.pages_missing
            and self.nominations is not None
            and bool(self.lines)
            and None not in self.lines.values()
        )

    @property
    def blank(self) -> bool:
        return self.complete and not self.nominations and set(self.lines.values()) == {BLANK}


def sheet_states(meeting: Meeting, sheet_layout: geometry.SheetLayout | None = None) -> list[SheetState]:
    """Every sheet that came back (scanned or keyed), with what it says so far."""
    sheet_layout = sheet_layout or layout_of(meeting)
    cadres = [choice.key for choice in sheet_layout.description.cadres]
    lines = [choice.key for choice in sheet_layout.description.lines]
    grades = [choice.key for choice in sheet_layout.description.grades]
    every_line = [key_of(cadre, line) for cadre in cadres for line in lines]
    returned = (
        PaperSheet.objects.filter(meeting=meeting)
        .returned()
        .prefetch_related("pages", "keyings", "decisions")
        .order_by("sheet_id")
    )
    states = []
    for sheet in returned:
        state = SheetState(sheet=sheet, pages_expected=len(sheet_layout.pages))
        decisions = {decision.key: decision for decision in sheet.decisions.all()}
        keyings = list(sheet.keyings.all())
        state.keyings = len(keyings)
        state.open_decisions = sum(1 for decision in decisions.values() if not decision.decided)

        def decided(key: str, decisions=decisions):
            decision = decisions.get(key)
            return decision.value if decision is not None and decision.decided else None

        pages = [page for page in sheet.pages.all() if page.number]
        if pages:
            state.lines = dict.fromkeys(every_line)
            for page in pages:
                state.pages_read.add(page.number)
                state.written_boxes += sum(1 for box in page.nominations if box["written"])
                for line in page.lines:
                    key = key_of(cadres[line["cadre"]], lines[line["criterion"]])
                    if line["status"] == Status.MARKED:
                        state.lines[key] = grades[line["grade"]]
                    elif line["status"] == Status.BLANK:
                        state.lines[key] = BLANK
                    else:
                        state.lines[key] = decided(key)
        elif len(keyings) == 2:
            first, second = keyings[0].lines, keyings[1].lines
            state.lines = {
                key: first.get(key) if first.get(key) == second.get(key) else decided(key)
                for key in every_line
            }
        else:
            state.lines = dict.fromkeys(every_line)
        if pages and not state.written_boxes:
            state.nominations = []
        elif len(keyings) == 2:
            first, second = sorted(keyings[0].nominations), sorted(keyings[1].nominations)
            state.nominations = first if first == second else decided(NOMINATIONS)
        states.append(state)
    return states


# --- the figures of the paper count ------------------------------------------------------------------


@dataclass(frozen=True)
class PaperFigures:
    printed: int
    issued: int  # villagers who took a sheet instead of a code (the poll book)
    returned: int  # sheets scanned or keyed
    complete: int
    blank: int
    machine_read: int  # sheets read by the scanner (every page)
    keyed: int  # sheets keyed by two clerks from the paper alone
    lines_adjudicated: int
    open_decisions: int
    unreadable_pages: int  # pages whose code no person has read yet

    @property
    def unreturned(self) -> int:
        return max(self.issued - self.returned, 0)

    @property
    def excess(self) -> int:
        """Sheets beyond those issued: the count is void while there are any."""
        return max(self.returned - self.issued, 0)


def paper_figures(meeting: Meeting, states: list[SheetState] | None = None) -> PaperFigures:
    states = sheet_states(meeting) if states is None else states
    closure = PaperClosure.objects.filter(meeting=meeting).first()
    # The closure wipes who took paper from the poll book and keeps the figure.
    issued = (
        closure.figures["issued"]
        if closure
        else PollBookEntry.objects.filter(meeting=meeting, paper=True).count()
    )
    return PaperFigures(
        printed=PaperSheet.objects.filter(meeting=meeting).count(),
        issued=issued,
        returned=len(states),
        complete=sum(1 for state in states if state.complete),
        blank=sum(1 for state in states if state.blank),
        machine_read=sum(1 for state in states if state.machine_read),
        keyed=sum(1 for state in states if not state.machine_read),
        lines_adjudicated=PaperDecision.objects.filter(sheet__meeting=meeting, decided=True).count(),
        open_decisions=sum(state.open_decisions for state in states),
        unreadable_pages=PaperPage.objects.filter(meeting=meeting, sheet=None, handled=False).count(),
    )


def paper_in_use(meeting: Meeting) -> bool:
    """Whether the meeting has a paper count to close: a sheet handed out, or paper that came back."""
    return (
        PollBookEntry.objects.filter(meeting=meeting, paper=True).exists()
        or PaperPage.objects.filter(meeting=meeting).exists()
        or PaperSheet.objects.filter(meeting=meeting).returned().exists()
    )


def paper_closed(meeting: Meeting) -> bool:
    return PaperClosure.objects.filter(meeting=meeting).exists()


def paper_pending(meeting: Meeting) -> bool:
    """Paper ballots were handed out or came back and their count is not closed: the box is not whole."""
    return paper_in_use(meeting) and not paper_closed(meeting)


# --- what a person is shown --------------------------------------------------------------------------


def decision_crop(decision: PaperDecision, sheet_layout: geometry.SheetLayout) -> bytes | None:
    """The part of the scanned page a person decides on, as PNG: the line only (or the nomination
    boxes); None when the sheet was not scanned (the clerks keyed it apart: look at the paper)."""
    description = sheet_layout.description
    for page in decision.sheet.pages.exclude(number=None):
        if decision.key == NOMINATIONS:
            crops = [box["crop"] for box in page.nominations if box["written"]]
        else:
            crops = [
                line["crop"]
                for line in page.lines
                if key_of(description.cadres[line["cadre"]].key, description.lines[line["criterion"]].key)
                == decision.key
            ]
        if crops:
            with page.corrected.open("rb") as file:
                image = cv2.imdecode(np.frombuffer(file.read(), dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
            x0, y0 = min(c[0] for c in crops), min(c[1] for c in crops)
            x1, y1 = max(c[2] for c in crops), max(c[3] for c in crops)
            shown = image[y0:y1, x0:x1]
            if decision.key != NOMINATIONS:
                # The grade labels printed over the columns, on top: which box is which grade.
                labels = [rect.pixels(reader.PX_PER_MM) for rect in sheet_layout.columns]
                top, bottom = min(r[1] for r in labels), max(r[3] for r in labels)
                shown = np.vstack([image[top:bottom, x0:x1], shown])
            return cv2.imencode(".png", shown)[1].tobytes()
    return None


def line_label(key: str, sheet_layout: geometry.SheetLayout) -> str:
    """A line as a person reads it on the screen: the cadre, and the criterion."""
    if key == NOMINATIONS:
        return _("Households nominated")
    description = sheet_layout.description
    cadre_key, line = key.split(":")
    cadre = next((choice for choice in description.cadres if choice.key == cadre_key), None)
    criterion = next((choice for choice in description.lines if choice.key == line), None)
    if cadre is None or criterion is None:
        return key
    return cadre.label if description.quick else f"{cadre.label} · {criterion.label}"
