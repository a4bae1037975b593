"""Rankings built on published results: a village's cadres, one post across a township, a cadre's years;
and the breakdowns hidden to keep a small village's ballot secret.

`hold_meeting` runs a whole meeting through the services — create, announce, open, sign in, cast,
close, compute, publish — with the cadres, posts and grades a test needs. Every ballot gives one
grade on every line, so "19 satisfied, 1 dissatisfied" reads the same on every criterion.
"""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import Meeting
from portal.models import CadrePost, Resident
from ratings.ballot import schemes, services
from ratings.models import CodeBatch
from ratings.results import services as results_services
from tests.factories import CadreFactory, CadrePostFactory, HouseholdFactory, ResidentFactory, VillageFactory
from tests.worlds import certify

Post = CadrePost.Post


pytestmark = pytest.mark.usefixtures("english_pages")


def cadres_of(village, *posts_and_names):
    """Cadres of the village, each with one post held since 2020."""
    cadres = []
    for post, name in posts_and_names:
        cadre = CadreFactory(village=village, name=name)
        CadrePostFactory(cadre=cadre, post=post, term_start=2020)
        cadres.append(cadre)
    return cadres


def hold_meeting(county, village, cadres, grades, *, year=2024, panel=(), quick_mode=False, publish=True):
    """`grades[i]`: ballot i's grade code for every line, or a list of one code per cadre.

    The residents of earlier meetings leave the roll first, so that the new voters make the quorum.
    `panel` lists the grades of township-panel ballots (pre-printed panel codes).
    """
    by = county.superuser
    Resident.objects.filter(village=village).update(active=False)
    scheme = schemes.scheme_create(name=f"{village.code} {year}", quick_mode=quick_mode)
    meeting = meeting_services.meeting_create(
        village=village,
        year=year,
        held_at=timezone.now() - datetime.timedelta(days=365 * (2025 - year)),
        venue="Activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        scheme=scheme,
        cadres=cadres,
        panel_seats=len(panel),
        by=by,
    )
    home = HouseholdFactory(village=village, number=f"{village.code[-3:]}-{year}")
    voters = [ResidentFactory(household=home) for _ in grades]
    meeting_services.meeting_announce(meeting=meeting, by=by)
    meeting = meeting_services.voting_open(meeting=meeting, by=by)
    codes = [services.code_issue(meeting=meeting, resident=voter, by=by) for voter in voters]
    if panel:
        codes += services.codes_issue_batch(
            meeting=meeting, count=len(panel), by=by, purpose=CodeBatch.Purpose.PANEL
        )
    terminal, _token = services.terminal_arm(meeting=meeting, label="Terminal", by=by)
    grade_ids = {grade.code: grade.pk for grade in scheme.grades.all()}
    criteria = [None] if quick_mode else list(scheme.criteria.values_list("pk", flat=True))
    for code, vote in zip(codes, [*grades, *panel], strict=True):
        per_cadre = [vote] * len(cadres) if isinstance(vote, str) else vote
        services.ballot_cast(
            terminal=terminal,
            code=code,
            grades={
                (cadre.pk, criterion): grade_ids[grade]
                for cadre, grade in zip(cadres, per_cadre, strict=True)
                for criterion in criteria
            },
            households=[],
        )
    meeting = meeting_services.voting_close(meeting=meeting, by=by)
    if not publish:
        return meeting, None
    snapshot = results_services.results_compute(meeting=meeting, by=by)
    certify(snapshot.meeting, by=by)
    return meeting, results_services.results_publish(snapshot=snapshot, by=by)


