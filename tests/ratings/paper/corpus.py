"""Marked and damaged sheets with the truth about each line, from a seed: for the tests and the benchmark.

A line's truth is what a careful person would say: a clear mark on one grade, blank, or "for a
person" (over-marked, faint, a dot, a mark over two boxes, a circle round a box, a line between
boxes). Judged against the reader, a line is:
- right: a clear mark read as that grade, a blank line read blank, a line for a person flagged;
- flagged without need: a clear or blank line sent to a person (costs time, counts nothing wrong);
- wrong: anything else (a wrong grade, a mark read where there is none or missed, an unclear line
  read as a grade or as blank). The reader must never be wrong.
"""

import random
from base64 import b32encode
from dataclasses import dataclass, field

from ratings.paper import layout as geometry
from ratings.paper import reader
from ratings.paper.raster import render_page
from tests.ratings.paper import pen

CRITERIA = (("de", "德"), ("neng", "能"), ("qin", "勤"), ("ji", "绩"), ("lian", "廉"))
GRADES = (
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("dissatisfied", "不满意"),
    ("dont_know", "不了解"),
)
GRADES_UG = ("رازى", "ئاساسەن رازى", "نارازى", "بىلمەيمەن")
NAMES = (
    "王建国",
    "李秀英",
    "艾尔肯·吐尔逊",
    "张伟",
    "古丽娜尔·买买提",
    "刘洋",
    "阿不都热合曼",
    "陈静",
    "马强",
    "赵丽",
)
NAMES_UG = (
    "ۋاڭ جيەنگو",
    "لى شيۇيىڭ",
    "ئەركىن تۇرسۇن",
    "جاڭ ۋېي",
    "گۈلنار مەمەت",
    "ليۇ ياڭ",
    "ئابدۇراخمان",
    "چېن جىڭ",
)
POSTS = ("党支部书记", "村委会主任", "党支部委员", "村委会委员", "驻村第一书记")

BLANK, PERSON = "blank", "person"


def description(
    *,
    meeting_id: int = 7,
    cadres: int = 3,
    quick: bool = False,
    language: str = "zh-hans",
    nominations: int = 3,
) -> geometry.BallotDescription:
    uyghur = language == "ug"
    names = NAMES_UG if uyghur else NAMES
    grades = GRADES_UG if uyghur else tuple(label for _key, label in GRADES)
    return geometry.BallotDescription(
        meeting_id=meeting_id,
        village="ئاقسۇ كەنتى" if uyghur else "阿克苏村",
        title="2026-يىللىق خىزمەت دوكلاتى يىغىنى" if uyghur else "2026年度村两委述职评议会",
        language=language,
        cadres=tuple(
            geometry.Choice(str(100 + i), names[i % len(names)], POSTS[i % len(POSTS)]) for i in range(cadres)
        ),
        lines=(geometry.Choice("overall", "总体评价"),)
        if quick
        else tuple(geometry.Choice(k, v) for k, v in CRITERIA),
        grades=tuple(geometry.Choice(key, label) for (key, _zh), label in zip(GRADES, grades, strict=True)),
        nominations=nominations,
        instruction="每行只在一个方框内打勾或打叉。",
        nomination_heading="推荐勤劳致富户（填写户号）",
    )


@dataclass
class Sheet:
    layout: geometry.SheetLayout
    page: int
    sheet_id: str
    truth: list  # per line of the page: a grade index, BLANK or PERSON
    written: list  # per nomination box: whether something was written
    kinds: list = field(default_factory=list)  # per line: the mark drawn ("over", a Mark, or None)
    content: bytes = b""
    damage: dict = field(default_factory=dict)


