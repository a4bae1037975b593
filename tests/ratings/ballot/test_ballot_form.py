"""The whole ballot as a form reads it (ratings.ballot.forms.BallotForm): every line answered with a grade
of the scale, the households picked or typed, no more than the limit. What the villager is told names
the cadres with a gap and the numbers not found; the service that casts checks the ballot again."""

import pytest
from django.http import QueryDict

from ratings.ballot.forms import MAX_HOUSEHOLD_FIELDS, BallotForm
from ratings.ballot.schemes import scheme_create
from ratings.ballot.spec import spec_of
from tests.ratings.ballot.doors import ballot_post, grade_field
from tests.worlds import build_kiosk_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=3, codes=0)


def form(world, data: dict) -> BallotForm:
    """The form bound to `data` as a browser posts it (a field may come several times)."""
    posted = QueryDict(mutable=True)
    for name, value in data.items():
        posted.setlist(name, [str(item) for item in value] if isinstance(value, list) else [str(value)])
    return BallotForm(posted, spec=spec_of(world.meeting))


def errors(bound: BallotForm) -> str:
    return " ".join(str(error) for error in bound.non_field_errors())


def test_a_whole_ballot_is_valid_and_ready_to_cast(world):
    bound = form(world, ballot_post(world, "dont_know"))
    assert bound.is_valid(), bound.errors
    assert bound.for_casting() == world.full_grades("dont_know")
    assert bound.cleaned_data["households"] == []
    assert bound.missing() == []


def test_the_cadres_with_a_line_unanswered_or_wrong_are_named_in_speaking_order(world):
    data = ballot_post(world)
    del data[grade_field(world.cadres[2], world.criteria[0])]
    data[grade_field(world.cadres[0], world.criteria[4])] = scheme_create(name="Other").grades.first().pk
    bound = form(world, data)

    assert not bound.is_valid()
    assert bound.missing() == [world.cadres[0].pk, world.cadres[2].pk]
    assert f"Please answer every line for: {world.cadres[0].name} · {world.cadres[2].name}." in errors(bound)
    assert world.cadres[1].name not in errors(bound)
    # What was answered is kept to show again; the wrong answer is not.
    chosen = bound.chosen()
    assert len(chosen[world.cadres[0].pk]) == len(world.criteria) - 1
    assert str(world.criteria[4].pk) not in chosen[world.cadres[0].pk]
    assert len(chosen[world.cadres[1].pk]) == len(world.criteria)


@pytest.mark.parametrize("value", ["", "x", "-1", "1.0", " 1", "9" * 30, "٣"])
def test_an_answer_that_is_no_grade_id_is_a_gap(world, value):
    data = ballot_post(world)
    data[grade_field(world.cadres[1], world.criteria[0])] = value
    bound = form(world, data)
    assert not bound.is_valid()
    assert bound.missing() == [world.cadres[1].pk]


def test_quick_mode_reads_one_overall_line_per_cadre(county):
    world = build_kiosk_world(county, cadres=2, codes=0, quick_mode=True)
    data = ballot_post(world, "satisfied")
    assert set(data) == {f"grade-{cadre.pk}-overall" for cadre in world.cadres}
    bound = form(world, data)
    assert bound.is_valid(), bound.errors
    assert bound.for_casting() == {(cadre.pk, None): world.grades["satisfied"].pk for cadre in world.cadres}
    # A criterion's line is no line of a quick ballot.
    lines = {
        f"grade-{cadre.pk}-{world.criteria[0].pk}": world.grades["satisfied"].pk for cadre in world.cadres
    }
    assert not form(world, lines).is_valid()


def test_households_picked_and_typed_are_resolved_and_counted_once(world):
    first, second = world.households[:2]
    data = ballot_post(world, households=[first], numbers=[f"  {second.number} ", first.number, ""])
    bound = form(world, data)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["households"] == [first.pk, second.pk]


@pytest.mark.parametrize(
    "households",
    [
        lambda world: [world.foreign_household.pk],
        lambda world: ["x"],
        lambda world: [10**9],
        lambda world: ["-3"],
    ],
    ids=["another village", "not an id", "unknown", "negative"],
)
def test_a_picked_household_of_another_village_or_none_is_refused(world, households):
    bound = form(world, {**ballot_post(world), "household": households(world)})
    assert not bound.is_valid()
    assert "Only households of this village can be nominated." in errors(bound)


def test_unknown_numbers_are_named_and_a_number_of_another_village_is_unknown(world):
    numbers = ["NOPE-1", world.foreign_household.number, world.households[0].number]
    bound = form(world, ballot_post(world, numbers=numbers))
    assert not bound.is_valid()
    assert f"No household of the village has the number NOPE-1, {world.foreign_household.number}." in errors(
        bound
    )


def test_a_number_too_long_for_any_roll_is_refused(world):
    bound = form(world, ballot_post(world, numbers=["1" * 21]))
    assert not bound.is_valid()
    assert "A household number is too long" in errors(bound)


def test_a_number_with_a_nul_character_is_refused_not_sent_to_the_database(world):
    # PostgreSQL refuses NUL in text: looked up as typed, the number would be a server error.
    bound = form(world, ballot_post(world, numbers=[world.households[0].number + "\x00"]))
    assert not bound.is_valid()


def test_no_more_households_than_the_schemes_limit(world):
    limit = world.scheme.max_nominations
    at_limit = form(world, ballot_post(world, households=world.households[:limit]))
    assert at_limit.is_valid(), at_limit.errors
    over = form(
        world,
        ballot_post(
            world,
            households=world.households[: limit - 1],
            numbers=[h.number for h in world.households[limit - 1 :]],
        ),
    )
    assert not over.is_valid()
    assert f"You can nominate at most {limit} households." in errors(over)


def test_a_flood_of_household_fields_is_refused_without_a_query_per_field(
    world, django_assert_max_num_queries
):
    data = {**ballot_post(world), "household_number": [str(n) for n in range(MAX_HOUSEHOLD_FIELDS + 1)]}
    bound = form(world, data)
    with django_assert_max_num_queries(0):
        assert not bound.is_valid()
    assert "not filled in correctly" in errors(bound)


def test_the_form_reads_the_ballot_once_per_vote(world, django_assert_max_num_queries):
    form(world, ballot_post(world)).is_valid()  # the first ballot of the vote reads the meeting's spec
    bound = form(
        world, ballot_post(world, households=world.households[:1], numbers=[world.households[1].number])
    )
    # The spec from the cache; one count of the households picked, one read of the numbers typed.
    with django_assert_max_num_queries(2):
        assert bound.is_valid()
