"""Quick mode (one overall grade per cadre) is chosen per meeting from its form; the shared scheme is
copied into that mode, never changed, and the choice freezes with the ballot."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from portal.models import CadrePost
from ratings.ballot import schemes
from ratings.ballot import services as ballot_services
from ratings.models import Ballot, RatingScheme
from tests.factories import CadreFactory, CadrePostFactory, ResidentFactory
from tests.worlds import set_status

pytestmark = pytest.mark.usefixtures("english")


def speaker(village, name="Secretary"):
    cadre = CadreFactory(village=village, name=name)
    CadrePostFactory(cadre=cadre, post=CadrePost.Post.PARTY_SECRETARY, term_start=2000)
    return cadre


def create(county, *, year=2024, **kwargs):
    return services.meeting_create(
        village=county.village,
        year=year,
        held_at=timezone.now() - datetime.timedelta(days=1),
        venue="Activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        cadres=[speaker(county.village, f"Secretary {year}")],
        by=county.township_admin,
        **kwargs,
    )


def content(scheme):
    return (
        list(scheme.criteria.values_list("code", "name", "order")),
        list(scheme.grades.values_list("code", "label", "value", "standing", "tone", "order")),
        sorted(scheme.groups.values_list("kind", "weight")),
        (scheme.max_nominations, scheme.excellent_share, scheme.incompetent_share, scheme.min_cell),
    )


def test_quick_mode_uses_a_copy_of_the_scheme_and_leaves_it_alone(county):
    shared = schemes.scheme_create(name="Township scheme")
    meeting = create(county, scheme=shared, quick_mode=True)
    assert meeting.scheme != shared and meeting.scheme.quick_mode
    assert meeting.scheme.name == "Township scheme · quick mode"
    assert content(meeting.scheme) == content(shared)
    shared.refresh_from_db()
    assert not shared.quick_mode
    # A second meeting in quick mode reuses the copy.
    again = create(county, year=2023, scheme=shared, quick_mode=True)
    assert again.scheme == meeting.scheme
    assert RatingScheme.objects.count() == 2


def test_a_quick_scheme_can_be_asked_for_a_grade_per_criterion(county):
    quick = schemes.scheme_create(name="Quick scheme", quick_mode=True)
    meeting = create(county, scheme=quick, quick_mode=False)
    assert not meeting.scheme.quick_mode
    assert meeting.scheme.name == "Quick scheme · a grade per criterion"


def test_without_a_choice_the_scheme_is_taken_as_it_is(county):
    shared = schemes.scheme_create(name="Township scheme", quick_mode=True)
    assert create(county, scheme=shared).scheme == shared
    assert create(county, year=2023).scheme == schemes.default_scheme()


def test_the_mode_changes_until_voting_opens_and_then_freezes(county):
    meeting = create(county)
    admin = county.township_admin
    meeting = services.meeting_update(meeting=meeting, by=admin, quick_mode=True)
    assert meeting.scheme.quick_mode
    meeting = services.meeting_update(meeting=meeting, by=admin, quick_mode=False)
    assert meeting.scheme == schemes.default_scheme()
    set_status(meeting, Meeting.Status.VOTING_OPEN)
    schemes_before = RatingScheme.objects.count()
    with pytest.raises(ValidationError, match="cannot change once voting has opened"):
        services.meeting_update(meeting=meeting, by=admin, quick_mode=True)
    assert Meeting.objects.get(pk=meeting.pk).scheme == schemes.default_scheme()
    assert RatingScheme.objects.count() == schemes_before


def test_the_form_sets_quick_mode_and_the_ballot_takes_one_grade_per_cadre(client, county):
    secretary = speaker(county.village)
    client.force_login(county.township_admin)
    response = client.post(
        reverse("meetings:staff-meeting-create", args=[county.village.code]),
        {
            "year": 2024,
            "held_at": "2030-01-15T10:00",
            "venue": "Activity center",
            "kind": "villagers",
            "scheme": "",
            "quick_mode": "quick",
            "cadres": [secretary.pk],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.scheme.quick_mode
    control = client.get(reverse("meetings:staff-meeting", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "quick mode: one overall grade per cadre" in control.content.decode()
    # Voting: one overall grade per cadre is a whole ballot.
    voter = ResidentFactory(household__village=county.village)
    operator = county.operator
    meeting = services.meeting_announce(meeting=meeting, by=operator)
    meeting = set_status(meeting, Meeting.Status.ANNOUNCED, held_at=timezone.now())  # the day has come
    meeting = services.voting_open(meeting=meeting, by=operator)
    code = ballot_services.code_issue(meeting=meeting, resident=voter, by=operator)
    terminal, _token = ballot_services.terminal_arm(meeting=meeting, label="Door", by=operator)
    satisfied = meeting.scheme.grades.get(code="satisfied")
    ballot_services.ballot_cast(
        terminal=terminal, code=code, grades={(secretary.pk, None): satisfied.pk}, households=[]
    )
    assert Ballot.objects.get(meeting=meeting).grades.get().criterion is None


def test_the_edit_form_disables_the_mode_once_voting_has_opened(client, county):
    meeting = create(county)
    set_status(meeting, Meeting.Status.VOTING_OPEN)
    client.force_login(county.township_admin)
    form = client.get(reverse("meetings:staff-meeting-edit", args=[meeting.pk])).context["form"]
    assert form.fields["quick_mode"].disabled