def mark_page(sheet: Sheet, rng: random.Random, *, dpi: int, marks=None, stray: bool = False):
    """The page rendered at `dpi` and marked: `marks` is a list (one per line) of (Mark or None, grade),
    or None for random marks; returns the Pillow image. Fills sheet.truth and sheet.written."""
    image = render_page(sheet.layout, sheet.page, sheet.sheet_id, dpi=dpi)
    hand = pen.Pen(image, dpi, rng)
    page = sheet.layout.page(sheet.page)
    grades = len(sheet.layout.description.grades)
    for index, line in enumerate(page.lines):
        kind, grade = marks[index] if marks is not None else random_mark(rng, grades)
        sheet.kinds.append(kind)
        if kind == "over":
            first, second = rng.sample(range(grades), 2)
            hand.mark(rng.choice(pen.CLEAR), line, first)
            hand.mark(rng.choice(pen.CLEAR), line, second)
            sheet.truth.append(PERSON)
        elif kind is None:
            sheet.truth.append(BLANK)
        else:
            hand.mark(kind, line, grade)
            sheet.truth.append(grade if kind in pen.CLEAR else PERSON)
    if stray:
        hand.stray_outside(page)
    for box in page.nominations:
        written = rng.random() < 0.5
        if written:
            hand.write(box.rect)
        sheet.written.append(written)
    return image


def random_mark(rng: random.Random, grades: int):
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(pen.CLEAR), rng.randrange(grades)
    if roll < 0.75:
        return None, None
    if roll < 0.85:
        return "over", None
    kind = rng.choice(pen.UNCLEAR)
    return kind, rng.randrange(grades - 1) if kind is pen.Mark.ACROSS else rng.randrange(grades)


def random_damage(rng: random.Random) -> dict:
    """A scan (flat, white surround, PNG or JPEG) or a phone photo (perspective, table behind, JPEG)."""
    photo = rng.random() < 0.5
    damage = {
        "turn": rng.randrange(4),
        "angle": rng.uniform(-10, 10),
        "perspective": rng.uniform(0.0, 0.04) if photo else 0.0,
        "blur": rng.uniform(0.0, 1.2),
        "gradient": rng.uniform(0.0, 0.5) if photo else rng.uniform(0.0, 0.15),
        "fold": rng.random() < 0.3,
        "noise": rng.uniform(0.0, 8.0),
        "scale": rng.uniform(0.75, 1.0) if photo else 1.0,
        "background": rng.randint(40, 170) if photo else 255,
    }
    quality = rng.choice((30, 30, 50, 75, None))
    return damage | {"quality": quality}


def make_sheet(seed: int, *, dpi: int | None = None, damage: dict | None = None, **shape) -> Sheet:
    """A random sheet (layout, marks, damage) from `seed`, encoded as an upload would carry it."""
    rng = random.Random(seed)
    shape = {
        "cadres": rng.randint(2, 14),
        "quick": rng.random() < 0.5,
        "language": rng.choice(("zh-hans", "ug")),
        "nominations": rng.randint(0, 5),
    } | shape
    sheet_layout = geometry.compute_layout(description(**shape))
    sheet = Sheet(sheet_layout, rng.randint(1, len(sheet_layout.pages)), seeded_sheet_id(rng), [], [])
    image = mark_page(sheet, rng, dpi=dpi or rng.choice((150, 200)), stray=rng.random() < 0.3)
    damage = random_damage(rng) if damage is None else damage
    quality = damage.pop("quality", None)
    pixels = pen.degrade(image, rng, **damage)
    sheet.content = pen.encode(pixels, fmt="JPEG", quality=quality) if quality else pen.encode(pixels)
    sheet.damage = damage | {"quality": quality}
    return sheet


def seeded_sheet_id(rng: random.Random) -> str:
    """A sheet identifier like geometry.new_sheet_id's, but from the seed: the same sheet every run."""
    return b32encode(rng.randbytes(geometry.SHEET_ID_BYTES)).decode()


@dataclass
class Verdict:
    right: int = 0
    flagged_without_need: int = 0
    wrong: int = 0
    wrong_lines: list = field(default_factory=list)


def judge(truth: list, reading: reader.SheetReading, verdict: Verdict | None = None) -> Verdict:
    verdict = verdict or Verdict()
    for index, (expected, line) in enumerate(zip(truth, reading.lines, strict=True)):
        if line.needs_person:
            if expected == PERSON:
                verdict.right += 1
            else:
                verdict.flagged_without_need += 1
        elif (expected == BLANK and line.status == reader.Status.BLANK) or (
            line.status == reader.Status.MARKED and expected == line.grade
        ):
            verdict.right += 1
        else:
            verdict.wrong += 1
            verdict.wrong_lines.append((index, expected, line.status, line.grade, line.ink))
    return verdict
