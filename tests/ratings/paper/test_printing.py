"""The printable sheet: the template draws the layout's boxes at their millimetres, in either language."""

import re
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from django.template.loader import render_to_string

from ratings.paper import layout as geometry
from ratings.paper import printing, reader
from ratings.paper.raster import render_page
from tests.ratings.paper.corpus import description

RECT = re.compile(
    r'<rect class="paper-(box|fiducial)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"'
)


def _render(language: str, sheet_id: str = "ABCDEFGHIJKLMNOP") -> str:
    sheet = geometry.compute_layout(description(language=language, cadres=4))
    pages = printing.printed_pages(sheet, sheet_id)
    return render_to_string(
        "ratings/paper/sheets.html",
        {"sheets": [pages], "language": language, "direction": pages[0].direction, "title": "t"},
    )


def test_the_chinese_and_the_uyghur_sheet_have_the_same_boxes_in_the_same_places():
    zh, ug = _render("zh-hans"), _render("ug")
    assert RECT.findall(zh) == RECT.findall(ug)
    assert len(RECT.findall(zh)) == 2 * 4 + (15 + 5) * 4 + 3  # fiducials per page, grade and nomination boxes
    assert '<html lang="ug" dir="rtl">' in ug and 'direction="rtl"' in ug
    assert "王建国 · 党支部书记" in zh and "ئەركىن تۇرسۇن · 党支部委员" in ug


def test_the_boxes_are_drawn_where_the_layout_puts_them():
    sheet = geometry.compute_layout(description(cadres=1))
    html = render_to_string("ratings/paper/_page.html", {"page": printing.printed_page(sheet, 1, "A" * 16)})
    first = sheet.page(1).lines[0].boxes[0]
    assert f'<rect class="paper-box" x="{first.x}" y="{first.y}" width="7.0" height="7.0"/>' in html
    assert 'viewBox="0 0 210 297" width="210mm" height="297mm"' in html
    assert re.search(r'<svg x="158.0" y="6.0" width="30.0" height="30.0" [^>]*class="paper-qr"', html)


def test_the_stylesheet_prints_on_a4_without_margins():
    css = (Path(settings.BASE_DIR) / "static/ratings/css/paper-sheet.css").read_text()
    assert "size: A4 portrait" in css and "margin: 0" in css


def test_the_raster_sheet_reads_back_blank_with_its_identifier():
    sheet = geometry.compute_layout(description(cadres=4, language="ug"))
    image = np.array(render_page(sheet, 2, "QRSTUVWXYZ234567", dpi=150))
    reading = reader.read_page(image, sheet)
    assert (reading.sheet_id, reading.meeting_id, reading.page) == ("QRSTUVWXYZ234567", 7, 2)
    assert [line.status for line in reading.lines] == [reader.Status.BLANK] * 5
    assert [n.written for n in reading.nominations] == [False, False, False]
    x0, y0, x1, y1 = reading.lines[0].crop
    crop = cv2.imdecode(
        np.frombuffer(reading.crop_png(reading.lines[0].crop), np.uint8), cv2.IMREAD_GRAYSCALE
    )
    assert crop.shape == (y1 - y0, x1 - x0)


def test_a_long_name_is_squeezed_to_stay_clear_of_the_boxes():
    desc = description(cadres=2, quick=True)
    long_name = geometry.Choice(
        "9", "阿不都热合曼·阿不都克里木·买买提依明", "驻村工作队第一书记兼党支部第一书记"
    )
    sheet = geometry.compute_layout(geometry.BallotDescription(**{**desc.__dict__, "cadres": (long_name,)}))
    page = printing.printed_page(sheet, 1, "A" * 16)
    [label] = [text for text in page.texts if text.words.startswith("阿不都")]
    line = sheet.page(1).lines[0]
    assert label.anchor == "start" and label.fit == line.label_rect.w - 2
    assert line.label_rect.x <= label.x and label.x + label.fit <= line.label_rect.right
    html = render_to_string("ratings/paper/_page.html", {"page": page})
    assert f'textLength="{label.fit}" lengthAdjust="spacingAndGlyphs"' in html
    assert (
        reader.read_page(np.array(render_page(sheet, 1, "A" * 16)), sheet).lines[0].status
        == reader.Status.BLANK
    )
