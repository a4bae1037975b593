"""The paper count end to end through the services: sheets printed and handed out, scans read, lines
decided by two accounts, nominations keyed twice, and the closure that puts the paper into the box."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.utils import translation
from PIL import Image, ImageDraw

from portal.models import AuditEntry
from ratings.ballot import services as ballot_services
from ratings.ballot.reconciliation import reconciliation_of
from ratings.models import (
    Ballot,
    BallotGrade,
    BallotNomination,
    DoorCount,
    PaperClosure,
    PaperDecision,
    PaperPage,
    PollBookEntry,
    VoterGroup,
)
from ratings.paper import services
from ratings.paper.sheets import paper_figures, sheet_states
from tests.ratings.paper.marked import marked_page, paper_world

pytestmark = pytest.mark.django_db

# build_world's meeting: two cadres on five criteria, one page of ten lines; grades in the scheme's
# order: satisfied, basically satisfied, dissatisfied, don't know.
SATISFIED, BASIC, DISSATISFIED, DONT_KNOW = range(4)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def paper(county):
    return paper_world(county, paper_voters=3, sheets=6)


def grades_in_box(world) -> list[list[str]]:
    """Each ballot's grades by code, in line order, sorted: what the box holds, whichever ballot."""
    order = {(cadre, criterion): index for index, (cadre, criterion) in enumerate(world.lines())}
    ballots = {}
    for ballot, cadre, criterion, code in BallotGrade.objects.filter(
        ballot__meeting=world.meeting
    ).values_list("ballot_id", "cadre_id", "criterion_id", "grade__code"):
        ballots.setdefault(ballot, {})[order[(cadre, criterion)]] = code
    return sorted([row[index] for index in sorted(row)] for row in ballots.values())


# --- printing and the poll book ---------------------------------------------------------------------------


def test_a_print_run_makes_sheets_with_random_identifiers_and_logs_only_how_many(paper):
    identifiers = paper.sheet_ids()
    assert len(identifiers) == len(set(identifiers)) == 6
    assert all(len(sheet_id) == 16 for sheet_id in identifiers)
    entry = AuditEntry.objects.filter(action="paper_print").get()
    assert entry.details == {"sheets": 6, "group": "villager", "language": "zh-hans"}
    assert not any(
        sheet_id in str(AuditEntry.objects.values_list("details", flat=True)) for sheet_id in identifiers
    )


def test_sheets_are_printed_only_while_voting_is_open_and_for_the_villages_voters(paper, county):
    panel = VoterGroup.objects.get(scheme=paper.world.scheme, kind=VoterGroup.Kind.TOWNSHIP_PANEL)
    with pytest.raises(ValidationError, match="village's voters"):
        services.paper_print(meeting=paper.meeting, group=panel, language="ug", sheets=3, by=county.operator)
    with pytest.raises(ValidationError, match="between 1 and"):
        services.paper_print(
            meeting=paper.meeting, group=paper.run.group, language="ug", sheets=0, by=county.operator
        )
    with pytest.raises(PermissionDenied):
        services.paper_print(
            meeting=paper.meeting, group=paper.run.group, language="ug", sheets=3, by=county.nobody
        )
    paper.close_voting()
    with pytest.raises(ValidationError, match="once voting is open"):
        services.paper_print(
            meeting=paper.meeting, group=paper.run.group, language="ug", sheets=3, by=county.operator
        )


def test_a_villager_gets_a_code_or_a_paper_ballot_never_both(paper, county):
    world = paper.world
    on_paper = paper.paper_voters[0]
    with pytest.raises(ValidationError, match="already received a paper ballot"):
        ballot_services.code_issue(meeting=world.meeting, resident=on_paper, by=county.operator)
    with pytest.raises(ValidationError, match="already received a ballot code"):
        ballot_services.paper_issue(meeting=world.meeting, resident=world.residents[0], by=county.operator)
    with pytest.raises(ValidationError, match="paper ballot, not a code"):
        ballot_services.code_reissue(meeting=world.meeting, resident=on_paper, by=county.operator)
    assert PollBookEntry.objects.filter(meeting=world.meeting, paper=True).count() == 3


# --- the whole count ----------------------------------------------------------------------------------------


