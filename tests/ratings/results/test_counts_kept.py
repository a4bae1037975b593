"""The counts kept at the close (GradeCount) and the standings kept with a snapshot (CadreStanding):
written once, and what every figure after the close is read from, never the grade rows again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ratings.ballot import services as ballot_services
from ratings.models import BallotGrade, CadreStanding, GradeCount
from ratings.results import services as results_services
from ratings.results import standings, tally
from tests.worlds import published_world, voted_world

VOTES = ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied", "dont_know"]


def kept(meeting) -> dict:
    return GradeCount.objects.of_meeting(meeting).as_counts()


def test_closing_the_vote_keeps_the_box_histograms(county):
    world = voted_world(county, VOTES)
    counts = kept(world.meeting)
    assert counts == tally.box_counts(world.meeting)
    cadre, de = world.cadres[0], world.criteria[0].code
    assert counts[(cadre.pk, de, "villager", "satisfied")] == 4
    assert counts[(cadre.pk, de, "villager", "dont_know")] == 1
    # every line of every ballot, once
    assert sum(counts.values()) == len(VOTES) * len(world.cadres) * len(world.criteria)


def test_sealing_again_rewrites_the_counts_instead_of_adding_to_them(county):
    world = voted_world(county, VOTES)
    before = kept(world.meeting)
    ballot_services.ballot_box_seal(meeting=world.meeting)
    assert kept(world.meeting) == before


def test_results_after_the_close_never_read_the_grade_rows(county):
    world = voted_world(county, VOTES)
    with CaptureQueriesContext(connection) as queries:
        document = tally.results_document(world.meeting)
    grade_table = BallotGrade._meta.db_table
    assert not [query["sql"] for query in queries if grade_table in query["sql"]]
    assert document["cadres"][0]["criteria"][world.criteria[0].code]["graded"] == len(VOTES) - 1


def test_the_published_figures_come_from_the_kept_counts(county):
    """A grade changed in the box after the close changes no figure: verify_results names it."""
    world = voted_world(county, VOTES)
    line = BallotGrade.objects.filter(
        ballot__meeting=world.meeting, cadre=world.cadres[0], grade=world.grades["dissatisfied"]
    ).first()
    BallotGrade.objects.filter(pk=line.pk).update(grade=world.grades["satisfied"])
    assert tally.meeting_counts(world.meeting) != tally.box_counts(world.meeting)
    document = tally.results_document(world.meeting)
    criterion = next(criterion for criterion in world.criteria if criterion.pk == line.criterion_id)
    assert document["cadres"][0]["criteria"][criterion.code]["histogram"]["dissatisfied"] == 1


def test_standings_are_written_with_the_snapshot_one_row_per_post(county):
    world, snapshot = published_world(county, VOTES)
    rows = CadreStanding.objects.filter(snapshot=snapshot).order_by("cadre_id", "post")
    by_cadre = {row["id"]: row for row in snapshot.data["cadres"]}
    assert rows
    for row in rows:
        published = by_cadre[row.cadre_id]
        assert row.post in (published["posts"] or [""])
        assert float(row.score) == published["overall"]["score"]
        assert row.verdict == published["verdict"]
        assert row.village_rank == published["rank"]
        assert row.year == snapshot.meeting.year and row.village_id == snapshot.meeting.village_id
        assert not row.withheld
    # 6 graded ballots of villagers only: one moves the score by up to (100 − 55) / 6 = 7.5
    assert {str(row.swing) for row in rows} == {"7.5000"}
    assert CadreStanding.objects.live().filter(snapshot=snapshot).count() == rows.count()


def test_a_draft_stands_in_no_ranking_and_a_recount_replaces_it(county):
    world = voted_world(county, VOTES)
    admin = county.township_admin
    draft = results_services.results_compute(meeting=world.meeting, by=admin)
    assert CadreStanding.objects.filter(snapshot=draft).exists()
    assert not CadreStanding.objects.live().filter(snapshot=draft).exists()
    again = results_services.results_compute(meeting=world.meeting, by=admin)
    # the old draft went, and its standings with it
    assert set(CadreStanding.objects.values_list("snapshot_id", flat=True)) == {again.pk}


def test_a_meeting_below_k_keeps_withheld_standings_with_no_figure(county):
    _world, snapshot = published_world(county, ["satisfied", "dissatisfied", "basically_satisfied"])
    rows = list(CadreStanding.objects.filter(snapshot=snapshot))
    assert rows and all(row.withheld and row.score is None and row.swing is None for row in rows)
    assert all(row.verdict == "" and row.village_rank is None for row in rows)


@pytest.mark.parametrize("legacy", [True, False])
def test_standing_rows_read_the_document_alone(county, legacy):
    _world, snapshot = published_world(county, VOTES)
    document = dict(snapshot.data)
    if legacy:
        document.pop("format")  # published before counts.csv: left out of the rankings
    rows = standings.standing_rows(document)
    assert {row["withheld"] for row in rows} == {legacy}
