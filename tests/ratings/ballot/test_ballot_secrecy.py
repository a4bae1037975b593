"""The secret ballot, held to it by the schema: what a ballot row may store, and what it may not.

A ballot and everything hanging from it hold no link to a code, a resident, a terminal, a phone, a
session or a user, no time finer than the date, and no key that reveals the order of voting: of the
way it came in, only the door (a terminal, a phone, paper) while voting is open, which the sealed box
keeps as counts apart from the rows. The models are read
field by field, and the database's own tables column by column, so that a field added by hand, by a
migration or by a trigger-happy admin shows up here.
"""

import uuid
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection, models
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from portal.models import AuditEntry, Cadre, Household, Resident
from ratings.ballot import services
from ratings.ballot.reconciliation import reconciliation_of
from ratings.models import DoorCount, HouseholdProposal
from ratings.models import ballot as ballot_models
from tests.ratings.ballot.doors import allow_phones
from tests.worlds import build_world

# Every field each model may have: name → (field class, the model a relation points to).
ALLOWED = {
    ballot_models.Ballot: {
        "id": (models.UUIDField, None),
        "meeting": (models.ForeignKey, Meeting),
        "group": (models.ForeignKey, ballot_models.VoterGroup),
        "receipt": (models.CharField, None),
        "cast_on": (models.DateField, None),
        "door": (models.CharField, None),  # a terminal, a phone or paper: never which one
    },
    ballot_models.BallotGrade: {
        "id": (models.UUIDField, None),
        "ballot": (models.ForeignKey, ballot_models.Ballot),
        "cadre": (models.ForeignKey, Cadre),
        "criterion": (models.ForeignKey, ballot_models.Criterion),
        "grade": (models.ForeignKey, ballot_models.Grade),
    },
    ballot_models.BallotNomination: {
        "id": (models.UUIDField, None),
        "ballot": (models.ForeignKey, ballot_models.Ballot),
        "household": (models.ForeignKey, Household),
    },
    ballot_models.BallotEvaluation: {
        "id": (models.UUIDField, None),
        "ballot": (models.ForeignKey, ballot_models.Ballot),
        "proposal": (models.ForeignKey, HouseholdProposal),
        "answer": (models.CharField, None),
    },
}
# Never linked from a ballot, directly or through what hangs from it.
FORBIDDEN = {
    ballot_models.BallotCode,
    Resident,
    ballot_models.Terminal,
    Session,
    get_user_model(),
    ballot_models.PollBookEntry,
    Attendance,
}
TIMES = (models.DateTimeField, models.TimeField, models.DurationField)

BALLOT_MODELS = list(ALLOWED)


def concrete_fields(model) -> dict:
    return {field.name: field for field in model._meta.get_fields(include_hidden=True) if field.concrete}


@pytest.mark.parametrize("model", BALLOT_MODELS, ids=lambda model: model.__name__)
def test_a_ballot_model_has_only_the_allowed_fields(model):
    fields = concrete_fields(model)

    assert set(fields) == set(ALLOWED[model])
    for name, (kind, target) in ALLOWED[model].items():
        field = fields[name]
        assert type(field) is kind, name
        assert field.related_model is target, name
        assert not isinstance(field, TIMES), name


@pytest.mark.parametrize("model", BALLOT_MODELS, ids=lambda model: model.__name__)
def test_a_ballot_model_links_to_nothing_that_names_a_voter(model):
    for field in model._meta.get_fields(include_hidden=True):
        if field.is_relation and field.concrete:
            assert field.related_model not in FORBIDDEN, field.name


@pytest.mark.parametrize("model", BALLOT_MODELS, ids=lambda model: model.__name__)
def test_a_ballot_model_has_a_random_key_and_no_time(model):
    assert model._meta.pk.name == "id"
    assert isinstance(model._meta.pk, models.UUIDField)
    assert model._meta.pk.default is uuid.uuid4  # random, never a sequence or a time-based uuid1
    assert not [field.name for field in model._meta.get_fields() if isinstance(field, TIMES)]


def test_the_door_is_one_of_two_words():
    door = ballot_models.Ballot._meta.get_field("door")
    assert {value for value, _label in door.choices} == {"terminal", "phone", "paper"}
    assert door.max_length == 10  # room for a word, not for an address or a terminal's name


def test_nothing_else_hangs_from_a_ballot():
    """Any model pointing at a ballot could carry what the ballot may not: the set is closed."""
    hanging = {relation.related_model for model in BALLOT_MODELS for relation in model._meta.related_objects}
    assert hanging == {
        ballot_models.BallotGrade,
        ballot_models.BallotNomination,
        ballot_models.BallotEvaluation,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", BALLOT_MODELS, ids=lambda model: model.__name__)
def test_the_ballot_tables_in_the_database_hold_no_other_column(model):
    expected = {model._meta.get_field(name).column for name in ALLOWED[model]}
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(cursor, model._meta.db_table)
        }
    assert columns == expected