def test_scanned_sheets_decided_and_keyed_join_the_box_and_the_poll_book_forgets_who_took_paper(
    paper, county
):
    world, first, second, third = paper.world, *paper.sheet_ids()[:3]
    world.cast(world.resident_codes[0], grade="satisfied")  # one ballot on a terminal, beside the paper
    paper.close_voting()
    scans = [
        ("scan-1.png", marked_page(paper.meeting, first, [SATISFIED] * 10)),
        # The fourth line marked twice: two people decide it.
        (
            "scan-2.png",
            marked_page(paper.meeting, second, [BASIC] * 3 + ["over"] + [BASIC] * 6, written=(1,)),
        ),
        ("scan-3.png", marked_page(paper.meeting, third, [None] * 10)),  # left blank: "don't know" throughout
    ]
    upload = services.paper_upload(meeting=paper.meeting, files=scans, by=county.operator)
    assert (upload.pages, upload.sheets, upload.to_a_person, upload.unreadable) == (3, 3, 1, 0)
    pages = PaperPage.objects.filter(meeting=paper.meeting)
    assert {len(page.sha256) for page in pages} == {64}
    assert not any("scan-" in page.image.name for page in pages)  # never the uploaded file's name

    refused = services.closure_refusals(paper.meeting, sheet_states(paper.meeting), returned=3)
    assert len(refused) == 1 and "not read to the end" in refused[0]

    decision = PaperDecision.objects.get()
    assert decision.reason == "overmarked"
    services.decision_enter(decision=decision, value="satisfied", by=county.operator)
    with pytest.raises(ValidationError, match="second person"):
        services.decision_enter(decision=decision, value="satisfied", by=county.operator)
    outcome = services.decision_enter(
        decision=decision, value="basically_satisfied", by=county.township_admin
    )
    assert outcome.disagreed and not outcome.decided  # both readings cleared: read it again
    services.decision_enter(decision=decision, value="", by=county.township_admin)
    assert services.decision_enter(decision=decision, value="", by=county.operator).decided  # void

    sheet_two = services.sheet_by_typed_id(paper.meeting, second.lower())
    number = world.households[1].number
    services.paper_key(sheet=sheet_two, lines={}, nominations=[number], by=county.operator)
    services.paper_key(sheet=sheet_two, lines={}, nominations=[f" {number} "], by=county.township_admin)

    with pytest.raises(ValidationError, match="4 sheets were counted out of the box, but 3"):
        services.paper_close(meeting=paper.meeting, returned=4, spoiled=0, by=county.operator)
    closure = services.paper_close(meeting=paper.meeting, returned=3, spoiled=1, by=county.operator)

    assert closure.figures == {
        "issued": 3,
        "returned": 3,
        "spoiled": 1,
        "unreturned": 0,
        "blank": 1,
        "machine_read": 3,
        "keyed": 0,
        "lines_adjudicated": 1,
        "printed": 6,
    }
    satisfied, basic, dont_know = ["satisfied"] * 10, ["basically_satisfied"] * 10, ["dont_know"] * 10
    basic[3] = "dont_know"  # the over-marked line, decided void
    assert grades_in_box(world) == sorted([satisfied, satisfied, basic, dont_know])
    assert list(BallotNomination.objects.values_list("household_id", flat=True)) == [world.households[1].pk]
    assert set(Ballot.objects.values_list("door", flat=True)) == {None}  # sealed again
    assert dict(DoorCount.objects.filter(meeting=paper.meeting).values_list("door", "ballots")) == {
        "terminal": 1,
        "paper": 3,
    }
    figures = reconciliation_of(paper.meeting)
    assert (figures.paper_ballots, figures.villager_ballots) == (3, 4)
    assert not PollBookEntry.objects.filter(meeting=paper.meeting, paper=True).exists()
    assert paper_figures(paper.meeting).issued == 3  # the figure stays with the closure
    with pytest.raises(ValidationError, match="paper count of this meeting is closed"):
        services.paper_close(meeting=paper.meeting, returned=3, spoiled=1, by=county.operator)
    assert PaperClosure.objects.count() == 1


def test_two_clerks_key_an_unscanned_sheet_and_only_the_decided_value_counts_where_they_differ(paper, county):
    paper.close_voting()
    sheet = services.sheet_by_typed_id(paper.meeting, paper.sheet_ids()[0])
    lines = dict.fromkeys((f"{cadre}:{criterion}" for cadre, criterion in paper.world.lines()), "satisfied")
    services.paper_key(sheet=sheet, lines=lines, nominations=[], by=county.operator)
    with pytest.raises(ValidationError, match="keyed this sheet already"):
        services.paper_key(sheet=sheet, lines=lines, nominations=[], by=county.operator)
    one_apart = dict(lines)
    apart_key = next(iter(lines))
    one_apart[apart_key] = "dissatisfied"
    services.paper_key(sheet=sheet, lines=one_apart, nominations=[], by=county.township_admin)

    decision = PaperDecision.objects.get()
    assert (decision.key, decision.reason) == (apart_key, "keyed_apart")
    for account in (county.operator, county.township_admin):
        services.decision_enter(decision=decision, value="basically_satisfied", by=account)
    services.paper_close(meeting=paper.meeting, returned=1, spoiled=0, by=county.operator)

    expected = ["satisfied"] * 10
    expected[0] = "basically_satisfied"  # neither clerk's value: the one two people decided
    assert grades_in_box(paper.world) == [expected]
    assert PaperClosure.objects.get().figures["keyed"] == 1


