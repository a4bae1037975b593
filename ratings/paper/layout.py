"""Where everything sits on a paper ballot sheet, in millimetres on A4: the pure geometry.

A sheet is computed from a plain description of the ballot (no model, no request), so the printable
page, the raster renderer of the tests and the reader all use the same numbers. The reader depends on
the geometry only, never on printed text: a Chinese and a Uyghur sheet of one meeting have the same
boxes at the same places and the same layout digest.

Fixed furniture of every page: four fiducial squares at the corners (the top-left one is a ring, so a
sheet scanned upside down or sideways is turned back), the QR code at the top right, the title at the
top left, the grade labels over the box columns. Below, one block per cadre: a heading and one row
per criterion, or, in quick mode (one line), a single row that carries the cadre's name. The
nominations come last, as numbered write-in boxes that the reader finds blank or written but does not
read (see docs/paper-ballots.md). Blocks that do not fit go to the next page.
"""

import hashlib
import json
import math
import re
import secrets
from base64 import b32encode
from dataclasses import dataclass

LAYOUT_VERSION = 1

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
FIDUCIAL_SIZE = 10.0
FIDUCIAL_INSET = 8.0  # from the paper's edge: inside every printer's unprintable margin
FIDUCIAL_HOLE = 5.0  # the top-left fiducial's white centre
BOX_SIZE = 7.0  # a grade box: room for a tick, a cross or a filled square made with a pen
BOX_BORDER = 0.35
ROW_HEIGHT = 10.0
HEADING_HEIGHT = 8.0
COLUMN_MAX, COLUMN_MIN = 18.0, 13.0  # a grade column: the box and the space a mark may overflow into
GRID_RIGHT = 188.0
LABEL_LEFT = 20.0
LABEL_MIN_WIDTH = 70.0
CONTENT_TOP = 52.0
CONTENT_BOTTOM = 272.0
QR_SIZE = 30.0
QR_LEFT, QR_TOP = 158.0, 6.0
NOMINATION_WIDTH, NOMINATION_HEIGHT, NOMINATION_GAP = 40.0, 14.0, 3.0
NOMINATIONS_PER_ROW = 4
MAX_GRADES = 6

QR_PREFIX = "VCB"
SHEET_ID_BYTES = 10  # 80 random bits, 16 base32 characters
_PAYLOAD = re.compile(r"^VCB(\d+):(\d+):([0-9A-F]{8}):(\d+):([A-Z2-7]{16})$")


@dataclass(frozen=True)
class Rect:
    """A rectangle in millimetres from the page's top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def inset(self, d: float) -> "Rect":
        return Rect(self.x + d, self.y + d, self.w - 2 * d, self.h - 2 * d)

    def pixels(self, per_mm: float) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) in whole pixels at per_mm pixels per millimetre."""
        return (
            round(self.x * per_mm),
            round(self.y * per_mm),
            round(self.right * per_mm),
            round(self.bottom * per_mm),
        )


# --- the description: what the caller knows about the ballot ---------------------------------------


@dataclass(frozen=True)
class Choice:
    """A criterion, a grade or a cadre as the sheet prints it: a stable key and the words shown."""

    key: str
    label: str
    detail: str = ""  # a cadre's post


@dataclass(frozen=True)
class BallotDescription:
    meeting_id: int
    village: str
    title: str
    language: str  # a Django language code: zh-hans, ug, en
    cadres: tuple[Choice, ...]
    lines: tuple[Choice, ...]  # the criteria, or one overall line in quick mode
    grades: tuple[Choice, ...]
    nominations: int = 0
    instruction: str = ""
    nomination_heading: str = ""

    @property
    def quick(self) -> bool:
        return len(self.lines) == 1


# --- the computed layout ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One row of boxes: a cadre on one criterion (or overall); `boxes` in grade order."""

    cadre: int  # index into description.cadres
    criterion: int  # index into description.lines
    label: str
    label_rect: Rect
    row: Rect
    boxes: tuple[Rect, ...]


@dataclass(frozen=True)
class Heading:
    cadre: int
    rect: Rect


