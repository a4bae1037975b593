"""The staff pages of households' evaluations: who reaches them, what each shows, the steps by POST."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from ratings.evaluations import services
from ratings.models import HouseholdProposal
from tests.factories import HouseholdFactory
from tests.ratings.evaluations.conftest import FACTS
from tests.worlds import make_meeting, set_status

pytestmark = pytest.mark.usefixtures("english_pages")

Kind = HouseholdProposal.Kind
Status = HouseholdProposal.Status


def _page(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(f"ratings:{name}", args=args), query)


def test_the_village_proposes_a_household_through_the_form(client, ev):
    client.force_login(ev.county.operator)
    url = reverse("ratings:household-propose", args=[ev.county.village.code])
    assert client.get(url).status_code == 200
    data = FACTS | {"household": ev.household.pk, "kind": Kind.MONITORING_ENTRY, "category": "marginal"}
    data |= {"threshold_numerator": 1, "threshold_denominator": 2, "notice_days": ""}
    response = client.post(url, data)
    proposal = HouseholdProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert (proposal.category, proposal.notice_days, proposal.created_by) == (
        "marginal",
        5,
        ev.county.operator,
    )
    listing = client.get(reverse("ratings:household-proposals", args=[ev.county.village.code]))
    assert "Ahmat Tursun" in listing.content.decode()


def test_another_villages_household_cannot_be_chosen(client, ev):
    client.force_login(ev.county.operator)
    url = reverse("ratings:household-propose", args=[ev.county.village.code])
    data = FACTS | {"household": ev.neighbour_household.pk, "kind": Kind.POVERTY_EXIT}
    data |= {"threshold_numerator": 1, "threshold_denominator": 2}
    assert client.post(url, data).status_code == 400
    assert not HouseholdProposal.objects.exists()


def test_a_missing_category_is_shown_on_the_form(client, ev):
    client.force_login(ev.county.operator)
    url = reverse("ratings:household-propose", args=[ev.county.village.code])
    data = FACTS | {"household": ev.household.pk, "kind": Kind.MONITORING_ENTRY}
    data |= {"threshold_numerator": 1, "threshold_denominator": 2}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "An entry into monitoring needs its category." in response.content.decode()


def _proposal_of(village, household, by) -> HouseholdProposal:
    return HouseholdProposal.objects.create(
        village=village, household=household, kind=Kind.POVERTY_EXIT, notice_days=7, created_by=by, **FACTS
    )


@pytest.mark.parametrize("who", ["moderator", "operator", "cadre"])
def test_another_villages_proposals_households_and_register_are_a_404(client, ev, who):
    theirs = _proposal_of(ev.county.neighbour, ev.neighbour_household, ev.county.superuser)
    client.force_login(getattr(ev.county, who))
    for url in [
        reverse("ratings:household-proposal", args=[theirs.pk]),
        reverse("ratings:household-proposal-edit", args=[theirs.pk]),
        reverse("ratings:household-proposals", args=[ev.county.neighbour.code]),
        reverse("ratings:household-register", args=[ev.county.neighbour.code]),
        # Another village's household, even under this village's code.
        reverse("ratings:household-history", args=[ev.county.village.code, ev.neighbour_household.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("ratings:household-proposal-submit", args=[theirs.pk])).status_code == 404


def test_another_townships_evaluations_are_a_404_for_a_township_administrator(client, ev):
    theirs = _proposal_of(
        ev.county.elsewhere, HouseholdFactory(village=ev.county.elsewhere), ev.county.superuser
    )
    client.force_login(ev.county.township_admin)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("ratings:household-register", args=[ev.county.elsewhere.code])).status_code == 404
    )
    other = ev.county.elsewhere.township.code
    assert client.get(reverse("ratings:household-register-township", args=[other])).status_code == 404


def test_the_steps_by_post_from_approval_to_the_countys_decision(client, ev):
    proposal = ev.propose()
    client.force_login(ev.county.operator)
    assert client.post(reverse("ratings:household-proposal-submit", args=[proposal.pk])).status_code == 302
    # The clerk may not approve: a 403 from the service's check.
    assert client.post(reverse("ratings:household-proposal-approve", args=[proposal.pk])).status_code == 403
    client.force_login(ev.county.moderator)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Approve for the agenda" in page
    assert client.post(reverse("ratings:household-proposal-approve", args=[proposal.pk])).status_code == 302
    response = client.post(
        reverse("ratings:household-proposal-agenda", args=[proposal.pk]), {"meeting": ev.meeting.pk}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.meeting == ev.meeting
    proposal = ev.counted(proposal, today=timezone.localdate() - datetime.timedelta(days=10))

    client.force_login(ev.county.township_admin)
    assert "Record the township's check" in client.get(proposal.get_absolute_url()).content.decode()
    url = reverse("ratings:household-proposal-check", args=[proposal.pk])
    assert client.post(url, {"decision": "return", "reason": ""}).status_code == 409
    assert client.post(url, {"decision": "approve", "reason": ""}).status_code == 302

    client.force_login(ev.county_officer)
    url = reverse("ratings:household-proposal-decide", args=[proposal.pk])
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    assert client.post(url, {"decision": "return", "reason": "Income not proven"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.COUNTY_RETURNED
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Income not proven" in page

    client.force_login(ev.county.operator)
    url = reverse("ratings:household-proposal-confirm", args=[proposal.pk])
    assert client.post(url, {"by_helper": "on"}).status_code == 409
    assert client.post(url, {"by_helper": "on", "thumbprint": "on"}).status_code == 302
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "thumbprint given" in page


def test_a_return_needs_a_reason(client, ev):
    proposal = ev.propose()
    services.proposal_submit(proposal=proposal, by=ev.county.operator)
    client.force_login(ev.county.moderator)
    url = reverse("ratings:household-proposal-return", args=[proposal.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Members miscounted"}).status_code == 302
    client.force_login(ev.county.operator)
    edit = client.get(reverse("ratings:household-proposal-edit", args=[proposal.pk]))
    assert "Members miscounted" in edit.content.decode()


def test_steps_are_never_taken_by_get(client, ev):
    proposal = ev.propose()
    client.force_login(ev.county.operator)
    assert client.get(reverse("ratings:household-proposal-submit", args=[proposal.pk])).status_code == 405
    proposal.refresh_from_db()
    assert proposal.status == Status.DRAFT


def test_the_county_queue_flags_the_overdue(client, ev):
    late = ev.checked(ev.counted(ev.on_agenda(), today=timezone.localdate() - datetime.timedelta(days=60)))
    response = _page(client, ev.county_officer, "household-decisions")
    page = response.content.decode()
    assert late.get_absolute_url() in page
    assert "overdue" in page
    # A county officer of another township sees nothing of it; a township administrator has no county queue.
    assert (
        late.get_absolute_url()
        not in _page(client, ev.elsewhere_officer, "household-decisions").content.decode()
    )
    assert _page(client, ev.county.township_admin, "household-decisions").status_code == 403


def test_the_township_queue_holds_what_waits_for_its_check(client, ev):
    ready = ev.counted(ev.on_agenda(), today=timezone.localdate() - datetime.timedelta(days=30))
    page = _page(client, ev.county.township_admin, "household-checks").content.decode()
    assert ready.get_absolute_url() in page
    assert _page(client, ev.county.moderator, "household-checks").status_code == 403


def test_the_register_counts_by_category_and_year_and_exports_csv(client, ev):
    entry = ev.final(Kind.MONITORING_ENTRY, category="marginal")
    ev.meeting = set_status(ev.meeting, Meeting.Status.FINAL)
    ev.meeting = make_meeting(ev.county.village, year=2027)
    pending = ev.counted(
        ev.on_agenda(Kind.POVERTY_EXIT, household=ev.second), today=datetime.date(2026, 1, 5)
    )
    response = _page(client, ev.county.moderator, "household-register", ev.county.village.code)
    page = response.content.decode()
    assert 'data-category="marginal">marginal household at risk of poverty: <strong>1</strong>' in page
    assert 'data-category="unstable">unstable household out of poverty: <strong>0</strong>' in page
    assert f'<th scope="row">{entry.decided_on.year}</th><td>0</td><td>1</td>' in page
    assert pending.get_absolute_url() in page and "overdue" in page
    monitored = _page(
        client, ev.county.moderator, "household-register", ev.county.village.code, csv="monitored"
    )
    assert monitored["Content-Type"].startswith("text/csv")
    rows = monitored.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Village,Household,Head of household,Category,Since")
    assert len(rows) == 2 and "marginal household at risk of poverty" in rows[1]
    overdue = _page(client, ev.county.moderator, "household-register", ev.county.village.code, csv="pending")
    assert overdue.content.decode("utf-8-sig").splitlines()[1].endswith(",yes")
    township = _page(client, ev.county_officer, "household-register-township", ev.county.township.code)
    assert township.status_code == 200 and "Ahmat Tursun" in township.content.decode()
    assert (
        _page(client, ev.county.moderator, "household-register-township", ev.county.township.code).status_code
        == 404
    )


def test_a_households_history_lists_every_step(client, ev):
    ev.final(Kind.MONITORING_ENTRY, category="hardship")
    page = _page(
        client, ev.county.cadre, "household-history", ev.county.village.code, ev.household.pk
    ).content.decode()
    assert "Under monitoring: household in sudden severe hardship" in page
    assert page.count("<tr><td><time") == 6


def test_the_proposal_list_is_not_n_plus_one(client, ev, django_assert_num_queries):
    for household in (ev.household, ev.second):
        ev.on_agenda(household=household)
        ev.propose(Kind.STAR, household=household, star="civilized")
    client.force_login(ev.county.moderator)
    # session, user, village in scope, whether the user may propose, proposals with their households
    # and meetings, navigation's permissions (2): whatever the number of proposals
    with django_assert_num_queries(7):
        assert (
            client.get(reverse("ratings:household-proposals", args=[ev.county.village.code])).status_code
            == 200
        )


def test_the_register_is_not_n_plus_one(client, ev, django_assert_num_queries):
    entry = ev.on_agenda(Kind.MONITORING_ENTRY, category="hardship")
    ev.counted(ev.on_agenda(Kind.POVERTY_EXIT, household=ev.second))
    ev.decided(ev.checked(ev.counted(entry)))
    client.force_login(ev.county.moderator)
    # session, user, village in scope, decisions, pending steps, navigation's permissions (2)
    with django_assert_num_queries(7):
        assert (
            client.get(reverse("ratings:household-register", args=[ev.county.village.code])).status_code
            == 200
        )


def test_the_public_notice_shows_the_minimum(client, ev):
    passed = ev.on_agenda(Kind.POVERTY_EXIT)
    failed = ev.on_agenda(Kind.STAR, household=ev.second, star="diligent", head_name="Guli Yasin")
    ev.propose(Kind.MONITORING_ENTRY, household=ev.second, category="marginal", head_name="Not Voted")
    ev.counted(passed, agree=8, disagree=1, abstain=1)
    ev.counted(failed, agree=2, disagree=7, abstain=1)
    response = client.get(reverse("ratings:household-notice", args=[ev.county.village.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ahmat Tursun" in page and "Guli Yasin" in page and "Not Voted" not in page
    assert "under public notice until 2026-12-02" in page and "not passed" in page
    # Nothing of the household's situation, nor the count.
    for private in ("9800", "Greenhouse", FACTS["reason"], "8 agree"):
        assert private not in page
    village_page = client.get(ev.county.village.get_absolute_url()).content.decode()
    assert reverse("ratings:household-notice", args=[ev.county.village.code]) in village_page
    assert client.get(reverse("ratings:household-notice", args=["999999999999"])).status_code == 404


def test_the_queues_and_the_history_are_not_n_plus_one(client, ev, django_assert_num_queries):
    long_ago = timezone.localdate() - datetime.timedelta(days=60)
    proposals = [
        ev.on_agenda(Kind.POVERTY_EXIT),
        ev.on_agenda(Kind.STAR, star="civilized"),
        ev.on_agenda(Kind.POVERTY_EXIT, household=ev.second),
    ]
    proposals = [ev.counted(proposal, today=long_ago) for proposal in proposals]
    ev.checked(proposals[0])
    client.force_login(ev.county.township_admin)
    # session, user, whether the account checks anywhere, proposals ready, proposals still posted,
    # navigation's permissions (2): whatever the number of proposals and villages
    with django_assert_num_queries(7):
        assert client.get(reverse("ratings:household-checks")).status_code == 200
    client.force_login(ev.county_officer)
    # session, user, whether the account decides anywhere, proposals to decide, navigation's permissions (2)
    with django_assert_num_queries(6):
        assert client.get(reverse("ratings:household-decisions")).status_code == 200
    client.force_login(ev.county.moderator)
    # session, user, village in scope, household, its monitoring, its history with the proposals,
    # navigation's permissions (2)
    with django_assert_num_queries(8):
        url = reverse("ratings:household-history", args=[ev.county.village.code, ev.household.pk])
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        {"members": "99999999999999999999"},
        {"income_per_head": "1e400"},
        {"income_per_head": "123456789012.5"},
        {"threshold_numerator": "3", "threshold_denominator": "2"},
        {"threshold_denominator": "0"},
        {"notice_days": "100000"},
        {"kind": "mayor"},
        {"household": "99999999999999999999999"},
    ],
)
def test_bad_input_on_the_form_is_a_400_never_a_500(client, ev, bad):
    client.force_login(ev.county.operator)
    url = reverse("ratings:household-propose", args=[ev.county.village.code])
    data = FACTS | {"household": ev.household.pk, "kind": Kind.POVERTY_EXIT}
    data |= {"threshold_numerator": 1, "threshold_denominator": 2, "notice_days": ""} | bad
    assert client.post(url, data).status_code == 400
    assert not HouseholdProposal.objects.exists()