@pytest.mark.django_db
def test_the_poll_book_says_who_received_a_code_never_which_nor_when():
    fields = concrete_fields(ballot_models.PollBookEntry)
    # `paper`: a sheet rather than a code, for the desk; the paper count's closure wipes it.
    # `assisted`: a helper marked the ballot (代写), a count only; the box's seal wipes it.
    assert set(fields) == {"id", "meeting", "resident", "paper", "assisted"}
    assert isinstance(ballot_models.PollBookEntry._meta.pk, models.UUIDField)
    assert ballot_models.PollBookEntry._meta.pk.default is uuid.uuid4
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, ballot_models.PollBookEntry._meta.db_table
            )
        }
    assert columns == {"id", "meeting_id", "resident_id", "paper", "assisted"}
    # Neither the poll book nor the attendance beside it keeps a time; a code keeps no holder but a
    # keyed hash, and only while it is unused.
    for model in (ballot_models.PollBookEntry, Attendance, ballot_models.BallotCode):
        assert not [field.name for field in model._meta.get_fields() if isinstance(field, TIMES)], model
    assert Resident not in {
        field.related_model for field in ballot_models.BallotCode._meta.get_fields() if field.is_relation
    }


# --- what casting and closing write ---------------------------------------------------------------


@pytest.fixture
def world(county):
    return build_world(county, codes=10, residents=2)


def cast_by_either_door(world, index: int, code: str, grade: str) -> str:
    """Every other ballot from a phone; the receipt."""
    if index % 2 == 0:
        return world.cast(code, grade=grade).receipt
    world.walk_in()
    return services.phone_ballot_cast(
        meeting=world.meeting, address="10.0.0.7", code=code, grades=world.full_grades(grade), households=[]
    ).receipt


def physical_order(meeting) -> list[str]:
    """The receipts in the order the database stores the rows: what a reader of the raw file sees."""
    position = {"sqlite": "rowid", "postgresql": "ctid"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT receipt FROM ratings_ballot WHERE meeting_id = %s ORDER BY {position}",
            [meeting.pk],
        )
        return [receipt for (receipt,) in cursor.fetchall()]


def ballot_contents(meeting) -> dict[str, tuple]:
    """Each ballot by its receipt: group, date, grades, nominations — everything but its identifier
    and its door."""
    return {
        ballot.receipt: (
            ballot.group_id,
            ballot.cast_on,
            sorted(
                (grade.cadre_id, grade.criterion_id or 0, grade.grade_id) for grade in ballot.grades.all()
            ),
            sorted(nomination.household_id for nomination in ballot.nominations.all()),
        )
        for ballot in ballot_models.Ballot.objects.filter(meeting=meeting).prefetch_related(
            "grades", "nominations"
        )
    }


@pytest.mark.django_db
def test_a_cast_ballot_names_nobody_and_keeps_only_the_meeting_date(world):
    audit_before = AuditEntry.objects.count()
    code = world.resident_codes[0]
    services.code_check(terminal=world.terminal, typed=code)
    receipt = world.cast(code, households=world.households[:2]).receipt

    ballot = ballot_models.Ballot.objects.get(receipt=receipt)
    assert ballot.id.version == 4
    assert ballot.cast_on == timezone.localdate(world.meeting.held_at)
    assert {grade.id.version for grade in ballot.grades.all()} == {4}
    assert {nomination.id.version for nomination in ballot.nominations.all()} == {4}
    # The code is burned and forgets its holder; checking and casting leave no trace in the audit log,
    # whose entries carry a time.
    assert (
        not ballot_models.BallotCode.objects.filter(
            meeting=world.meeting, status=ballot_models.BallotCode.Status.USED
        )
        .exclude(holder_key="")
        .exists()
    )
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db(transaction=True)
def test_closing_the_vote_shakes_the_box(world):
    allow_phones(world)
    cast_order = [
        cast_by_either_door(world, index, code, grade=("satisfied", "dissatisfied")[index % 2])
        for index, code in enumerate(world.codes)
    ]
    ids_before = set(ballot_models.Ballot.objects.values_list("id", flat=True))
    doors_before = Counter(ballot_models.Ballot.objects.values_list("door", flat=True))
    contents_before = ballot_contents(world.meeting)
    assert physical_order(world.meeting) == cast_order  # before the shake the store keeps the order

    meeting_services.voting_close(meeting=world.meeting, by=world.operator)

    assert ids_before.isdisjoint(ballot_models.Ballot.objects.values_list("id", flat=True))
    assert ballot_contents(world.meeting) == contents_before  # nothing lost, nothing changed
    # The doors leave the rows (the phones' few ballots would stand out) and stay as counts.
    assert set(ballot_models.Ballot.objects.values_list("door", flat=True)) == {None}
    assert doors_before == Counter(phone=5, terminal=5)
    counted = DoorCount.objects.filter(meeting=world.meeting).values_list("door", "ballots")
    assert dict(counted) == dict(doors_before)
    figures = reconciliation_of(world.meeting)
    assert (figures.phone_ballots, figures.paper_ballots, figures.ballots) == (5, 0, 10)
    assert sorted(physical_order(world.meeting)) == sorted(cast_order)
    if connection.vendor == "postgresql":
        # Each cast committed in a transaction of its own, which PostgreSQL stamps on the row (xmin):
        # after the shake every ballot bears the shake's.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT xmin::text) FROM ratings_ballot")
            assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_the_shaken_order_is_not_the_order_of_casting(world):
    """Ten ballots have 3,628,800 orders; ten shakes all but never give back the one of casting."""
    cast_order = [world.cast(code).receipt for code in world.codes]
    shakes = 10
    unshaken = 0
    for _shake in range(shakes):
        services.ballots_shake(meeting=world.meeting)
        order = physical_order(world.meeting)
        assert sorted(order) == sorted(cast_order)
        unshaken += order == cast_order
        cast_order = order  # each shake must lose the order the previous one left, too
    assert unshaken <= 1