def test_a_code_that_will_not_scan_is_typed_from_the_print_under_it(paper, county):
    paper.close_voting()
    sheet_id = paper.sheet_ids()[0]
    scan = marked_page(paper.meeting, sheet_id, [DISSATISFIED] * 10, hide_code=True)
    upload = services.paper_upload(meeting=paper.meeting, files=[("smudged.jpg", scan)], by=county.operator)
    assert upload.unreadable == 1
    page = PaperPage.objects.get()
    assert page.sheet is None and page.problem == PaperPage.Problem.UNREADABLE_CODE
    assert "1 page waits" in services.closure_refusals(paper.meeting, [], returned=0)[0]

    with pytest.raises(ValidationError, match="check each character"):
        services.page_identify(page=page, typed="AAAA BBBB CCCC DDDD", page_number=1, by=county.operator)
    typed = " ".join(sheet_id[index : index + 4] for index in range(0, 16, 4)).lower()
    services.page_identify(page=page, typed=typed, page_number=1, by=county.operator)
    services.paper_close(meeting=paper.meeting, returned=1, spoiled=0, by=county.operator)
    assert grades_in_box(paper.world) == [["dissatisfied"] * 10]


# --- bad input: refused whole, with the reason, and nothing kept --------------------------------------------


def _photo_without_a_sheet() -> bytes:
    """A phone photo of the hall: a wall, a window, people's dark shapes; no sheet in it."""
    image = Image.new("L", (1600, 1200), 170)
    draw = ImageDraw.Draw(image)
    draw.rectangle([900, 150, 1400, 600], fill=235)  # a window
    for x in range(100, 1500, 230):  # people in dark clothes
        draw.ellipse([x, 500, x + 120, 620], fill=60)
        draw.rectangle([x - 20, 620, x + 140, 1100], fill=40)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _nothing_kept(meeting):
    return not PaperPage.objects.filter(meeting=meeting).exists() and not PaperDecision.objects.exists()


def test_a_batch_with_a_bad_file_is_refused_whole_naming_each_problem(paper, county):
    paper.close_voting()
    media = Path(storages["paper"].location)
    files_before = set(media.iterdir()) if media.exists() else set()
    good = marked_page(paper.meeting, paper.sheet_ids()[0], [SATISFIED] * 10)
    files = [
        ("good.png", good),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage"),
        ("holiday.jpg", _photo_without_a_sheet()),
        ("cut-short.png", good[:2000]),
    ]
    with pytest.raises(services.PaperRefused) as refused:
        services.paper_upload(meeting=paper.meeting, files=files, by=county.operator)
    messages = refused.value.messages
    assert any(message.startswith("broken.pdf: ") for message in messages)
    assert any(
        message.startswith("holiday.jpg: No ballot sheet was found in the image") for message in messages
    )
    assert any(message.startswith("cut-short.png: ") for message in messages)
    assert _nothing_kept(paper.meeting)
    assert (set(media.iterdir()) if media.exists() else set()) == files_before  # no file left behind


def test_the_same_sheet_twice_and_another_meetings_sheet_are_refused(paper, county):
    other = paper_world(
        county, paper_voters=1, sheets=1, village=county.neighbour, year=2025, operator=county.township_admin
    )
    paper.close_voting()
    sheet_id = paper.sheet_ids()[0]
    services.paper_upload(
        meeting=paper.meeting,
        files=[("a.png", marked_page(paper.meeting, sheet_id, [SATISFIED] * 10))],
        by=county.operator,
    )
    again = marked_page(paper.meeting, sheet_id, [SATISFIED] * 10, seed=5, damage={"angle": 3.0})
    with pytest.raises(services.PaperRefused, match="the same sheet twice"):
        services.paper_upload(meeting=paper.meeting, files=[("b.png", again)], by=county.operator)
    foreign = marked_page(other.meeting, other.sheet_ids()[0], [SATISFIED] * 10)
    with pytest.raises(services.PaperRefused, match="another meeting"):
        services.paper_upload(meeting=paper.meeting, files=[("c.png", foreign)], by=county.operator)
    assert PaperPage.objects.filter(meeting=paper.meeting).count() == 1


def test_more_sheets_than_villagers_took_are_refused(county):
    paper = paper_world(county, paper_voters=1, sheets=3)
    paper.close_voting()
    files = [
        (f"{index}.png", marked_page(paper.meeting, sheet_id, [SATISFIED] * 10))
        for index, sheet_id in enumerate(paper.sheet_ids()[:2])
    ]
    with pytest.raises(services.PaperRefused, match="2 sheets back, but 1 villager took"):
        services.paper_upload(meeting=paper.meeting, files=files, by=county.operator)
    assert _nothing_kept(paper.meeting)


def test_paper_is_counted_only_once_voting_has_closed(paper, county):
    with pytest.raises(ValidationError, match="close the vote first"):
        services.paper_upload(meeting=paper.meeting, files=[("a.png", b"x")], by=county.operator)
