"""The sheet drawn as a picture (Pillow), at a chosen resolution: the same geometry as the printable page.

For the tests and the benchmark, which need a sheet as a scanner would see it, and for a preview.
Text is drawn with a Noto CJK or UKIJ font where Debian's packages put them, or Pillow's own font
otherwise: the reader never looks at text.
"""

from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont, features

from ratings.paper import layout as geometry

MM_PER_INCH = 25.4
INK, PAPER = 0, 255
FONTS = {  # (file, index in a collection) by language, first found wins
    "zh-hans": (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),),
    "ug": (
        ("/usr/share/fonts/truetype/fonts-ukij-uyghur/UKIJTuT.ttf", 0),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ),
}
LATIN_FONTS = (("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),)
RTL_LANGUAGES = {"ug", "ar", "fa", "he"}


@lru_cache(maxsize=32)
def _font(language: str, pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path, index in FONTS.get(language, ()) + LATIN_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, pixels, index=index)
    return ImageFont.load_default(pixels)


def render_page(sheet: geometry.SheetLayout, number: int, sheet_id: str, *, dpi: int = 150) -> Image.Image:
    """Page `number` (1-based) of `sheet` with identifier `sheet_id`, as a greyscale image at `dpi`."""
    per_mm = dpi / MM_PER_INCH
    page = sheet.page(number)
    description = sheet.description
    image = Image.new("L", (round(geometry.PAGE_WIDTH * per_mm), round(geometry.PAGE_HEIGHT * per_mm)), PAPER)
    draw = ImageDraw.Draw(image)
    rtl = description.language in RTL_LANGUAGES
    border = max(1, round(geometry.BOX_BORDER * per_mm))

    def box(rect: geometry.Rect, **kwargs) -> None:
        x0, y0, x1, y1 = rect.pixels(per_mm)
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), **kwargs)

    def text(
        rect: geometry.Rect, words: str, size_mm: float, *, align_end: bool = False, center: bool = False
    ) -> None:
        if not words:
            return
        pixels = max(8, round(size_mm * per_mm))
        font = _font(description.language, pixels)
        x0, y0, x1, y1 = rect.pixels(per_mm)
        options = {}
        if rtl and features.check_feature("raqm"):
            options["direction"] = "rtl"
        width = draw.textlength(words, font=font, **options)
        while width > x1 - x0 - 4 and pixels > 6:  # never into the boxes: a smaller font instead
            pixels -= 2
            font = _font(description.language, pixels)
            width = draw.textlength(words, font=font, **options)
        right = align_end or rtl  # beside the boxes, or where a Uyghur label starts
        x = x1 - width - 2 if right else x0 + 2
        if center:
            x = (x0 + x1 - width) / 2
        draw.text((x, (y0 + y1) / 2), words, fill=INK, font=font, anchor="lm", **options)

    for rect in geometry.FIDUCIALS:
        box(rect, fill=INK)
    box(geometry.FIDUCIAL_HOLE_RECT, fill=PAPER)

    code = geometry.sheet_code(sheet, number, sheet_id)
    matrix = segno.make_qr(code.payload(), error="m").matrix
    x0, y0, x1, _y1 = geometry.QR_RECT.pixels(per_mm)
    modules = len(matrix) + 8  # the symbol and its quiet zone of four modules each side
    module = (x1 - x0) / modules
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (
                        round(x0 + (c + 4) * module),
                        round(y0 + (r + 4) * module),
                        round(x0 + (c + 5) * module) - 1,
                        round(y0 + (r + 5) * module) - 1,
                    ),
                    fill=INK,
                )

    title = geometry.TITLE_RECT
    text(geometry.Rect(title.x, title.y, title.w, 9), description.village, 4.5)
    text(geometry.Rect(title.x, title.y + 10, title.w, 9), description.title, 4.5)
    text(geometry.Rect(title.x, title.y + 20, title.w, 6), description.instruction, 3.0)
    page_mark = f"{number}/{len(sheet.pages)}"
    text(
        geometry.Rect(geometry.QR_LEFT, geometry.QR_TOP + geometry.QR_SIZE, geometry.QR_SIZE, 6), page_mark, 3
    )

    for rect, grade in zip(sheet.columns, description.grades, strict=True):
        text(rect, grade.label, 2.6, center=True)
    for heading in page.headings:
        text(heading.rect, geometry.cadre_label(description.cadres[heading.cadre]), 4.0)
    for line in page.lines:
        text(line.label_rect, line.label, 3.6, align_end=not description.quick)
        for rect in line.boxes:
            box(rect, outline=INK, width=border)
    if page.nomination_heading:
        text(page.nomination_heading, description.nomination_heading, 3.6)
    for nomination in page.nominations:
        box(nomination.rect, outline=INK, width=border)
        corner = geometry.Rect(nomination.rect.x, nomination.rect.y, 6, 5)
        text(corner, str(nomination.number), 2.6)
    return image
