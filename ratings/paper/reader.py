"""Reading a marked ballot sheet from a scan or a photo: geometry in, readings out, no database.

1. Find the page: the four fiducial squares, the largest dark squares that make the sheet's
   rectangle; the one with a white centre is the top-left corner, so any rotation is undone.
2. Undo rotation and perspective: a homography maps the fiducials' centres to their places on the
   layout, and the page is resampled at PX_PER_MM (the corrected image).
3. Decode the QR code on the corrected page and check the meeting, the layout digest and the page.
4. Measure the ink of each box against the paper's local brightness (which undoes uneven light),
   after aligning each row on its printed boxes (which absorbs a fold or a slightly bent page).
5. Classify each line: one grade marked, blank, over-marked or ambiguous. Over-marked and ambiguous
   lines (and pages that raise) go to a person: the reader never guesses. The rules and their
   thresholds are written down in docs/paper-ballots.md.
"""

import enum
import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from ratings.paper import errors, images
from ratings.paper import layout as geometry

PX_PER_MM = 5.0  # the corrected image: a 7 mm box is 35 pixels, a 0.5 mm pen stroke 2.5
QR_PX_PER_MM = 10.0
DETECT_SIZE = 1200  # the longer side of the copy the fiducials are looked for in

# Darkness is 1 - pixel / local paper brightness: 0 on paper, about 0.9 on black ink.
STRONG = 0.40  # pen ink
WEAK = 0.12  # a faint mark, a pencil pressed lightly
STROKE = 0.25  # a pen stroke outside the boxes, thinned by blur
MARKED_FILL = 0.08  # share of a box's inside in pen ink for a mark
EMPTY_STRONG, EMPTY_WEAK = 0.003, 0.01  # at most this much ink, of either kind, for an empty box
BRIDGE_SPAN = 0.7  # ink across this share of the gap between two boxes: one mark over both
STRAY_MM2 = 1.2  # pen ink not explained by a marked box, in the grid, that makes a line ambiguous

BORDER_BAND = 0.7  # mm each side of a printed box border that belongs to the border
MARK_REACH = 3.5  # mm around a marked box where its strokes may overflow
ALIGN_SEARCH = 1.6  # mm each way a row may be shifted to meet its printed boxes
NOMINATION_WRITTEN = 0.01


class Status(enum.StrEnum):
    MARKED = "marked"
    BLANK = "blank"
    OVERMARKED = "overmarked"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class LineReading:
    cadre: int  # index into the description's cadres
    criterion: int  # index into the description's lines
    status: Status
    grade: int | None  # index into the description's grades, when MARKED
    crop: tuple[int, int, int, int]  # (x0, y0, x1, y1) of the line in the corrected image
    ink: tuple[float, ...]  # share of each box's inside in pen ink, for the adjudication screen

    @property
    def needs_person(self) -> bool:
        return self.status in (Status.OVERMARKED, Status.AMBIGUOUS)


@dataclass(frozen=True)
class NominationReading:
    number: int
    written: bool  # written boxes are keyed by two clerks; the reader does not read handwriting
    crop: tuple[int, int, int, int]


@dataclass(frozen=True)
class SheetReading:
    sheet_id: str
    meeting_id: int
    page: int
    digest: str
    lines: tuple[LineReading, ...]
    nominations: tuple[NominationReading, ...]
    image: np.ndarray  # the corrected page, greyscale, PX_PER_MM pixels per millimetre

    @property
    def needs_person(self) -> bool:
        return any(line.needs_person for line in self.lines)

    def crop_png(self, crop: tuple[int, int, int, int]) -> bytes:
        """One line (or nomination box) of the corrected page as PNG, for the adjudication screen."""
        x0, y0, x1, y1 = crop
        _ok, data = cv2.imencode(".png", self.image[y0:y1, x0:x1])
        return data.tobytes()


@dataclass(frozen=True)
class PageResult:
    """One page of an uploaded file: a reading, or the reason it could not be read."""

    index: int  # 0-based, in the file
    reading: SheetReading | None
    error: errors.PaperError | None


