"""Paper ballots of a real meeting: sheets printed by the portal, marked by a simulated pen, scanned.

`paper_world` opens a meeting's vote with sheets printed and handed to villagers; `marked_page` draws
one page of a printed sheet, marks it as told and returns the PNG (or a JPEG photo, with damage).
"""

import random
from dataclasses import dataclass, field

from meetings import services as meeting_services
from portal.models import Resident
from ratings.ballot import services as ballot_services
from ratings.models import PaperPrint, PaperSheet, VoterGroup
from ratings.paper import layout as geometry
from ratings.paper import services as paper_services
from ratings.paper.raster import render_page
from ratings.paper.sheets import layout_of
from tests.factories import ResidentFactory
from tests.ratings.paper import pen
from tests.worlds import BallotWorld, build_world

DPI = 150
# A line's mark: a grade index marked clearly (a tick), "over" (two grades), None (blank), or a pen.Mark
# with its grade, e.g. (pen.Mark.FAINT, 0).
TICK = pen.Mark.TICK


@dataclass
class PaperWorld:
    world: BallotWorld
    run: PaperPrint
    paper_voters: list[Resident] = field(default_factory=list)

    @property
    def meeting(self):
        return self.world.meeting

    def sheet_ids(self) -> list[str]:
        return list(
            PaperSheet.objects.filter(print_run=self.run)
            .order_by("sheet_id")
            .values_list("sheet_id", flat=True)
        )

    def close_voting(self) -> None:
        meeting_services.voting_close(meeting=self.meeting, by=self.world.operator)
        self.meeting.refresh_from_db()


def paper_world(
    county, *, paper_voters: int = 3, sheets: int = 6, quick_mode: bool = False, **options
) -> PaperWorld:
    """Voting open, `sheets` villagers' sheets printed, `paper_voters` villagers handed one each."""
    world = build_world(county, quick_mode=quick_mode, **options)
    villagers = VoterGroup.objects.get(scheme=world.scheme, kind=VoterGroup.Kind.VILLAGER)
    run = paper_services.paper_print(
        meeting=world.meeting, group=villagers, language="zh-hans", sheets=sheets, by=world.operator
    )
    voters = [
        ResidentFactory(household=world.households[index % len(world.households)])
        for index in range(paper_voters)
    ]
    for voter in voters:
        ballot_services.paper_issue(meeting=world.meeting, resident=voter, by=world.operator)
    return PaperWorld(world=world, run=run, paper_voters=voters)


def marked_page(
    meeting,
    sheet_id: str,
    marks: list,
    *,
    page: int = 1,
    written: tuple[int, ...] = (),
    seed: int = 0,
    damage: dict | None = None,
    fmt: str = "PNG",
    hide_code: bool = False,
) -> bytes:
    """Page `page` of sheet `sheet_id`, each line marked as `marks` says (in the page's order), the
    nomination boxes numbered in `written` written in; scanned flat unless `damage` says otherwise."""
    sheet_layout = layout_of(meeting)
    image = render_page(sheet_layout, page, sheet_id, dpi=DPI)
    rng = random.Random(seed)
    hand = pen.Pen(image, DPI, rng)
    lines = sheet_layout.page(page).lines
    assert len(marks) == len(lines), f"{len(lines)} lines on page {page}"
    for line, mark in zip(lines, marks, strict=True):
        if mark is None:
            continue
        if mark == "over":
            hand.mark(TICK, line, 0)
            hand.mark(TICK, line, 1)
        elif isinstance(mark, tuple):
            hand.mark(mark[0], line, mark[1])
        else:
            hand.mark(TICK, line, mark)
    for box in sheet_layout.page(page).nominations:
        if box.number in written:
            hand.write(box.rect)
    if hide_code:  # a code smudged past reading: white over it, the printed identifier left
        per_mm = DPI / 25.4
        box = geometry.QR_RECT
        hand.draw.rectangle(
            [box.x * per_mm, box.y * per_mm, box.right * per_mm, box.bottom * per_mm], fill=255
        )
    pixels = pen.degrade(image, rng, **(damage or {}))
    return pen.encode(pixels, fmt=fmt, quality=60)


def lines_per_page(meeting) -> list[int]:
    return [len(page.lines) for page in layout_of(meeting).pages]