@dataclass(frozen=True)
class NominationBox:
    number: int  # 1-based, printed in the box's corner
    rect: Rect


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    lines: tuple[Line, ...]
    headings: tuple[Heading, ...]
    nominations: tuple[NominationBox, ...]
    nomination_heading: Rect | None


@dataclass(frozen=True)
class SheetLayout:
    description: BallotDescription
    digest: str  # 8 hex digits: the meeting and the meaning of every box, not the language
    columns: tuple[Rect, ...]  # the grade labels' places, over the box columns
    pages: tuple[Page, ...]

    @property
    def meeting_id(self) -> int:
        return self.description.meeting_id

    def page(self, number: int) -> Page:
        return self.pages[number - 1]


FIDUCIALS = (  # top-left (the ring), top-right, bottom-right, bottom-left
    Rect(FIDUCIAL_INSET, FIDUCIAL_INSET, FIDUCIAL_SIZE, FIDUCIAL_SIZE),
    Rect(PAGE_WIDTH - FIDUCIAL_INSET - FIDUCIAL_SIZE, FIDUCIAL_INSET, FIDUCIAL_SIZE, FIDUCIAL_SIZE),
    Rect(
        PAGE_WIDTH - FIDUCIAL_INSET - FIDUCIAL_SIZE,
        PAGE_HEIGHT - FIDUCIAL_INSET - FIDUCIAL_SIZE,
        FIDUCIAL_SIZE,
        FIDUCIAL_SIZE,
    ),
    Rect(FIDUCIAL_INSET, PAGE_HEIGHT - FIDUCIAL_INSET - FIDUCIAL_SIZE, FIDUCIAL_SIZE, FIDUCIAL_SIZE),
)
FIDUCIAL_HOLE_RECT = FIDUCIALS[0].inset((FIDUCIAL_SIZE - FIDUCIAL_HOLE) / 2)
QR_RECT = Rect(QR_LEFT, QR_TOP, QR_SIZE, QR_SIZE)
TITLE_RECT = Rect(LABEL_LEFT, FIDUCIAL_INSET, QR_LEFT - LABEL_LEFT - 4, 32.0)


def layout_digest(description: BallotDescription) -> str:
    """What a sheet means, hashed: a sheet printed for another meeting or an older cadre list differs."""
    meaning = {
        "version": LAYOUT_VERSION,
        "meeting": description.meeting_id,
        "cadres": [c.key for c in description.cadres],
        "lines": [c.key for c in description.lines],
        "grades": [c.key for c in description.grades],
        "nominations": description.nominations,
    }
    canonical = json.dumps(meaning, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:8].upper()


