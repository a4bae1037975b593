"""What the printable sheet's template needs: the layout's millimetres, its texts and the QR code as SVG.

The template (templates/ratings/paper/sheets.html) draws each page as one SVG whose user unit is the
millimetre, so the browser prints every box where the reader looks for it. Only the text's side
changes with the language: a Uyghur label is anchored at the right edge of its place.
"""

from dataclasses import dataclass

import segno
from django.utils.safestring import mark_safe

from ratings.paper import layout as geometry

RTL_LANGUAGES = {"ug", "ar", "fa", "he"}


@dataclass(frozen=True)
class Text:
    x: float  # where the text starts: its left edge, or its right edge for a right-to-left language
    y: float  # the baseline's middle, with dominant-baseline="central"
    words: str
    size: float  # millimetres
    anchor: str = "start"
    fit: float | None = None  # squeeze the text to this width (mm): it may not run into the boxes


@dataclass(frozen=True)
class PrintedPage:
    number: int
    count: int
    language: str
    direction: str
    qr_svg: str
    texts: tuple[Text, ...]
    boxes: tuple[geometry.Rect, ...]  # grade boxes and nomination boxes, outlined
    fiducials: tuple[geometry.Rect, ...]
    hole: geometry.Rect
    qr: geometry.Rect


def _estimated_width(words: str, size: float) -> float:
    """A generous guess of the printed width: a Chinese character is square, other letters narrower."""
    return sum(size if ord(char) >= 0x2E80 else 0.62 * size for char in words)


def qr_svg(code: geometry.SheetCode, rect: geometry.Rect) -> str:
    """The sheet's QR code as an SVG element placed at `rect` inside the page's SVG (units: mm)."""
    symbol = segno.make_qr(code.payload(), error="m")
    svg = symbol.svg_inline(scale=1, border=4, omitsize=True, svgclass="paper-qr")
    placed = svg.replace("<svg ", f'<svg x="{rect.x}" y="{rect.y}" width="{rect.w}" height="{rect.h}" ', 1)
    return mark_safe(placed)  # noqa: S308 (segno's markup of our own payload: letters, digits and ':')


def printed_pages(sheet: geometry.SheetLayout, sheet_id: str) -> list[PrintedPage]:
    """Every page of one sheet (one identifier), ready for the template."""
    return [printed_page(sheet, page.number, sheet_id) for page in sheet.pages]


def printed_page(sheet: geometry.SheetLayout, number: int, sheet_id: str) -> PrintedPage:
    description = sheet.description
    rtl = description.language in RTL_LANGUAGES
    page = sheet.page(number)
    texts: list[Text] = []

    def text(rect: geometry.Rect, words: str, size: float, *, at_end: bool = False, center: bool = False):
        if not words:
            return
        if center:
            texts.append(Text(rect.x + rect.w / 2, rect.y + rect.h / 2, words, size, "middle"))
            return
        fit = rect.w - 2 if _estimated_width(words, size) > rect.w - 2 else None
        right = at_end or rtl  # beside the boxes, or where a Uyghur text starts
        x = rect.right - 1 if right else rect.x + 1
        anchor = "start" if right == rtl else "end"  # "start" follows the text's direction
        texts.append(Text(x, rect.y + rect.h / 2, words, size, anchor, fit))

    title = geometry.TITLE_RECT
    text(geometry.Rect(title.x, title.y, title.w, 9), description.village, 4.5)
    text(geometry.Rect(title.x, title.y + 10, title.w, 9), description.title, 4.5)
    text(geometry.Rect(title.x, title.y + 20, title.w, 6), description.instruction, 3.0)
    qr = geometry.QR_RECT
    # The page and the sheet's identifier in print, for a person to read when the code will not scan.
    below_code = geometry.Rect(qr.x - 44, qr.bottom, qr.w + 44, 6)
    text(below_code, f"{number}/{len(sheet.pages)} · {geometry.spaced(sheet_id)}", 3.0, at_end=True)
    for rect, grade in zip(sheet.columns, description.grades, strict=True):
        text(rect, grade.label, 2.6, center=True)
    for heading in page.headings:
        text(heading.rect, geometry.cadre_label(description.cadres[heading.cadre]), 4.0)
    for line in page.lines:
        text(line.label_rect, line.label, 3.6, at_end=not description.quick)
    if page.nomination_heading:
        text(page.nomination_heading, description.nomination_heading, 3.6)
    for nomination in page.nominations:
        texts.append(
            Text(nomination.rect.x + 3, nomination.rect.y + 3, str(nomination.number), 2.6, "middle")
        )
    boxes = tuple(rect for line in page.lines for rect in line.boxes) + tuple(
        n.rect for n in page.nominations
    )
    return PrintedPage(
        number=number,
        count=len(sheet.pages),
        language=description.language,
        direction="rtl" if rtl else "ltr",
        qr_svg=qr_svg(geometry.sheet_code(sheet, number, sheet_id), qr),
        texts=tuple(texts),
        boxes=boxes,
        fiducials=geometry.FIDUCIALS,
        hole=geometry.FIDUCIAL_HOLE_RECT,
        qr=qr,
    )
