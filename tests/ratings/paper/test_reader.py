"""Reading marked sheets: every clear mark read right, every unclear one sent to a person, none wrong.

Sheets are rendered, marked the ways a pen marks them and damaged the ways a scanner or a phone does
(tests/ratings/paper/pen.py), from fixed seeds. The big corpus is bench/paper.py's.
"""

import io
import random

import numpy as np
import pytest
from PIL import Image

from ratings.paper import layout as geometry
from ratings.paper import reader
from tests.ratings.paper import corpus, pen
from tests.ratings.paper.pen import Mark

M = reader.Status.MARKED


def _sheet(marks, *, seed=1, cadres=2, quick=False, language="zh-hans", nominations=3, written=None):
    """A page with `marks` (one (Mark or None or "over", grade) per line) at 150 dpi, undamaged."""
    rng = random.Random(seed)
    sheet = corpus.Sheet(
        geometry.compute_layout(
            corpus.description(cadres=cadres, quick=quick, language=language, nominations=nominations)
        ),
        1,
        corpus.seeded_sheet_id(rng),
        [],
        [],
    )
    image = corpus.mark_page(sheet, rng, dpi=150, marks=marks)
    return sheet, image, rng


def _read(sheet, pixels: np.ndarray, **encoding) -> reader.SheetReading:
    results = reader.read_file(pen.encode(pixels, **encoding), sheet.layout)
    assert len(results) == 1 and results[0].error is None, results[0].error
    return results[0].reading


EVERY_MARK = [
    (Mark.TICK, 0),
    (Mark.CROSS, 1),
    (Mark.FILLED, 2),
    (Mark.CIRCLE, 3),
    (None, None),
    (Mark.FAINT, 1),
    (Mark.DOT, 2),
    (Mark.ACROSS, 0),
    (Mark.AROUND, 3),
    (Mark.STRAY_IN_GRID, 1),
]


def _expected(kind, grade):
    if kind is None:
        return (reader.Status.BLANK, None)
    if kind in pen.CLEAR:
        return (M, grade)
    return ("person", None)


def _outcome(line):
    return ("person", None) if line.needs_person else (line.status, line.grade)


DAMAGE = {
    "flat scan": {},
    "tilted 10 degrees": {"angle": 10.0},
    "tilted -10 degrees, upside down": {"angle": -10.0, "turn": 2},
    "sideways": {"turn": 1, "angle": 3.0},
    "the other way": {"turn": 3, "angle": -4.0},
    "phone photo": {"perspective": 0.04, "angle": 6.0, "background": 70, "scale": 0.8},
    "blurred": {"blur": 1.2},
    "uneven light": {"gradient": 0.5, "background": 120},
    "folded": {"fold": True},
    "noisy": {"noise": 8.0},
    "everything at once": {
        "turn": 1,
        "angle": -9.0,
        "perspective": 0.03,
        "blur": 1.0,
        "gradient": 0.4,
        "fold": True,
        "noise": 6.0,
        "scale": 0.85,
        "background": 90,
    },
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_every_kind_of_mark_under_every_kind_of_damage(damage):
    sheet, image, rng = _sheet(EVERY_MARK)
    reading = _read(sheet, pen.degrade(image, rng, **damage), fmt="JPEG", quality=30)
    assert [_outcome(line) for line in reading.lines] == [_expected(*mark) for mark in EVERY_MARK]
    assert reading.sheet_id == sheet.sheet_id and reading.page == 1 and reading.meeting_id == 7


def test_two_clear_marks_on_a_line_are_over_marked_and_go_to_a_person():
    marks = [("over", None), (Mark.TICK, 2), ("over", None)] + [(None, None)] * 7
    sheet, image, rng = _sheet(marks)
    reading = _read(sheet, pen.degrade(image, rng, angle=4.0))
    assert reading.lines[0].status == reader.Status.OVERMARKED and reading.lines[0].grade is None
    assert (reading.lines[1].status, reading.lines[1].grade) == (M, 2)
    assert reading.lines[2].needs_person and reading.needs_person


def test_ink_outside_the_grid_changes_nothing():
    marks = [(Mark.TICK, i % 4) for i in range(10)]
    rng = random.Random(5)
    sheet = corpus.Sheet(geometry.compute_layout(corpus.description(cadres=2)), 1, "A" * 16, [], [])
    image = corpus.mark_page(sheet, rng, dpi=150, marks=marks, stray=True)
    reading = _read(sheet, pen.degrade(image, rng, angle=-3.0))
    assert [(line.status, line.grade) for line in reading.lines] == [(M, i % 4) for i in range(10)]


def test_a_uyghur_quick_mode_sheet_reads_like_a_chinese_one():
    marks = [(Mark.CROSS, 3), (Mark.TICK, 0), (None, None), (Mark.FILLED, 1), (Mark.FAINT, 2)]
    sheet, image, rng = _sheet(marks, cadres=5, quick=True, language="ug")
    reading = _read(sheet, pen.degrade(image, rng, turn=2, angle=2.0, blur=0.8), fmt="JPEG", quality=40)
    assert [_outcome(line) for line in reading.lines] == [_expected(*m) for m in marks]
    assert [(line.cadre, line.criterion) for line in reading.lines] == [(i, 0) for i in range(5)]


def test_written_nomination_boxes_are_found_but_not_read():
    rng = random.Random(3)
    sheet = corpus.Sheet(
        geometry.compute_layout(corpus.description(cadres=1, nominations=5)), 1, "B" * 16, [], []
    )
    image = corpus.mark_page(sheet, rng, dpi=150, marks=[(None, None)] * 5)
    reading = _read(sheet, pen.degrade(image, rng, angle=5.0, noise=4.0))
    assert [n.written for n in reading.nominations] == sheet.written
    assert any(sheet.written) and not all(sheet.written)  # the seed writes in some boxes only


def test_a_random_corpus_is_read_without_a_single_wrong_line():
    verdict = corpus.Verdict()
    for seed in range(1000, 1024):
        sheet = corpus.make_sheet(seed)
        [result] = reader.read_file(sheet.content, sheet.layout)
        assert result.error is None, (seed, result.error, sheet.damage)
        corpus.judge(sheet.truth, result.reading, verdict)
        assert [n.written for n in result.reading.nominations] == sheet.written
    assert verdict.wrong == 0, verdict.wrong_lines
    lines = verdict.right + verdict.flagged_without_need
    assert lines > 200
    assert verdict.flagged_without_need <= 0.02 * lines  # the reader does not flag everything


def test_a_scanners_pdf_is_read_page_by_page():
    pages = []
    for number in (1, 2):
        rng = random.Random(number)
        sheet = corpus.Sheet(geometry.compute_layout(corpus.description(cadres=4)), number, "C" * 16, [], [])
        marks = [(Mark.CROSS, (i + number) % 4) for i in range(len(sheet.layout.page(number).lines))]
        pages.append(
            Image.fromarray(pen.degrade(corpus.mark_page(sheet, rng, dpi=150, marks=marks), rng, angle=2.0))
        )
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    results = reader.read_file(buffer.getvalue(), sheet.layout)
    assert [r.reading.page for r in results] == [1, 2]
    assert [line.grade for line in results[1].reading.lines] == [(i + 2) % 4 for i in range(5)]
    assert all(line.status == M for r in results for line in r.reading.lines)
