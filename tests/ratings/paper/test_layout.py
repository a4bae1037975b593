"""The sheet's geometry: boxes a pen can mark, nothing overlapping, pages, the digest and the QR payload."""

import itertools
import re

import pytest

from ratings.paper import layout as geometry
from tests.ratings.paper.corpus import description


def _overlap(a: geometry.Rect, b: geometry.Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


@pytest.mark.parametrize("quick", [False, True])
@pytest.mark.parametrize("cadres", [1, 3, 4, 15, 40])
def test_every_box_is_big_enough_on_the_page_and_apart(quick, cadres):
    sheet = geometry.compute_layout(description(cadres=cadres, quick=quick, nominations=5))
    furniture = (*geometry.FIDUCIALS, geometry.QR_RECT, geometry.TITLE_RECT, *sheet.columns)
    for page in sheet.pages:
        boxes = [rect for line in page.lines for rect in line.boxes] + [n.rect for n in page.nominations]
        for rect in boxes:
            assert rect.w >= 6 and rect.h >= 6
            assert rect.y >= geometry.CONTENT_TOP and rect.bottom <= geometry.CONTENT_BOTTOM
            assert not any(_overlap(rect, other) for other in furniture)
        for a, b in itertools.combinations(boxes, 2):
            assert not _overlap(a.inset(-1.0), b.inset(-1.0)), "boxes closer than 2 mm"


def test_every_line_of_every_cadre_is_on_exactly_one_page_in_order():
    desc = description(cadres=11, quick=False)
    sheet = geometry.compute_layout(desc)
    assert len(sheet.pages) == 4  # three cadres of five criteria fit a page
    lines = [(line.cadre, line.criterion) for page in sheet.pages for line in page.lines]
    assert lines == [(c, k) for c in range(11) for k in range(5)]
    assert sheet.pages[-1].nominations and not sheet.pages[0].nominations


def test_quick_mode_fits_a_village_on_one_page():
    sheet = geometry.compute_layout(description(cadres=15, quick=True, nominations=3))
    assert len(sheet.pages) == 1
    assert [line.label.split(" · ")[0] for line in sheet.pages[0].lines][:2] == ["王建国", "李秀英"]


def test_the_digest_ignores_the_language_but_not_the_meaning():
    zh = geometry.compute_layout(description(language="zh-hans"))
    ug = geometry.compute_layout(description(language="ug"))
    assert zh.digest == ug.digest
    assert [page.lines[0].boxes for page in zh.pages] == [page.lines[0].boxes for page in ug.pages]
    assert geometry.compute_layout(description(meeting_id=8)).digest != zh.digest
    assert geometry.compute_layout(description(cadres=4)).digest != zh.digest
    assert geometry.compute_layout(description(nominations=2)).digest != zh.digest


def test_sheet_ids_are_random_and_the_qr_says_nothing_else():
    ids = {geometry.new_sheet_id() for _ in range(200)}
    assert len(ids) == 200 and all(re.fullmatch(r"[A-Z2-7]{16}", i) for i in ids)
    sheet = geometry.compute_layout(description(meeting_id=42))
    code = geometry.sheet_code(sheet, 1, "ABCDEFGHIJKLMNOP")
    assert code.payload() == f"VCB1:42:{sheet.digest}:1:ABCDEFGHIJKLMNOP"
    assert geometry.SheetCode.parse(code.payload()) == code
    assert geometry.SheetCode.parse("http://example.com/") is None


def test_a_ballot_without_cadres_or_with_one_grade_is_refused():
    with pytest.raises(ValueError):
        geometry.compute_layout(description(cadres=0))
    desc = description()
    with pytest.raises(ValueError):
        geometry.compute_layout(geometry.BallotDescription(**{**desc.__dict__, "grades": desc.grades[:1]}))