def compute_layout(description: BallotDescription) -> SheetLayout:
    if not description.cadres or not description.lines:
        raise ValueError("A ballot sheet needs at least one cadre and one line.")
    if not 2 <= len(description.grades) <= MAX_GRADES:
        raise ValueError(f"A ballot sheet has 2 to {MAX_GRADES} grades.")
    grades = len(description.grades)
    column = max(COLUMN_MIN, min(COLUMN_MAX, (GRID_RIGHT - LABEL_LEFT - LABEL_MIN_WIDTH) / grades))
    grid_left = GRID_RIGHT - grades * column
    columns = tuple(
        Rect(grid_left + i * column, CONTENT_TOP - HEADING_HEIGHT - 2, column, HEADING_HEIGHT)
        for i in range(grades)
    )
    label_width = grid_left - LABEL_LEFT - 2

    def row_at(y: float, cadre: int, criterion: int, label: str) -> Line:
        row = Rect(LABEL_LEFT, y, GRID_RIGHT - LABEL_LEFT, ROW_HEIGHT)
        top = y + (ROW_HEIGHT - BOX_SIZE) / 2
        boxes = tuple(
            Rect(grid_left + i * column + (column - BOX_SIZE) / 2, top, BOX_SIZE, BOX_SIZE)
            for i in range(grades)
        )
        return Line(cadre, criterion, label, Rect(LABEL_LEFT, y, label_width, ROW_HEIGHT), row, boxes)

    pages: list[Page] = []
    lines: list[Line] = []
    headings: list[Heading] = []
    y = CONTENT_TOP

    def new_page(nominations=(), nomination_heading=None) -> None:
        nonlocal lines, headings, y
        pages.append(
            Page(len(pages) + 1, tuple(lines), tuple(headings), tuple(nominations), nomination_heading)
        )
        lines, headings, y = [], [], CONTENT_TOP

    block = ROW_HEIGHT if description.quick else HEADING_HEIGHT + ROW_HEIGHT * len(description.lines)
    for index, cadre in enumerate(description.cadres):
        if y + block > CONTENT_BOTTOM:
            new_page()
        if description.quick:
            lines.append(row_at(y, index, 0, cadre_label(cadre)))
        else:
            headings.append(Heading(index, Rect(LABEL_LEFT, y, GRID_RIGHT - LABEL_LEFT, HEADING_HEIGHT)))
            for criterion, line in enumerate(description.lines):
                lines.append(
                    row_at(y + HEADING_HEIGHT + criterion * ROW_HEIGHT, index, criterion, line.label)
                )
        y += block

    if description.nominations:
        rows = math.ceil(description.nominations / NOMINATIONS_PER_ROW)
        needed = HEADING_HEIGHT + 2 + rows * (NOMINATION_HEIGHT + NOMINATION_GAP)
        if y + needed > CONTENT_BOTTOM:
            new_page()
        y += 2
        heading = Rect(LABEL_LEFT, y, GRID_RIGHT - LABEL_LEFT, HEADING_HEIGHT)
        y += HEADING_HEIGHT
        step = (GRID_RIGHT - LABEL_LEFT) / NOMINATIONS_PER_ROW
        boxes = [
            NominationBox(
                n + 1,
                Rect(
                    LABEL_LEFT + (n % NOMINATIONS_PER_ROW) * step,
                    y + (n // NOMINATIONS_PER_ROW) * (NOMINATION_HEIGHT + NOMINATION_GAP),
                    NOMINATION_WIDTH,
                    NOMINATION_HEIGHT,
                ),
            )
            for n in range(description.nominations)
        ]
        new_page(boxes, heading)
    else:
        new_page()
    return SheetLayout(description, layout_digest(description), columns, tuple(pages))


def cadre_label(cadre: Choice) -> str:
    return f"{cadre.label} · {cadre.detail}" if cadre.detail else cadre.label


# --- the sheet identifier and the QR payload --------------------------------------------------------


def new_sheet_id() -> str:
    """A random sheet identifier: 80 bits in base32, nothing about the voter or the printing order."""
    return b32encode(secrets.token_bytes(SHEET_ID_BYTES)).decode()


def spaced(sheet_id: str) -> str:
    """The identifier as printed under the code: four groups of four."""
    return " ".join(sheet_id[start : start + 4] for start in range(0, len(sheet_id), 4))


# Typed by a person: base32 has no 0, 1 or 8, which a hand or an eye takes for O, I and B.
_TYPED = str.maketrans({"0": "O", "1": "I", "8": "B"})


def typed_sheet_id(text: str) -> str | None:
    """A sheet identifier as a person typed it (spaces, dashes, lower case, 0 for O), or None."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_TYPED)
    return cleaned if re.fullmatch(r"[A-Z2-7]{16}", cleaned) else None


@dataclass(frozen=True)
class SheetCode:
    """What a sheet's QR code says: the layout version and digest, the meeting, the page, the sheet."""

    version: int
    meeting_id: int
    digest: str
    page: int
    sheet_id: str

    def payload(self) -> str:
        # Upper case letters, digits and ':' only: the QR code's compact alphanumeric mode.
        return f"{QR_PREFIX}{self.version}:{self.meeting_id}:{self.digest}:{self.page}:{self.sheet_id}"

    @classmethod
    def parse(cls, text: str) -> "SheetCode | None":
        match = _PAYLOAD.match(text.strip())
        if not match:
            return None
        version, meeting, digest, page, sheet_id = match.groups()
        return cls(int(version), int(meeting), digest, int(page), sheet_id)


def sheet_code(layout: SheetLayout, page: int, sheet_id: str) -> SheetCode:
    return SheetCode(LAYOUT_VERSION, layout.meeting_id, layout.digest, page, sheet_id)
