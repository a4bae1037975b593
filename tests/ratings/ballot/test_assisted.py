"""Assisted voting (代写, issue 19): the operator counts in the poll book that a helper of the villager's
choice marked their ballot, never which ballot; the seal keeps the figure and wipes who; the closure
figures, the reconciliation and the certificate, show it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import override

from meetings import services as meeting_services
from portal.models import AuditEntry
from ratings.ballot import services
from ratings.ballot.reconciliation import reconciliation_of
from ratings.closure.certificate import certificate_of
from ratings.models import Ballot, PollBookCount, PollBookEntry
from ratings.results import services as results_services
from tests.worlds import build_world, make_resident

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def world(county):
    """Voting is open; five villagers have received a code (the poll book), none has voted yet."""
    return build_world(county, codes=0, residents=5)


def assist(world, resident, assisted=True, by=None):
    return services.poll_book_assisted(
        meeting=world.meeting, resident=resident, assisted=assisted, by=by or world.operator
    )


def flagged(world) -> list[int]:
    return list(
        PollBookEntry.objects.filter(meeting=world.meeting, assisted=True).values_list("resident", flat=True)
    )


def vote_all(world):
    for code in world.resident_codes:
        world.cast(code)


def message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the service ------------------------------------------------------------------------------------


def test_the_flag_is_set_counted_and_audited_with_the_villager_never_a_ballot(world):
    aygul = world.residents[0]
    assert assist(world, aygul) is True

    assert flagged(world) == [aygul.pk]
    assert reconciliation_of(world.meeting).assisted == 1
    entry = AuditEntry.objects.get(action="poll_book_assisted")
    assert entry.details == {"resident": aygul.pk}
    assert entry.actor_id == world.operator.pk
    # A ballot has no field where assistance could be written.
    assert not any("assist" in field.name for field in Ballot._meta.get_fields())


def test_setting_it_twice_changes_nothing_and_writes_one_entry(world):
    assist(world, world.residents[0])
    assert assist(world, world.residents[0]) is False
    assert AuditEntry.objects.filter(action="poll_book_assisted").count() == 1
    assert reconciliation_of(world.meeting).assisted == 1


def test_a_slip_is_undone_while_voting_is_open(world):
    assist(world, world.residents[0])
    assist(world, world.residents[1])
    assert assist(world, world.residents[0], assisted=False) is True

    assert flagged(world) == [world.residents[1].pk]
    assert reconciliation_of(world.meeting).assisted == 1
    undone = AuditEntry.objects.get(action="poll_book_assisted_undo")
    assert undone.details == {"resident": world.residents[0].pk}


def test_a_villager_not_in_the_poll_book_is_refused(world, county):
    walk_in = make_resident(county.village, "Came Late")
    with override("en"), pytest.raises(ValidationError) as refused:
        assist(world, walk_in)
    assert message(refused.value) == (
        "Came Late has not received a ballot yet: hand them a code or a paper ballot first."
    )
    assert not AuditEntry.objects.filter(action="poll_book_assisted").exists()


def test_setting_and_undoing_are_refused_once_voting_has_closed(world):
    assist(world, world.residents[0])
    vote_all(world)
    meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    for resident, assisted in ((world.residents[1], True), (world.residents[0], False)):
        with override("en"), pytest.raises(ValidationError) as refused:
            assist(world, resident, assisted=assisted)
        assert message(refused.value) == "Assisted voting is recorded only while voting is open."
    assert reconciliation_of(world.meeting).assisted == 1


def test_another_villages_operator_is_refused_by_the_service(world, county):
    neighbour = build_world(
        county, village=county.neighbour, codes=0, residents=1, operator=county.township_admin
    )
    with pytest.raises(PermissionDenied):
        assist(neighbour, neighbour.residents[0], by=county.operator)
    assert flagged(neighbour) == []


# --- the seal: the figure stays, who does not ------------------------------------------------------


def test_the_seal_keeps_the_figure_and_wipes_who(world):
    assist(world, world.residents[0])
    assist(world, world.residents[2])
    vote_all(world)

    meeting_services.voting_close(meeting=world.meeting, by=world.operator)

    assert flagged(world) == []
    assert PollBookEntry.objects.filter(meeting=world.meeting).count() == 5  # who received a ballot stays
    assert PollBookCount.objects.get(meeting=world.meeting).assisted == 2
    assert reconciliation_of(world.meeting).assisted == 2
    # A second seal (the paper count's closure seals again) finds nothing more to add.
    services.ballot_box_seal(meeting=world.meeting)
    assert reconciliation_of(world.meeting).assisted == 2


def test_annulling_the_meeting_seals_the_flags_too(world, county):
    assist(world, world.residents[0])
    meeting_services.meeting_annul(
        meeting=world.meeting, reason="Held on the wrong day.", by=county.township_admin
    )
    assert flagged(world) == []
    assert reconciliation_of(world.meeting).assisted == 1


def test_the_certificate_states_the_figure(world, county, client):
    assist(world, world.residents[1])
    assist(world, world.residents[3])
    vote_all(world)
    meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)

    assert certificate_of(world.meeting, draft).figures["poll_book"] == {"assisted": 2}

    client.force_login(county.operator)
    html = client.get(reverse("ratings:certificate", args=[world.meeting.pk])).content.decode()
    row = html.split('class="certificate-assisted"', 1)[1].split("</tr>", 1)[0]
    assert "Voters assisted by a helper of their choice (a count, never which ballot)" in row
    assert '<td class="text-end">2</td>' in row


# --- the operator's pages ---------------------------------------------------------------------------


def post(client, world, name, resident):
    url = reverse(f"ratings:{name}", args=[world.meeting.pk])
    return client.post(url, {"resident": resident.pk, "q": ""})


def test_the_poll_book_row_has_the_button_and_the_control_page_the_count(client, world):
    client.force_login(world.operator)
    control = reverse("meetings:staff-meeting", args=[world.meeting.pk])
    aygul = world.residents[0]
    html = client.get(control).content.decode()
    assert f"{aygul.name} is assisted by a helper" in html

    response = post(client, world, "poll-book-assisted", aygul)
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert f"{aygul.name} is counted as assisted by a helper: never which ballot." in html
    assert f"Undo “assisted” for {aygul.name}" in html
    assert 'data-count="assisted">1<' in html

    post(client, world, "poll-book-assisted-undo", aygul)
    html = client.get(control).content.decode()
    assert 'data-count="assisted">0<' in html
    assert flagged(world) == []


def test_the_buttons_are_gone_once_voting_has_closed(client, world):
    vote_all(world)
    meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    client.force_login(world.operator)
    html = client.get(reverse("meetings:staff-meeting", args=[world.meeting.pk])).content.decode()
    assert "is assisted by a helper" not in html
    response = post(client, world, "poll-book-assisted", world.residents[0])
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Assisted voting is recorded only while voting is open." in html
    assert flagged(world) == []


@pytest.mark.parametrize("name", ["poll-book-assisted", "poll-book-assisted-undo"])
def test_a_get_changes_nothing(client, world, name):
    client.force_login(world.operator)
    assert client.get(reverse(f"ratings:{name}", args=[world.meeting.pk])).status_code == 405


@pytest.mark.parametrize("name", ["poll-book-assisted", "poll-book-assisted-undo"])
def test_another_village_is_404(client, world, county, name):
    neighbour = build_world(
        county, village=county.neighbour, codes=0, residents=1, operator=county.township_admin
    )
    client.force_login(county.operator)
    # Another village's meeting, and another village's villager at the operator's own meeting.
    assert post(client, neighbour, name, neighbour.residents[0]).status_code == 404
    assert post(client, world, name, neighbour.residents[0]).status_code == 404
    assert flagged(neighbour) == []


def test_anonymous_is_sent_to_sign_in(client, world):
    assert post(client, world, "poll-book-assisted", world.residents[0]).status_code == 302
    assert flagged(world) == []
