"""Households' evaluations on the ballot: every proposal on the meeting's agenda answered agree, disagree
or abstain, through the terminal and the phone, checked again by the cast services, shaken with the
ballots and counted by group when the box is sealed. Paper refuses until its sheet has the lines."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from meetings import services as meeting_services
from ratings.ballot import services
from ratings.models import BallotEvaluation, EvaluationCount, HouseholdProposal
from ratings.paper import services as paper_services
from tests.ratings.ballot.doors import arm, ballot_post, begin, box, cast, phone_begin, phone_url, url
from tests.worlds import agenda_of, build_world

pytestmark = pytest.mark.django_db

Kind = HouseholdProposal.Kind


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def world(county):
    return build_world(
        county,
        codes=0,
        residents=3,
        phones_allowed=True,
        agenda=agenda_of(
            county,
            (0, Kind.POVERTY_EXIT, {}),
            (1, Kind.MONITORING_ENTRY, {"category": HouseholdProposal.Category.MARGINAL}),
        ),
    )


def agenda(world) -> list[HouseholdProposal]:
    return list(HouseholdProposal.objects.on_agenda_of(world.meeting).order_by("pk"))


def answered(world, *answers: str) -> dict[int, str]:
    return {proposal.pk: answer for proposal, answer in zip(agenda(world), answers, strict=True)}


def stored() -> dict:
    return dict(BallotEvaluation.objects.values_list("proposal_id", "answer"))


def terminal_cast(world, code, evaluations, **options):
    return services.ballot_cast(
        terminal=world.terminal, code=code, grades=world.full_grades(), households=[], evaluations=evaluations
    )


def test_a_ballot_cast_on_the_terminal_keeps_its_answers(world):
    terminal_cast(world, world.resident_codes[0], answered(world, "agree", "abstain"))

    assert stored() == answered(world, "agree", "abstain")


def test_a_ballot_cast_from_a_phone_keeps_its_answers(world):
    services.phone_ballot_cast(
        meeting=world.meeting,
        address="192.168.1.20",
        code=world.resident_codes[0],
        grades=world.full_grades(),
        households=[],
        evaluations=answered(world, "disagree", "agree"),
    )

    assert stored() == answered(world, "disagree", "agree")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda world: answered(world, "agree", "agree") | {999999: "agree"}, "not on this meeting's agenda"),
        (lambda world: {agenda(world)[0].pk: "agree"}, "must be answered"),
        (lambda world: {}, "must be answered"),
        (lambda world: answered(world, "agree", "maybe"), "agree, disagree or abstain"),
        (lambda world: answered(world, "agree", 1), "agree, disagree or abstain"),
        (lambda world: ["agree", "agree"], "not filled in correctly"),
        (lambda world: {"seven": "agree"}, "not filled in correctly"),
    ],
)
def test_a_ballot_with_wrong_answers_is_refused_and_writes_nothing(world, make, message):
    before = box(world.meeting)

    with pytest.raises(services.BallotRejected, match=message):
        terminal_cast(world, world.resident_codes[0], make(world))

    assert box(world.meeting) == before
    assert not BallotEvaluation.objects.exists()


def test_a_proposal_of_another_village_is_refused(county, world):
    foreign = HouseholdProposal.objects.create(
        village=county.neighbour,
        household=world.foreign_household,
        kind=Kind.POVERTY_EXIT,
        head_name="Neighbour",
        members=2,
        reason="Neighbour's",
        notice_days=7,
        status=HouseholdProposal.Status.APPROVED,
        created_by=county.operator,
    )

    with pytest.raises(services.BallotRejected, match="not on this meeting's agenda"):
        terminal_cast(
            world, world.resident_codes[0], answered(world, "agree", "agree") | {foreign.pk: "agree"}
        )

    assert not BallotEvaluation.objects.exists()


def test_the_shake_keeps_every_answer_and_the_seal_counts_them_by_group(world):
    exit_, entry = agenda(world)
    for code, answers in zip(
        world.resident_codes,
        [("agree", "agree"), ("agree", "disagree"), ("abstain", "disagree")],
        strict=True,
    ):
        terminal_cast(world, code, answered(world, *answers))
    before = sorted(BallotEvaluation.objects.values_list("proposal_id", "answer"))
    ids_before = set(BallotEvaluation.objects.values_list("pk", flat=True))

    meeting_services.voting_close(meeting=world.meeting, by=world.operator)

    assert sorted(BallotEvaluation.objects.values_list("proposal_id", "answer")) == before
    assert not ids_before & set(BallotEvaluation.objects.values_list("pk", flat=True))
    counts = {
        (row.proposal_id, row.group.kind, row.answer): row.ballots
        for row in EvaluationCount.objects.of_meeting(world.meeting).select_related("group")
    }
    assert counts == {
        (exit_.pk, "villager", "agree"): 2,
        (exit_.pk, "villager", "abstain"): 1,
        (entry.pk, "villager", "agree"): 1,
        (entry.pk, "villager", "disagree"): 2,
    }


def test_the_kiosk_form_reads_the_answers_and_asks_for_a_missing_one_by_name(client, world):
    exit_, entry = agenda(world)
    arm(client, world)
    begin(client, world.resident_codes[0])
    data = ballot_post(world) | {f"evaluation-{exit_.pk}": "agree"}

    response = cast(client, world, data)

    assert response.status_code == 400
    assert "Rozi Mamat" in response.content.decode()
    assert not BallotEvaluation.objects.exists()


def test_the_kiosk_casts_the_answers_posted(client, world):
    exit_, entry = agenda(world)
    arm(client, world)
    begin(client, world.resident_codes[0])
    response = cast(
        client,
        world,
        ballot_post(world) | {f"evaluation-{exit_.pk}": "agree", f"evaluation-{entry.pk}": "abstain"},
    )
    assert response.status_code == 302
    assert stored() == {exit_.pk: "agree", entry.pk: "abstain"}


def test_paper_ballots_are_not_printed_for_a_meeting_with_households_on_its_agenda(world, county):
    with pytest.raises(ValidationError, match="households' evaluations"):
        paper_services.paper_print(
            meeting=world.meeting,
            group=world.scheme.groups.get(kind="villager"),
            language="zh-hans",
            sheets=5,
            by=county.operator,
        )


def test_the_ballot_page_shows_each_household_to_evaluate_with_nothing_chosen(client, world):
    exit_, entry = agenda(world)
    HouseholdProposal.objects.filter(pk=entry.pk).update(housing=False)
    arm(client, world)
    begin(client, world.resident_codes[0])

    html = client.get(url("kiosk-ballot")).content.decode()

    screens = html.split('data-screen="proposal"')[1:]
    assert len(screens) == 2
    first, second = screens
    assert "Ahmat Tursun" in first
    assert "exit from poverty" in first
    assert "entry into monitoring: marginal household at risk of poverty" in second
    assert "9800 yuan" in first and "the year's line: 4800 yuan" in first
    assert "Greenhouse vegetables" in first
    assert "ballot-check-unmet" not in first and "ballot-check-unmet" in second
    for answer in ("agree", "disagree", "abstain"):
        assert f'name="evaluation-{exit_.pk}" id="evaluation-{exit_.pk}-{answer}" value="{answer}">' in first
    assert f"evaluation-{exit_.pk}" in first and "checked" not in first.split("data-screen")[0]
    # The household's roll number is not on its screen: the ballot shows the decision's facts only.
    assert "B2024-0" not in first


def test_the_phone_ballot_shows_the_households_to_evaluate(client, world):
    phone_begin(client, world, world.resident_codes[0])

    html = client.get(phone_url("phone-ballot", world)).content.decode()

    assert html.count('data-screen="proposal"') == 2
    assert "Rozi Mamat" in html


def test_a_ballot_sent_back_keeps_the_answers_given_and_marks_the_missing_household(client, world):
    exit_, entry = agenda(world)
    arm(client, world)
    begin(client, world.resident_codes[0])

    html = cast(client, world, ballot_post(world) | {f"evaluation-{exit_.pk}": "disagree"}).content.decode()

    assert 'value="disagree" checked' in html
    assert 'class="ballot-screen ballot-proposal ballot-missing"' in html
    assert html.count("ballot-missing") == 1
