"""The closure pages over HTTP: who reaches them, what the certificate says, confirming and recording."""

import pytest
from django.urls import reverse

from portal import audit
from portal.models import SupervisionMember
from ratings.models import CertificateConfirmation, Scrutineer
from ratings.results import services as results_services
from tests.worlds import make_resident, voted_world

pytestmark = pytest.mark.usefixtures("english_pages")


def url(name, *args):
    return reverse(f"ratings:{name}", args=args)


def signing(closing, signer: str) -> dict:
    return {"signer": signer, "version": closing.draft.version}


def test_another_villages_meeting_is_a_404(closing, client, county):
    elsewhere = voted_world(
        county, ["satisfied"], village=county.neighbour, admin=county.superuser, operator=county.superuser
    )
    client.force_login(county.operator)  # operates the county's village only
    for name in ("certificate", "scrutineers"):
        assert client.get(url(name, elsewhere.meeting.pk)).status_code == 404
    assert (
        client.post(
            url("certificate-paper", elsewhere.meeting.pk), {"signer": "chair", "version": 1}
        ).status_code
        == 404
    )
    client.force_login(closing.first_user)  # a scrutineer of another meeting
    assert client.get(url("certificate", elsewhere.meeting.pk)).status_code == 404
    client.force_login(county.nobody)
    assert client.get(url("certificate", closing.meeting.pk)).status_code == 404


