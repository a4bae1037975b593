"""The printable sheet printed by Chromium to PDF, marked and read back: the HTML puts every box where
the reader looks for it, in Chinese and in Uyghur.

Chromium prints on its own (headless --print-to-pdf), not through Playwright: the browser tests'
session already drives one Playwright instance in this process, and printing needs no page script.
"""

import os
import random
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from PIL import Image

from ratings.paper import images, printing, reader
from ratings.paper import layout as geometry
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.ratings.paper import corpus, pen

pytestmark = pytest.mark.browser
CSS = Path(settings.BASE_DIR) / "static/ratings/css/paper-sheet.css"


def _print_to_pdf(html: str, folder: Path) -> bytes:
    if not CHROMIUM.exists():
        message = f"Debian's chromium is not installed ({CHROMIUM} is missing)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    source, target = folder / "sheets.html", folder / "sheets.pdf"
    source.write_text(html.replace("</head>", f"<style>{CSS.read_text()}</style></head>"))
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            *CHROMIUM_ARGS,
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return target.read_bytes()


@pytest.mark.parametrize("language", ["zh-hans", "ug"])
def test_a_sheet_printed_by_chromium_reads_back_with_its_marks(language, tmp_path):
    sheet = geometry.compute_layout(corpus.description(cadres=4, language=language, nominations=3))
    pages = printing.printed_pages(sheet, "PRINTEDBYCHROME2")
    html = render_to_string(
        "ratings/paper/sheets.html",
        {"sheets": [pages], "language": language, "direction": pages[0].direction, "title": "t"},
    )
    pdf = _print_to_pdf(html, tmp_path)

    results = reader.read_file(pdf, sheet)
    assert [(r.reading.sheet_id, r.reading.page) for r in results] == [
        ("PRINTEDBYCHROME2", 1),
        ("PRINTEDBYCHROME2", 2),
    ]
    assert all(line.status == reader.Status.BLANK for r in results for line in r.reading.lines)

    # Mark the printed second page with a pen, photograph it askew, and read it.
    rng = random.Random(2)
    printed = Image.fromarray(images.load_pages(pdf)[1])
    hand = pen.Pen(printed, images.PDF_DPI, rng)
    lines = sheet.page(2).lines
    for index, line in enumerate(lines):
        hand.mark(pen.CLEAR[index % 4], line, (index + 1) % 4)
    photo = pen.degrade(printed, rng, turn=1, angle=-6.0, perspective=0.03, blur=0.8, background=80)
    [result] = reader.read_file(pen.encode(photo, fmt="JPEG", quality=50), sheet)
    assert [(line.status, line.grade) for line in result.reading.lines] == [
        (reader.Status.MARKED, (index + 1) % 4) for index in range(len(lines))
    ]
