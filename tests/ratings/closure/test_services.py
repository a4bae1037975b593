"""The closure certificate's rules: who may be a scrutineer or sit on the committee, who confirms for
whom, what a confirmation binds to, and that publishing waits for the chair and two scrutineers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meetings.models import Meeting
from portal.models import AuditEntry, SupervisionMember
from portal.services.supervision import supervision_member_add, supervision_member_remove
from ratings.closure import certificate as certificates
from ratings.closure import services
from ratings.models import CertificateConfirmation, Scrutineer
from ratings.results import services as results_services
from tests.factories import CadrePostFactory, ResidentFactory
from tests.worlds import make_resident, residents

pytestmark = pytest.mark.usefixtures("english")


def certificate(closing):
    return certificates.certificate_of(closing.meeting, closing.draft)


def confirm_all(closing):
    services.certificate_confirm(snapshot=closing.draft, signer=closing.chair, by=closing.chair_user)
    services.certificate_confirm(snapshot=closing.draft, signer=closing.first, by=closing.first_user)
    services.certificate_confirm(snapshot=closing.draft, signer=closing.second, by=closing.second_user)


# --- naming scrutineers ----------------------------------------------------------------------------


def test_a_cadre_under_review_cannot_be_named(closing, county):
    cadre = closing.world.cadres[0]
    namesake = make_resident(closing.meeting.village, cadre.name)
    with pytest.raises(ValidationError, match="a cadre under review at this meeting"):
        services.scrutineer_name(meeting=closing.meeting, resident=namesake, by=county.operator)
    assert not Scrutineer.objects.filter(resident=namesake).exists()


def test_nor_anyone_of_their_household(closing, county):
    cadre = closing.world.cadres[1]
    namesake = make_resident(closing.meeting.village, cadre.name)
    relative = ResidentFactory(household=namesake.household, name="Cadre's daughter")
    with pytest.raises(ValidationError, match="lives in the household of one"):
        services.scrutineer_name(meeting=closing.meeting, resident=relative, by=county.operator)


def test_nor_with_the_account_of_a_cadre_under_review(closing, county):
    cadre = closing.world.cadres[0]
    cadre.user = county.cadre
    cadre.save()
    with pytest.raises(ValidationError, match="belongs to a cadre under review"):
        services.scrutineer_name(
            meeting=closing.meeting, resident=closing.bystander, user=county.cadre, by=county.operator
        )


def test_the_chair_is_not_a_scrutineer_too(closing, county):
    with pytest.raises(ValidationError, match="confirms the certificate as the chair"):
        services.scrutineer_name(meeting=closing.meeting, resident=closing.chair.resident, by=county.operator)


def test_a_scrutineer_is_of_the_village_roll_and_named_once(closing, county):
    stranger = make_resident(county.neighbour, "Neighbour Villager")
    with pytest.raises(ValidationError, match="not on the village's roll"):
        services.scrutineer_name(meeting=closing.meeting, resident=stranger, by=county.operator)
    with pytest.raises(ValidationError, match="already a scrutineer"):
        services.scrutineer_name(meeting=closing.meeting, resident=closing.first.resident, by=county.operator)


def test_only_the_villages_operators_and_township_admins_name_scrutineers(closing, county):
    for who in (county.moderator, county.cadre, county.nobody):
        with pytest.raises(PermissionDenied):
            services.scrutineer_name(meeting=closing.meeting, resident=closing.bystander, by=who)
    named = services.scrutineer_name(
        meeting=closing.meeting, resident=closing.bystander, by=county.township_admin
    )
    entry = AuditEntry.objects.get(action="scrutineer_name", target_id=str(named.pk))
    assert entry.details["name"] == "Nur Bystander"
    pk = named.pk
    services.scrutineer_remove(scrutineer=named, by=county.operator)
    assert AuditEntry.objects.filter(action="scrutineer_remove", target_id=str(pk)).exists()


def test_no_scrutineer_is_named_once_the_results_are_published(closing, county):
    confirm_all(closing)
    results_services.results_publish(snapshot=closing.draft, by=county.township_admin)
    with pytest.raises(ValidationError, match="until the results are published"):
        services.scrutineer_name(meeting=closing.meeting, resident=closing.bystander, by=county.operator)


# --- the supervision committee ---------------------------------------------------------------------


def test_a_serving_cadre_and_their_household_cannot_sit_on_the_committee(county):
    village = county.village
    secretary = make_resident(village, "Serving Secretary")
    CadrePostFactory(cadre__village=village, cadre__name="Serving Secretary", term_start=2000)
    wife = ResidentFactory(household=secretary.household)
    for person in (secretary, wife):
        with pytest.raises(ValidationError, match="serving cadre of the village"):
            supervision_member_add(village=village, resident=person, by=county.township_admin)
    assert not SupervisionMember.objects.exists()


def test_one_chair_appointed_by_township_admins_and_audited(county):
    first, second = residents(county.village, 2)
    with pytest.raises(PermissionDenied):
        supervision_member_add(village=county.village, resident=first, chair=True, by=county.operator)
    old = supervision_member_add(village=county.village, resident=first, chair=True, by=county.township_admin)
    new = supervision_member_add(
        village=county.village, resident=second, chair=True, by=county.township_admin
    )
    old.refresh_from_db()
    assert (old.is_chair, new.is_chair) == (False, True)
    entry = AuditEntry.objects.get(action="supervision_member_add", target_id=str(new.pk))
    assert entry.details["replaces_chair"] == first.name
    supervision_member_remove(member=old, by=county.township_admin)
    assert AuditEntry.objects.filter(action="supervision_member_remove").count() == 1


# --- confirming ------------------------------------------------------------------------------------


def test_each_signer_confirms_with_their_own_account_only(closing):
    with pytest.raises(PermissionDenied, match="Only Mamat One can confirm"):
        services.certificate_confirm(snapshot=closing.draft, signer=closing.first, by=closing.second_user)
    with pytest.raises(PermissionDenied):
        services.certificate_confirm(snapshot=closing.draft, signer=closing.chair, by=closing.first_user)
    services.certificate_confirm(snapshot=closing.draft, signer=closing.first, by=closing.first_user)
    with pytest.raises(ValidationError, match="already confirmed"):
        services.certificate_confirm(snapshot=closing.draft, signer=closing.first, by=closing.first_user)
    shown = certificate(closing)
    assert (shown.scrutineers_confirmed, shown.chair_confirmed, shown.confirmed) == (1, False, False)
    entry = AuditEntry.objects.get(action="certificate_confirm")
    assert entry.details["version"] == closing.draft.version
    assert entry.details["sha256"] == closing.draft.ballots_sha256


def test_the_operator_records_a_signature_on_paper_saying_so(closing, county):
    with pytest.raises(PermissionDenied):
        services.certificate_record_paper(snapshot=closing.draft, signer=closing.chair, by=county.moderator)
    confirmation = services.certificate_record_paper(
        snapshot=closing.draft, signer=closing.chair, by=county.operator
    )
    assert (confirmation.on_paper, confirmation.recorded_by, confirmation.signer_name) == (
        True,
        county.operator,
        "Aygul Chair",
    )
    assert certificate(closing).chair_confirmed
    assert AuditEntry.objects.filter(
        action="certificate_paper_signature", actor_id=county.operator.pk
    ).exists()


def test_publishing_is_refused_until_the_chair_and_two_scrutineers_confirm(closing, county):
    def publish():
        return results_services.results_publish(snapshot=closing.draft, by=county.township_admin)

    with pytest.raises(ValidationError, match=r"closure certificate is not confirmed.*0 of 3"):
        publish()
    services.certificate_confirm(snapshot=closing.draft, signer=closing.first, by=closing.first_user)
    services.certificate_confirm(snapshot=closing.draft, signer=closing.chair, by=closing.chair_user)
    with pytest.raises(ValidationError, match="2 of 3"):
        publish()
    services.certificate_confirm(snapshot=closing.draft, signer=closing.second, by=closing.second_user)
    assert results_services.publish_blockers(closing.meeting) == []
    assert publish().status == "published"
    assert Meeting.objects.get(pk=closing.meeting.pk).status == Meeting.Status.UNDER_NOTICE


def test_computing_again_voids_the_confirmations(closing, county):
    confirm_all(closing)
    assert certificate(closing).confirmed
    again = results_services.results_compute(meeting=closing.meeting, by=county.township_admin)
    shown = certificates.certificate_of(closing.meeting, again)
    assert not shown.confirmed
    assert shown.confirmations_counted == 0
    assert len(shown.void) == 3  # on record, counting no more
    assert CertificateConfirmation.objects.filter(meeting=closing.meeting, snapshot=None).count() == 3
    with pytest.raises(ValidationError, match="not confirmed"):
        results_services.results_publish(snapshot=again, by=county.township_admin)
    # The old draft is gone; confirming it again is refused, confirming the new one counts.
    with pytest.raises(ValidationError, match="Only results under review"):
        services.certificate_confirm(snapshot=closing.draft, signer=closing.first, by=closing.first_user)
    closing.draft = again
    confirm_all(closing)
    assert results_services.results_publish(snapshot=again, by=county.township_admin).version == 2


def test_a_changed_figure_voids_a_confirmation(closing, county):
    confirm_all(closing)
    # A ballot code voided after the confirmations: the certificate's figures no longer match.
    closing.world.meeting.ballot_codes.update(status="voided")
    shown = certificate(closing)
    assert not shown.confirmed and len(shown.void) == 3


def test_a_removed_scrutineers_confirmation_no_longer_counts(closing, county):
    confirm_all(closing)
    services.scrutineer_remove(scrutineer=closing.first, by=county.operator)
    shown = certificate(closing)
    assert (shown.scrutineers_confirmed, shown.confirmed) == (1, False)
    assert [confirmation.signer_name for confirmation in shown.void] == ["Mamat One"]


def test_a_chair_under_review_at_this_meeting_cannot_confirm(closing, county):
    # Appointed while not serving, the chair's household now has a cadre under review.
    cadre = closing.world.cadres[0]
    ResidentFactory(household=closing.chair.resident.household, name=cadre.name)
    with pytest.raises(ValidationError, match="cadre under review"):
        services.certificate_confirm(snapshot=closing.draft, signer=closing.chair, by=closing.chair_user)