def read_file(content: bytes, sheet: geometry.SheetLayout) -> list[PageResult]:
    """Every page of an uploaded file; a bad file raises BadFile, a bad page is reported in its result."""
    results = []
    for index, page in enumerate(images.load_pages(content)):
        try:
            results.append(PageResult(index, read_page(page, sheet), None))
        except errors.PaperError as error:
            results.append(PageResult(index, None, error))
    return results


def read_page(
    image: np.ndarray, sheet: geometry.SheetLayout, known: geometry.SheetCode | None = None
) -> SheetReading:
    """One greyscale page (a numpy array) read against the meeting's layout; raises a PaperError.

    `known`: what two people read under a code the machine could not (the sheet's identifier and page
    are printed there too); the page is then read without decoding it.
    """
    corners = find_fiducials(image)
    corrected, source_points, source = _correct(image, corners)
    code = known or _decode(corrected, source, source_points)
    if code.meeting_id != sheet.meeting_id:
        raise errors.OtherMeeting()
    if code.version != geometry.LAYOUT_VERSION or code.digest != sheet.digest:
        raise errors.OtherLayout()
    if not 1 <= code.page <= len(sheet.pages):
        raise errors.OtherLayout()
    page = sheet.page(code.page)
    darkness = _darkness(corrected)
    lines = _read_lines(darkness, page)
    nominations = tuple(
        NominationReading(box.number, _written(darkness, box.rect), _crop(box.rect, darkness.shape))
        for box in page.nominations
    )
    return SheetReading(code.sheet_id, code.meeting_id, code.page, code.digest, lines, nominations, corrected)


# --- 1. the fiducials -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    center: tuple[float, float]
    area: float
    fill: float  # share of the square in ink: about 1 for a solid square, 0.75 for the ring