def visible(html: str) -> str:
    # <bdi> isolates a name inside its sentence and adds no space around it.
    html = re.sub(r"</?bdi>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def text(response) -> str:
    return visible(response.content.decode())


def table_rows(response) -> list[str]:
    """The visible text of each body row of the page's first data table."""
    body = response.content.decode().split("<tbody", 1)[1].split(">", 1)[1].split("</tbody>", 1)[0]
    return [visible(row) for row in body.split("</tr>")[:-1]]


# --- one post across the villages of a township ----------------------------------------------------


@pytest.fixture
def township(county):
    """Bostan: 20 ballots, its secretary 19 satisfied and 1 dissatisfied (95%, score 97.75).
    Yulghun: 12 ballots in quick mode, all satisfied (100%, score 100): a better score, on fewer ballots.
    Arish, in another township, and an unpublished village of the township are not the township's.
    """
    bostan = cadres_of(
        county.village,
        (Post.PARTY_SECRETARY, "Secretary Bostan"),
        (Post.COMMITTEE_DIRECTOR, "Director Bostan"),
    )
    hold_meeting(county, county.village, bostan, ["satisfied"] * 19 + [["dissatisfied", "satisfied"]])
    yulghun = cadres_of(
        county.neighbour,
        (Post.PARTY_SECRETARY, "Secretary Yulghun"),
        (Post.COMMITTEE_DIRECTOR, "Director Yulghun"),
    )
    hold_meeting(county, county.neighbour, yulghun, [["satisfied", "dissatisfied"]] * 12, quick_mode=True)
    arish = cadres_of(county.elsewhere, (Post.PARTY_SECRETARY, "Secretary Arish"))
    hold_meeting(county, county.elsewhere, arish, ["basically_satisfied"] * 10)
    quiet = VillageFactory(township=county.township, name="Qumbagh")
    hold_meeting(
        county,
        quiet,
        cadres_of(quiet, (Post.PARTY_SECRETARY, "Secretary Qumbagh")),
        ["satisfied"] * 3,
        publish=False,
    )
    return county.township


def township_url(township, **params):
    url = reverse("ratings:township-ranking", args=[township.pk])
    return f"{url}?{'&'.join(f'{key}={value}' for key, value in params.items())}" if params else url


def county_url(**params):
    url = reverse("ratings:county-ranking")
    return f"{url}?{'&'.join(f'{key}={value}' for key, value in params.items())}" if params else url


def test_the_ballots_are_a_census_so_the_higher_score_leads_whatever_the_size(client, township):
    response = client.get(township_url(township))

    assert response.status_code == 200
    rows = table_rows(response)
    # Rank, group, village, cadre, graded ballots, score, one-ballot swing, satisfaction: the scale
    # runs from 100 to 55, so one of Yulghun's 12 ballots moves its score by up to 45 / 12 = 3.75,
    # one of Bostan's 20 by 2.25. The gap of 2.25 is within one ballot: the same group.
    assert [row.split()[0:4] for row in rows] == [
        ["1", "1", "Yulghun", "Secretary"],
        ["2", "1", "Bostan", "Secretary"],
    ]
    assert "12 100 3.75 100%" in rows[0]
    assert "20 97.75 2.25 95%" in rows[1]
    page = text(response)
    assert "Secretary Arish" not in page and "Secretary Qumbagh" not in page and "Director" not in page
    assert "How villages of different sizes are compared" in page
    assert (
        "Cadres of 2 villages that published their results for 2024, ranked by their overall score." in page
    )
    assert "This ranking has 1 group." in page


def test_another_post(client, township):
    rows = table_rows(client.get(township_url(township, post="committee_director")))
    # Bostan's director: 20 satisfied (100); Yulghun's: 12 dissatisfied (55), 45 points and a group below.
    assert [row.split()[0:4] for row in rows] == [
        ["1", "1", "Bostan", "Director"],
        ["2", "2", "Yulghun", "Director"],
    ]
    assert "0%" in rows[1]


@pytest.mark.parametrize(
    ("params", "status", "first"),
    [
        ({"method": "wilson"}, 200, "Yulghun"),  # the retired ranking methods are ignored
        ({"post": "nonsense"}, 200, "Yulghun"),  # falls back to the Party branch secretary
        ({"post": "", "method": ""}, 200, "Yulghun"),
        ({"year": "abc"}, 404, None),
        ({"year": "2019"}, 404, None),
        ({"year": "99999999999999999999"}, 404, None),
        ({"year": "2024"}, 200, "Yulghun"),
    ],
)
def test_bad_parameters_never_break_the_township_ranking(client, township, params, status, first):
    response = client.get(township_url(township, **params))
    assert response.status_code == status
    if first:
        assert table_rows(response)[0].split()[2] == first
        assert "Secretary Bostan" in text(response)


def test_an_unknown_township_is_404(client, db):
    assert client.get(reverse("ratings:township-ranking", args=[999])).status_code == 404


def test_a_township_without_published_results(client, county):
    response = client.get(reverse("ratings:township-ranking", args=[county.township.pk]))
    assert response.status_code == 200
    assert "No village here has published results yet." in text(response)
    assert "No village here has published results yet." in text(client.get(county_url()))


def test_township_ranking_exports(client, township):
    response = client.get(township_url(township, _export="csv"))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith(
        "\ufeffRank,Group,Village,Cadre,Graded ballots,Overall score,One ballot moves it by up to,"
    )
    assert ",Satisfaction," in lines[0]
    assert lines[1].startswith("1,1,Yulghun,Secretary Yulghun,12,100.0000,3.7500,1.0000")

    response = client.get(township_url(township, _export="xlsx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="ranking-' in response["Content-Disposition"]


def test_the_county_ranking_takes_every_township(client, township):
    response = client.get(county_url())
    assert response.status_code == 200
    rows = table_rows(response)
    # Arish (another township): 10 basically satisfied, score 75, a group of its own below.
    assert [row.split()[0:4] for row in rows] == [
        ["1", "1", "Yulghun", "Tograk"],
        ["2", "1", "Bostan", "Tograk"],
        ["3", "2", "Arish", "Yengi"],
    ]
    assert "Secretary Qumbagh" not in text(response)
    assert "Cadres of 3 villages that published their results for 2024" in text(response)


def test_a_cadre_with_too_few_graded_ballots_is_listed_without_a_rank(client, county, settings):
    settings.RESULTS_MIN_GRADED_BALLOTS = 10
    few = cadres_of(county.village, (Post.PARTY_SECRETARY, "Secretary Bostan"))
    hold_meeting(county, county.village, few, ["satisfied"] * 6)  # 6 graded, fewer than the minimum of 10
    rows = table_rows(client.get(township_url(county.township)))
    assert len(rows) == 1
    assert rows[0].startswith("— — Bostan Secretary Bostan 6 100")
    assert rows[0].endswith("Not enough grades")


def shares(villagers: int) -> list[str]:
    """The same shares of grades whatever the village's size: 60% satisfied, 30% basically, 10% not."""
    tenth = villagers // 10
    return ["satisfied"] * (6 * tenth) + ["basically_satisfied"] * (3 * tenth) + ["dissatisfied"] * tenth


def test_the_same_shares_give_the_same_standing_in_villages_of_40_120_and_300(client, county):
    panel = ["satisfied", "satisfied", "basically_satisfied", "dissatisfied", "satisfied"]
    for size, name in ((40, "Small"), (120, "Middle"), (300, "Large")):
        village = VillageFactory(township=county.township, name=name)
        cadres = cadres_of(village, (Post.PARTY_SECRETARY, f"Secretary {name}"))
        # The same township panel of five in each: it weighs the same in every village's score.
        hold_meeting(county, village, cadres, shares(size), panel=panel, quick_mode=True)
    rows = table_rows(client.get(township_url(county.township)))
    assert sorted(row.split()[2] for row in rows) == ["Large", "Middle", "Small"]
    # Villagers 0.7 × 88 (60·100 + 30·75 + 10·55 = 8800 over 100) + panel 0.3 × 86 (100 + 100 + 75 + 55
    # + 100 over 5): 87.4 in each, so rank 1, group 1 for all three.
    for row in rows:
        assert row.split()[0:2] == ["1", "1"]
        assert " 87.4 " in row


def test_a_unanimous_small_village_is_not_marked_down_for_its_size(client, county):
    small = VillageFactory(township=county.township, name="Small")
    hold_meeting(
        county,
        small,
        cadres_of(small, (Post.PARTY_SECRETARY, "Unanimous")),
        ["satisfied"] * 40,
        quick_mode=True,
    )
    large = VillageFactory(township=county.township, name="Large")
    nearly = ["satisfied"] * 284 + ["dissatisfied"] * 16
    hold_meeting(county, large, cadres_of(large, (Post.PARTY_SECRETARY, "Nearly")), nearly, quick_mode=True)
    rows = table_rows(client.get(township_url(county.township)))
    # 100 against (284·100 + 16·55) / 300 = 97.6: a gap wider than one of Small's ballots (45 / 40).
    assert [row.split()[0:3] for row in rows] == [["1", "1", "Small"], ["2", "2", "Large"]]


def test_township_ranking_is_not_n_plus_one(client, county, township, django_assert_num_queries):
    # township, the years of every standing, one check that the year has published standings here,
    # the year's standings as a few numbers each (for the ranks and groups), then the full rows of the
    # page alone: never a results document or a ballot
    with django_assert_num_queries(5):
        response = client.get(township_url(township))
    assert len(table_rows(response)) == 2

    for number in range(2):
        village = VillageFactory(township=county.township, name=f"Extra {number}")
        cadres = cadres_of(
            village,
            (Post.PARTY_SECRETARY, f"Secretary Extra {number}"),
            (Post.PARTY_DEPUTY, f"Deputy Extra {number}"),
            (Post.COMMITTEE_MEMBER, f"Member Extra {number}"),
        )
        hold_meeting(county, village, cadres, ["basically_satisfied"] * 10)
    with django_assert_num_queries(5):
        response = client.get(township_url(township))
    assert len(table_rows(response)) == 4
    # the county's: the townships' county names, then the same four
    with django_assert_num_queries(5):
        response = client.get(county_url())
    assert len(table_rows(response)) == 5


# --- a village's cadres, and a cadre over the years ---------------------------------------------------


@pytest.fixture
def two_years(county):
    """The same two cadres in 2023 and 2024; Nurali rated incompetent both years."""
    cadres = cadres_of(county.village, (Post.PARTY_SECRETARY, "Aygul"), (Post.COMMITTEE_DIRECTOR, "Nurali"))
    _meeting, first = hold_meeting(
        county, county.village, cadres, [["satisfied", "dissatisfied"]] * 5, year=2023
    )
    _meeting, second = hold_meeting(
        county, county.village, cadres, [["basically_satisfied", "dissatisfied"]] * 6, year=2024
    )
    return cadres, first, second


def test_village_ranking_shows_the_latest_year_and_links_the_others(client, county, two_years):
    _cadres, _first, second = two_years
    response = client.get(reverse("ratings:village-ranking", args=[county.village.code]))

    assert response.status_code == 200
    page = text(response)
    assert "Ranking of the cadres of Bostan, 2024" in page
    rows = table_rows(response)
    assert rows[0].startswith("1 Aygul Party branch secretary 75 100% Basically satisfied")
    assert rows[1].startswith("2 Nurali villagers' committee director 55 0% Dissatisfied 0% Incompetent")
    assert "rated incompetent two years running" in rows[1]
    assert 'href="?year=2023"' in response.content.decode()
    assert reverse("ratings:results", args=[second.meeting_id]) in response.content.decode()


def test_village_ranking_of_an_earlier_year(client, county, two_years):
    response = client.get(reverse("ratings:village-ranking", args=[county.village.code]), {"year": 2023})
    rows = table_rows(response)
    assert rows[0].startswith("1 Aygul Party branch secretary 100 100% Satisfied 100% Excellent")
    assert "two years" not in rows[1]


@pytest.mark.parametrize("year", ["abc", "2019", "-1", "2023.0"])
def test_village_ranking_of_a_year_without_results_is_404(client, county, two_years, year):
    response = client.get(reverse("ratings:village-ranking", args=[county.village.code]), {"year": year})
    assert response.status_code == 404


def test_village_ranking_export(client, county, two_years):
    url = reverse("ratings:village-ranking", args=[county.village.code])
    response = client.get(url, {"year": 2024, "_export": "csv"})
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Rank,Cadre,Post,Overall score,Satisfaction,Median grade,Satisfied share the verdict used,Verdict"
    )
    verdict = "Incompetent (rated incompetent two years running)"
    assert lines[2] == f"2,Nurali,villagers' committee director,55.0,0.0,Dissatisfied,0.0,{verdict}"
    assert response["Content-Disposition"] == 'attachment; filename="ranking-653121100201-2024.csv"'


def test_village_ranking_before_any_published_results(client, county):
    hold_meeting(
        county,
        county.village,
        cadres_of(county.village, (Post.PARTY_SECRETARY, "Aygul")),
        ["satisfied"] * 3,
        publish=False,
    )
    response = client.get(reverse("ratings:village-ranking", args=[county.village.code]))
    assert response.status_code == 200
    assert "This village has no published results yet." in text(response)
    assert "Aygul" not in text(response)


def test_an_unknown_village_is_404(client, db):
    assert client.get(reverse("ratings:village-ranking", args=["000000000000"])).status_code == 404


def test_village_ranking_is_not_n_plus_one(client, county, two_years, django_assert_num_queries):
    # village with its township, the years with published results, the year's live snapshot
    with django_assert_num_queries(3):
        client.get(reverse("ratings:village-ranking", args=[county.village.code]))


def test_cadre_history_newest_first(client, two_years):
    cadres, first, second = two_years
    response = client.get(reverse("ratings:cadre-history", args=[cadres[1].pk]))

    assert response.status_code == 200
    rows = table_rows(response)
    assert [row.split()[0] for row in rows] == ["2024", "2023"]
    assert "55 0% Dissatisfied Incompetent rated incompetent two years running 2 of 2" in rows[0]
    assert "rated incompetent two years running" not in rows[1]
    html = response.content.decode()
    assert reverse("ratings:results", args=[second.meeting_id]) in html
    assert reverse("ratings:results", args=[first.meeting_id]) in html


def test_cadre_history_is_not_n_plus_one(client, two_years, django_assert_num_queries):
    cadres, _first, _second = two_years
    # the cadre with its village and township, the live snapshots of the meetings where they reported:
    # each year's figures are in its snapshot, whatever the number of years
    with django_assert_num_queries(2):
        client.get(reverse("ratings:cadre-history", args=[cadres[0].pk]))


def test_cadre_history_leaves_out_unpublished_and_annulled_years(client, county, two_years):
    cadres, _first, second = two_years
    meeting_services.meeting_annul(meeting=second.meeting, reason="Recount in person", by=county.superuser)

    rows = table_rows(client.get(reverse("ratings:cadre-history", args=[cadres[0].pk])))

    assert [row.split()[0] for row in rows] == ["2023"]


def test_cadre_without_public_results_is_404(client, county):
    cadre = cadres_of(county.village, (Post.PARTY_SECRETARY, "Aygul"))[0]
    assert client.get(reverse("ratings:cadre-history", args=[cadre.pk])).status_code == 404
    hold_meeting(county, county.village, [cadre], ["satisfied"] * 3, publish=False)
    assert client.get(reverse("ratings:cadre-history", args=[cadre.pk])).status_code == 404
    assert client.get(reverse("ratings:cadre-history", args=[99999])).status_code == 404


# --- the secret ballot of a small village: breakdowns under k ballots are hidden -----------------------


def results_page(client, snapshot):
    return text(client.get(reverse("ratings:results", args=[snapshot.meeting_id])))


def test_a_meeting_of_fewer_than_k_ballots_shows_no_figure(client, county):
    cadres = cadres_of(county.village, (Post.PARTY_SECRETARY, "Aygul"))
    _meeting, snapshot = hold_meeting(
        county, county.village, cadres, ["satisfied", "satisfied", "dissatisfied"]
    )

    page = results_page(client, snapshot)

    assert "Only 3 ballots were cast, fewer than 5." in page
    assert "Ballots counted 3" in page
    # No score, no grade count, no verdict, no rank, no ranking table.
    assert "Overall score" not in page and "Satisfied:" not in page and "Competent" not in page
    assert "No. 1" not in page and "Ranking of the village's cadres" not in page
    ranking = client.get(reverse("ratings:village-ranking", args=[county.village.code]))
    assert "no figure about any cadre is published" in text(ranking)
    assert "<tbody" not in ranking.content.decode()
    history = client.get(reverse("ratings:cadre-history", args=[cadres[0].pk]))
    assert history.status_code == 200
    assert "Not shown, to keep the ballot secret" in text(history)
    assert "<tbody" not in history.content.decode()


def test_a_meeting_of_k_ballots_shows_every_criterion(client, county):
    cadres = cadres_of(county.village, (Post.PARTY_SECRETARY, "Aygul"))
    _meeting, snapshot = hold_meeting(county, county.village, cadres, ["satisfied"] * 4 + ["dissatisfied"])

    page = results_page(client, snapshot)

    assert "ballots were cast, fewer than" not in page
    assert "Morality Satisfied: 4" in page


def test_a_small_voter_group_is_counted_with_the_largest(client, county):
    cadres = cadres_of(county.village, (Post.PARTY_SECRETARY, "Aygul"))
    _meeting, snapshot = hold_meeting(
        county, county.village, cadres, ["satisfied"] * 6, panel=["dissatisfied", "dissatisfied"]
    )

    page = results_page(client, snapshot)

    assert (
        "The township panel group cast fewer than 5 ballots. To keep its ballot secret, its ballots are "
        "counted together with the villager group's, under that group's weight" in page
    )
    assert "Township panel 30%" not in page
    # The eight ballots pooled, under the villagers' weight alone: 6 × 100 and 2 × 55 on every line.
    assert snapshot.data["disclosure"]["pooled"] == {"township_panel": "villager"}
    assert snapshot.data["disclosure"]["ballots_by_group"] == {"villager": 8}
    assert snapshot.data["cadres"][0]["overall"]["score"] == round((600 + 110) / 8, 4)
    assert set(snapshot.data["cadres"][0]["groups"]) == {"villager"}


def test_voter_groups_of_k_ballots_each_are_shown(client, county):
    cadres = cadres_of(county.village, (Post.PARTY_SECRETARY, "Aygul"))
    _meeting, snapshot = hold_meeting(
        county, county.village, cadres, ["satisfied"] * 6, panel=["dissatisfied"] * 5
    )

    page = results_page(client, snapshot)

    assert "By voter group" in page
    assert "Township panel 30% Dissatisfied: 25" in page.replace("Satisfied: 0; Basically satisfied: 0; ", "")
    assert "Villager 70%" in page
    assert "group cast fewer than" not in page


def test_a_long_ranking_is_ranked_whole_and_shown_a_page_at_a_time(client, township):
    first = table_rows(client.get(township_url(township, per_page=1)))
    second = client.get(township_url(township, per_page=1, page=2))
    assert [row.split()[0:3] for row in first] == [["1", "1", "Yulghun"]]
    # the second page keeps the rank and group worked out over the whole ranking
    assert [row.split()[0:3] for row in table_rows(second)] == [["2", "1", "Bostan"]]
    # an export holds every row, whatever the page
    lines = client.get(township_url(township, per_page=1, _export="csv")).content.decode().splitlines()
    assert len(lines) == 3