def test_the_certificate_states_the_figures_and_the_digest(closing, client, county):
    client.force_login(county.operator)
    response = client.get(url("certificate", closing.meeting.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Closure certificate of the count" in text
    assert closing.draft.ballots_sha256 in text
    for cadre in closing.world.cadres:
        assert cadre.name in text
    assert "Not confirmed yet: 0 of 3 confirmations." in text
    for name in ("Aygul Chair", "Mamat One", "Rozi Two"):
        assert f"Record the signature of {name} on paper" in text
    assert "Confirm this certificate" not in text  # the operator signs for no one
    # The village's audit log as the county chain recorded it when voting closed: verify_audit
    # --anchor finds a record of the vote cut out or rewritten after the certificate was signed.
    closed = audit.anchor_of(closing.meeting, after="voting_close")
    assert f"audit log ({closed.chain}) at the close of the count, entry no. {closed.seq}" in text
    assert closed.hash in text and closed.county_hash in text


def test_a_scrutineer_confirms_for_themselves_and_not_for_another(closing, client):
    client.force_login(closing.first_user)
    page = client.get(url("certificate", closing.meeting.pk)).content.decode()
    assert page.count("Confirm this certificate") == 1
    assert "on paper" not in page  # recording paper signatures is the operator's
    forged = client.post(
        url("certificate-confirm", closing.meeting.pk), signing(closing, str(closing.second.pk))
    )
    assert forged.status_code == 403
    assert (
        client.post(
            url("certificate-paper", closing.meeting.pk), signing(closing, str(closing.second.pk))
        ).status_code
        == 404
    )
    response = client.post(
        url("certificate-confirm", closing.meeting.pk), signing(closing, str(closing.first.pk)), follow=True
    )
    assert "Your confirmation is recorded, Mamat One." in response.content.decode()
    assert list(CertificateConfirmation.objects.values_list("signer_name", "on_paper")) == [
        ("Mamat One", False)
    ]
    again = client.post(
        url("certificate-confirm", closing.meeting.pk), signing(closing, str(closing.first.pk))
    )
    assert again.status_code == 409


def test_a_stale_page_or_bad_input_is_refused_clearly(closing, client, county):
    client.force_login(closing.chair_user)
    stale = client.post(url("certificate-confirm", closing.meeting.pk), {"signer": "chair", "version": 99})
    assert stale.status_code == 409
    assert "computed again since this page was shown" in stale.content.decode()
    bad = client.post(url("certificate-confirm", closing.meeting.pk), {"signer": "'; drop", "version": "x"})
    assert bad.status_code == 400
    unknown = client.post(url("certificate-confirm", closing.meeting.pk), signing(closing, "99999999"))
    assert unknown.status_code == 404
    assert client.get(url("certificate-confirm", closing.meeting.pk)).status_code == 405
    assert not CertificateConfirmation.objects.exists()


def test_the_operator_records_paper_signatures_and_the_certificate_says_so(closing, client, county):
    client.force_login(county.operator)
    for signer in ("chair", str(closing.first.pk), str(closing.second.pk)):
        assert (
            client.post(url("certificate-paper", closing.meeting.pk), signing(closing, signer)).status_code
            == 302
        )
    text = client.get(url("certificate", closing.meeting.pk)).content.decode()
    assert text.count("Signed on paper, recorded by operator1") == 3
    assert "the results may be published" in text


def test_publish_refused_until_confirmed_then_allowed(closing, client, county):
    client.force_login(county.township_admin)
    publish = {"days": 7, "draft": closing.draft.pk}
    refused = client.post(url("staff-results-publish", closing.meeting.pk), publish)
    assert refused.status_code == 409
    assert "closure certificate is not confirmed" in refused.content.decode()
    review = client.get(url("staff-results", closing.meeting.pk)).content.decode()
    assert url("certificate", closing.meeting.pk) in review
    for account, signer in (
        (closing.chair_user, "chair"),
        (closing.first_user, str(closing.first.pk)),
        (closing.second_user, str(closing.second.pk)),
    ):
        client.force_login(account)
        assert (
            client.post(url("certificate-confirm", closing.meeting.pk), signing(closing, signer)).status_code
            == 302
        )
    client.force_login(county.township_admin)
    assert client.post(url("staff-results-publish", closing.meeting.pk), publish).status_code == 302
    assert results_services.live_snapshot(closing.meeting).version == closing.draft.version


def test_recomputing_shows_the_voided_confirmations(closing, client, county):
    client.force_login(closing.chair_user)
    client.post(url("certificate-confirm", closing.meeting.pk), signing(closing, "chair"))
    results_services.results_compute(meeting=closing.meeting, by=county.township_admin)
    text = client.get(url("certificate", closing.meeting.pk)).content.decode()
    assert "1 earlier confirmation no longer counts" in text
    assert "must be confirmed again" in text


def test_the_signers_dashboard_lists_the_certificate(closing, client):
    client.force_login(closing.second_user)
    text = client.get(reverse("staff:dashboard")).content.decode()
    assert "Closure certificates to confirm" in text
    assert url("certificate", closing.meeting.pk) in text


def test_naming_and_removing_scrutineers_on_the_page(closing, client, county):
    client.force_login(county.operator)
    page = client.get(url("scrutineers", closing.meeting.pk))
    assert page.status_code == 200 and "Mamat One" in page.content.decode()
    cadre_namesake = make_resident(closing.meeting.village, closing.world.cadres[0].name)
    refused = client.post(url("scrutineers", closing.meeting.pk), {"resident": cadre_namesake.pk})
    assert refused.status_code == 409
    assert "cannot be a scrutineer" in refused.content.decode()
    assert client.post(url("scrutineers", closing.meeting.pk), {"resident": 2**70}).status_code == 400
    assert (
        client.post(url("scrutineers", closing.meeting.pk), {"resident": closing.bystander.pk}).status_code
        == 302
    )
    named = Scrutineer.objects.get(resident=closing.bystander)
    assert client.post(url("scrutineer-remove", named.pk)).status_code == 302
    assert not Scrutineer.objects.filter(pk=named.pk).exists()
    client.force_login(county.moderator)
    assert client.get(url("scrutineers", closing.meeting.pk)).status_code == 404


def test_township_admins_appoint_the_committee_on_its_page(county, client):
    resident = make_resident(county.village, "Committee Member")
    page = reverse("staff:supervision", args=[county.village.code])
    client.force_login(county.operator)
    assert client.get(page).status_code == 404
    client.force_login(county.township_admin)
    assert client.get(reverse("staff:supervision", args=[county.elsewhere.code])).status_code == 404
    response = client.post(page, {"resident": resident.pk, "chair": "on", "username": "operator1"})
    assert response.status_code == 302
    member = SupervisionMember.objects.get()
    assert (member.is_chair, member.user) == (True, county.operator)
    assert client.post(page, {"resident": resident.pk, "username": "no-such-user"}).status_code == 400
    assert client.post(page, {"resident": resident.pk}).status_code == 409  # already on the committee
    remove = reverse("staff:supervision-remove", args=[county.village.code, member.pk])
    assert client.post(remove).status_code == 302
    assert not SupervisionMember.objects.exists()