def find_fiducials(image: np.ndarray) -> np.ndarray:
    """The centres of the four fiducials in `image`, as top-left, top-right, bottom-right, bottom-left."""
    if image.ndim != 2 or min(image.shape) < 100:
        raise errors.NoSheetFound()
    scale = min(1.0, DETECT_SIZE / max(image.shape))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    ink = (_darkness(small, paper_kernel=max(small.shape) // 12) > 0.45).astype(np.uint8)
    candidates = _squares(ink, min_side=max(small.shape) / 120)
    best = None
    for four in itertools.combinations(candidates, 4):
        ordered = _as_sheet(four)
        if ordered is None:
            continue
        # The fiducials are the largest squares of the sheet and alike in size (perspective aside):
        # a pen-filled box is smaller, a shadow on the table is rarely their twin.
        areas = [c.area for c in four]
        score = min(areas) * min(areas) / max(areas)
        if best is None or score > best[0]:
            best = (score, ordered)
    if best is None:
        raise errors.NoSheetFound()
    return np.array([c.center for c in best[1]], dtype=np.float32) / scale


def _squares(ink: np.ndarray, *, min_side: float) -> list[_Candidate]:
    contours, _hierarchy = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < min_side * min_side:
            continue
        (_cx, _cy), (w, h), _angle = cv2.minAreaRect(contour)
        if min(w, h) / max(w, h) < 0.75 or area / (w * h) < 0.8:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        if x == 0 or y == 0 or x + bw >= ink.shape[1] or y + bh >= ink.shape[0]:
            continue  # cut by the image's edge: not a whole fiducial
        mask = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(mask, [contour - (x, y)], -1, 1, thickness=cv2.FILLED)
        fill = float((ink[y : y + bh, x : x + bw] & mask).sum()) / max(1, int(mask.sum()))
        moments = cv2.moments(contour)
        center = (moments["m10"] / moments["m00"], moments["m01"] / moments["m00"])
        found.append(_Candidate(center, area, fill))
    found.sort(key=lambda c: c.area, reverse=True)
    return found[:10]


def _as_sheet(four) -> list[_Candidate] | None:
    """The four in sheet order from the ring, if they are the sheet's fiducials; else None."""
    areas = [c.area for c in four]
    if max(areas) > 2.0 * min(areas):
        return None
    fills = sorted(c.fill for c in four)
    if not (fills[0] < 0.88 and fills[1] > 0.9 and fills[1] - fills[0] > 0.08):
        return None  # exactly one ring and three solid squares
    cx = sum(c.center[0] for c in four) / 4
    cy = sum(c.center[1] for c in four) / 4
    # Image rows grow downwards, so ascending angles go clockwise on the page.
    around = sorted(four, key=lambda c: np.arctan2(c.center[1] - cy, c.center[0] - cx))
    ring = min(range(4), key=lambda i: around[i].fill)
    ordered = around[ring:] + around[:ring]
    points = np.array([c.center for c in ordered], dtype=np.float32)
    if not cv2.isContourConvex(points.reshape(-1, 1, 2)):
        return None
    top, right, bottom, left = (float(np.linalg.norm(points[i] - points[(i + 1) % 4])) for i in range(4))
    expected = (geometry.PAGE_HEIGHT - 2 * geometry.FIDUCIAL_INSET - geometry.FIDUCIAL_SIZE) / (
        geometry.PAGE_WIDTH - 2 * geometry.FIDUCIAL_INSET - geometry.FIDUCIAL_SIZE
    )
    ratio = (right + left) / (top + bottom)
    if not 0.75 * expected < ratio < 1.3 * expected:
        return None
    if max(top, bottom) > 1.5 * min(top, bottom) or max(left, right) > 1.5 * min(left, right):
        return None
    side = float(np.sqrt(sum(areas) / 4))  # the fiducials are 18.4 (across) and 27.1 (down) sides apart
    if not (12 * side < min(top, bottom) and max(top, bottom) < 26 * side):
        return None
    if not (18 * side < min(left, right) and max(left, right) < 38 * side):
        return None
    return ordered


# --- 2. the corrected page --------------------------------------------------------------------------


def _layout_points(per_mm: float) -> np.ndarray:
    return np.array([r.center for r in geometry.FIDUCIALS], dtype=np.float32) * per_mm


def _correct(image: np.ndarray, corners: np.ndarray):
    """The page resampled at PX_PER_MM, and the (possibly reduced) source with its fiducial points."""
    between = np.linalg.norm(corners[0] - corners[1])
    source_per_mm = between / (geometry.FIDUCIALS[1].x - geometry.FIDUCIALS[0].x)
    source, points = image, corners
    if source_per_mm > 1.5 * QR_PX_PER_MM:  # shrink first: resampling a fine scan directly aliases
        factor = 1.2 * QR_PX_PER_MM / source_per_mm
        source = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        points = corners * factor
    size = (round(geometry.PAGE_WIDTH * PX_PER_MM), round(geometry.PAGE_HEIGHT * PX_PER_MM))
    homography = cv2.getPerspectiveTransform(points, _layout_points(PX_PER_MM))
    corrected = cv2.warpPerspective(
        source, homography, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )
    return corrected, points, source


# --- 3. the QR code ---------------------------------------------------------------------------------


def _decode(corrected: np.ndarray, source: np.ndarray, points: np.ndarray) -> geometry.SheetCode:
    """The QR code, tried from the cheapest attempt on: most pages decode at the first."""
    for attempt in _qr_images(corrected, source, points):
        for detector in _detectors():
            try:
                text, _points, _straight = detector.detectAndDecode(attempt)
            except cv2.error:
                continue
            if text:
                code = geometry.SheetCode.parse(text)
                if code is None:
                    raise errors.OtherLayout()
                return code
    raise errors.UnreadableCode()


def _detectors():
    yield cv2.QRCodeDetector()
    yield cv2.QRCodeDetectorAruco()  # finds the finder patterns differently: some damage suits it better


def _qr_images(corrected: np.ndarray, source: np.ndarray, points: np.ndarray):
    """The QR area resampled straight from the source at two resolutions, plain and binarised."""
    area = geometry.QR_RECT.inset(-3.0)
    for per_mm in (QR_PX_PER_MM, 0.7 * QR_PX_PER_MM):
        homography = cv2.getPerspectiveTransform(points, _layout_points(per_mm))
        shift = np.array([[1, 0, -area.x * per_mm], [0, 1, -area.y * per_mm], [0, 0, 1]])
        fine = cv2.warpPerspective(
            source,
            shift @ homography,
            (round(area.w * per_mm), round(area.h * per_mm)),
            flags=cv2.INTER_LINEAR,
            borderValue=255,
        )
        yield fine
        yield cv2.threshold(fine, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    x0, y0, x1, y1 = area.pixels(PX_PER_MM)
    yield corrected[max(0, y0) : y1, x0:x1]


# --- 4. ink ------------------------------------------------------------------------------------------


def _darkness(gray: np.ndarray, *, paper_kernel: int | None = None) -> np.ndarray:
    """1 - pixel / local paper brightness, in [0, 1]: uneven light and grey paper cancel out."""
    kernel = paper_kernel or round(12 * PX_PER_MM)  # wider than any box, mark or fiducial
    quarter = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    k = max(3, kernel // 4) | 1
    paper = cv2.morphologyEx(quarter, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), k / 4)
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    darkness = 1.0 - smooth.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)
    return np.clip(darkness, 0.0, 1.0)


def _px(value_mm: float) -> int:
    return round(value_mm * PX_PER_MM)


def _crop(rect: geometry.Rect, shape, pad: float = 1.0) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = rect.inset(-pad).pixels(PX_PER_MM)
    return (max(0, x0), max(0, y0), min(shape[1], x1), min(shape[0], y1))


def _border_mask(boxes, shape, offset=(0, 0)) -> np.ndarray:
    """The printed borders of `boxes`, widened by BORDER_BAND: ink there is the printer's."""
    mask = np.zeros(shape, np.uint8)
    band = max(1, _px(2 * BORDER_BAND))
    for rect in boxes:
        x0, y0, x1, y1 = rect.pixels(PX_PER_MM)
        cv2.rectangle(mask, (x0 + offset[0], y0 + offset[1]), (x1 + offset[0], y1 + offset[1]), 1, band)
    return mask


def _align(darkness: np.ndarray, line: geometry.Line) -> tuple[int, int]:
    """The shift (dx, dy) in pixels that lays the row's printed boxes on the image's."""
    search = _px(ALIGN_SEARCH)
    first, last = line.boxes[0], line.boxes[-1]
    region = geometry.Rect(first.x, first.y, last.right - first.x, first.h).inset(-1.0)
    x0, y0, x1, y1 = region.pixels(PX_PER_MM)
    template = np.zeros((y1 - y0, x1 - x0), np.float32)
    for rect in line.boxes:
        bx0, by0, bx1, by1 = rect.pixels(PX_PER_MM)
        cv2.rectangle(template, (bx0 - x0, by0 - y0), (bx1 - x0 - 1, by1 - y0 - 1), 1.0, 2)
    h, w = darkness.shape
    if y0 - search < 0 or x0 - search < 0 or y1 + search > h or x1 + search > w:
        return (0, 0)
    window = darkness[y0 - search : y1 + search, x0 - search : x1 + search]
    scores = cv2.matchTemplate(window, template, cv2.TM_CCORR)
    _min, _max, _min_at, (bx, by) = cv2.minMaxLoc(scores)
    return (bx - search, by - search)


def _share(values: np.ndarray, threshold: float) -> float:
    return float((values > threshold).mean()) if values.size else 0.0


def _inside(darkness: np.ndarray, rect: geometry.Rect, shift: tuple[int, int]) -> np.ndarray:
    x0, y0, x1, y1 = rect.inset(BORDER_BAND + geometry.BOX_BORDER / 2).pixels(PX_PER_MM)
    dx, dy = shift
    return darkness[y0 + dy : y1 + dy, x0 + dx : x1 + dx]


def _read_lines(darkness: np.ndarray, page: geometry.Page) -> tuple[LineReading, ...]:
    shifts = [_align(darkness, line) for line in page.lines]
    fills = []
    for line, shift in zip(page.lines, shifts, strict=True):
        inside = [_inside(darkness, rect, shift) for rect in line.boxes]
        fills.append([(_share(values, STRONG), _share(values, WEAK)) for values in inside])

    strokes = (darkness > STROKE).astype(np.uint8)
    marks = [  # (line index, shifted box) of every box in pen ink
        (index, rect, shift)
        for index, (line, shift, line_fills) in enumerate(zip(page.lines, shifts, fills, strict=True))
        for rect, (ink, _weak) in zip(line.boxes, line_fills, strict=True)
        if ink >= MARKED_FILL
    ]
    readings = []
    for index, (line, shift, line_fills) in enumerate(zip(page.lines, shifts, fills, strict=True)):
        marked = [i for i, (ink, _weak) in enumerate(line_fills) if ink >= MARKED_FILL]
        partial = [
            i
            for i, (ink, weak) in enumerate(line_fills)
            if i not in marked and (ink > EMPTY_STRONG or weak > EMPTY_WEAK)
        ]
        unclear = (
            bool(partial)
            or _bridged(strokes, line, shift)
            or _stray(strokes, marks, index, page.lines, shift)
        )
        if unclear:
            status, grade = Status.AMBIGUOUS, None
        elif len(marked) > 1:
            status, grade = Status.OVERMARKED, None
        elif marked:
            status, grade = Status.MARKED, marked[0]
        else:
            status, grade = Status.BLANK, None
        ink = tuple(round(f[0], 3) for f in line_fills)
        readings.append(
            LineReading(line.cadre, line.criterion, status, grade, _crop(line.row, darkness.shape), ink)
        )
    return tuple(readings)


def _bridged(strong: np.ndarray, line: geometry.Line, shift) -> bool:
    """Whether one stroke runs across the gap between two neighbouring boxes."""
    dx, dy = shift
    for left, right in itertools.pairwise(line.boxes):
        gap = geometry.Rect(
            left.right + BORDER_BAND, left.y - 1.0, right.x - left.right - 2 * BORDER_BAND, left.h + 2
        )
        x0, y0, x1, y1 = gap.pixels(PX_PER_MM)
        columns = strong[y0 + dy : y1 + dy, x0 + dx : x1 + dx].any(axis=0)
        if columns.size and columns.mean() >= BRIDGE_SPAN:
            return True
    return False


def _stray(strong: np.ndarray, marks, index: int, lines, shift) -> bool:
    """Whether the row's grid holds pen ink that no mark explains (a circle round a box, a line).

    A marked box explains the ink within MARK_REACH of it (a tick overflows its box), but a mark on
    the next row explains nothing level with this row's boxes: a circle drawn round a box stays seen.
    """
    line = lines[index]
    dx, dy = shift
    first, last = line.boxes[0], line.boxes[-1]
    grid = geometry.Rect(first.x - 3.0, line.row.y, last.right + 3.0 - (first.x - 3.0), line.row.h)
    x0, y0, x1, y1 = grid.pixels(PX_PER_MM)
    region = (slice(y0 + dy, y1 + dy), slice(x0 + dx, x1 + dx))
    ink = strong[region].astype(bool)
    ignored = _border_mask(line.boxes, strong.shape, (dx, dy))[region].astype(bool)
    for rect in line.boxes:  # the inside of a box is measured on its own
        bx0, by0, bx1, by1 = rect.pixels(PX_PER_MM)
        ignored[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0] = True
    reach = _px(MARK_REACH)
    band = (_px(first.y - line.row.y - 0.5), _px(first.bottom - line.row.y + 0.5))
    for mark_line, rect, (mx, my) in marks:
        bx0, by0, bx1, by1 = rect.pixels(PX_PER_MM)
        top, bottom = by0 + my - reach - (y0 + dy), by1 + my + reach - (y0 + dy)
        left, right = bx0 + mx - reach - (x0 + dx), bx1 + mx + reach - (x0 + dx)
        if mark_line == index:
            ignored[max(0, top) : max(0, bottom), max(0, left) : max(0, right)] = True
        else:  # above and below this row's boxes only
            ignored[max(0, top) : max(0, min(bottom, band[0])), max(0, left) : max(0, right)] = True
            ignored[max(band[1], top) : max(band[1], bottom), max(0, left) : max(0, right)] = True
    unexplained = int((ink & ~ignored).sum())
    return unexplained > STRAY_MM2 * PX_PER_MM * PX_PER_MM


def _written(darkness: np.ndarray, rect: geometry.Rect) -> bool:
    inner = geometry.Rect(rect.x + 7.0, rect.y + 1.5, rect.w - 8.5, rect.h - 3.0)  # past the number
    x0, y0, x1, y1 = inner.pixels(PX_PER_MM)
    # Faint ink counts: a box wrongly called written costs the clerks a glance, one missed a nomination.
    return _share(darkness[y0:y1, x0:x1], WEAK) >= NOMINATION_WRITTEN
