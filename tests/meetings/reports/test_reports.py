"""Work reports: the services' lifecycle and permissions, the staff pages, the public page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from meetings.models import Meeting, ReportRevision, WorkReport
from meetings.reports import services
from portal.models import AuditEntry, CadrePost
from tests.worlds import make_report

S = WorkReport.Status


def accounts(rw):
    """Every kind of account, by name, for the permission matrices."""
    county = rw.county
    return {
        "anonymous": None,
        "nobody": county.nobody,
        "own cadre": county.cadre,
        "other cadre": rw.other_cadre_user,
        "moderator": county.moderator,
        "township admin": county.township_admin,
        "operator": county.operator,
        "neighbour moderator": rw.neighbour_moderator,
        "elsewhere admin": rw.elsewhere_admin,
    }


pytestmark = pytest.mark.usefixtures("english")


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


# ——— services: writing ———


class TestCreate:
    def test_the_cadre_creates_a_draft_of_their_own(self, rw):
        report = services.report_create(
            meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre, sections={"duties": " Roads. "}
        )
        assert report.status == S.DRAFT
        assert report.duties == "Roads."
        entry = AuditEntry.objects.get(action="report_create")
        assert entry.scope == rw.county.village.code

    def test_no_one_creates_a_report_for_another_cadre(self, rw):
        for user in (rw.other_cadre_user, rw.county.moderator, rw.county.township_admin, rw.county.superuser):
            with pytest.raises(PermissionDenied):
                services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=user)
        assert not WorkReport.objects.exists()

    def test_a_cadre_whose_role_was_revoked_writes_no_more(self, rw):
        from portal.models import RoleAssignment

        RoleAssignment.objects.filter(user=rw.county.cadre).delete()
        with pytest.raises(PermissionDenied):
            services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre)

    def test_only_for_a_meeting_the_cadre_reports_at(self, rw):
        rw.meeting.reporting.filter(cadre=rw.own_cadre).delete()
        with pytest.raises(ValidationError, match="does not report"):
            services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre)

    def test_one_report_per_cadre_and_meeting(self, rw):
        services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre)
        with pytest.raises(ValidationError, match="already"):
            services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre)

    @pytest.mark.parametrize("status", [Meeting.Status.FINAL, Meeting.Status.ANNULLED])
    def test_not_for_a_final_or_annulled_meeting(self, rw, status):
        Meeting.objects.filter(pk=rw.meeting.pk).update(status=status)
        with pytest.raises(ValidationError, match="final or annulled"):
            services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre)


class TestSave:
    @pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED])
    def test_the_cadre_changes_a_draft_or_returned_report(self, rw, status):
        report = make_report(rw.meeting, rw.own_cadre, status=status)
        services.report_save(report=report, by=rw.county.cadre, sections={"plan": "Pave the road."})
        report.refresh_from_db()
        assert report.plan == "Pave the road."
        assert report.status == status
        assert not report.revisions.exists()

    @pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED])
    def test_not_while_it_is_with_the_moderator(self, rw, status):
        report = make_report(rw.meeting, rw.own_cadre, status=status)
        with pytest.raises(ValidationError, match="with the moderator"):
            services.report_save(report=report, by=rw.county.cadre, sections={"plan": "x"})
        report.refresh_from_db()
        assert report.plan == ""

    def test_an_edit_after_publication_waits_for_the_moderator(self, rw):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, achievements="Built 2 km.")
        services.report_save(report=report, by=rw.county.cadre, sections={"achievements": "Built 3 km."})
        report.refresh_from_db()
        assert report.status == S.PUBLISHED
        assert report.achievements == "Built 2 km."  # the public still reads the published text
        assert report.has_proposed_edit
        assert report.text_to_edit()["achievements"] == "Built 3 km."
        assert not report.revisions.exists()
        assert list(WorkReport.objects.awaiting_moderation()) == [report]
        entry = AuditEntry.objects.get(action="report_save")
        assert entry.details == {"sections": ["achievements"], "to_moderator": True}

    def test_approved_edits_become_public_and_keep_revisions(self, rw):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, achievements="Built 2 km.")
        for text in ("Built 3 km.", "Built 4 km."):
            services.report_save(report=report, by=rw.county.cadre, sections={"achievements": text})
            services.report_approve(report=report, by=rw.county.moderator, comment="Checked.")
        report.refresh_from_db()
        assert report.status == S.PUBLISHED
        assert report.achievements == "Built 4 km."
        assert not report.has_proposed_edit
        assert not WorkReport.objects.awaiting_moderation().exists()
        first, second = ReportRevision.objects.filter(report=report).order_by("number")
        assert (first.number, first.sections["achievements"]) == (1, "Built 2 km.")
        assert (second.number, second.sections["achievements"]) == (2, "Built 3 km.")
        assert first.sections["duties"] == "I lead the committee."
        entry = AuditEntry.objects.filter(action="report_approve").first()
        assert entry.details == {"comment": "Checked.", "revision": 2}
        assert entry.scope == rw.county.village.code

    def test_a_returned_edit_leaves_the_published_text_and_goes_back_to_the_cadre(self, rw):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, achievements="Built 2 km.")
        services.report_save(report=report, by=rw.county.cadre, sections={"achievements": "Built 9 km."})
        services.report_return(report=report, by=rw.county.moderator, comment="Only 2 km were built.")
        report.refresh_from_db()
        assert (report.status, report.achievements) == (S.PUBLISHED, "Built 2 km.")
        assert not report.has_proposed_edit and not report.allows("approve")
        assert report.text_to_edit()["achievements"] == "Built 9 km."  # kept for the cadre to rework
        assert not WorkReport.objects.awaiting_moderation().exists()
        assert AuditEntry.objects.get(action="report_return").details == {
            "comment": "Only 2 km were built.",
            "edit": True,
        }
        # Saving it again, even unchanged, sends it back to the moderator.
        services.report_save(report=report, by=rw.county.cadre, sections={"achievements": "Built 9 km."})
        report.refresh_from_db()
        assert report.has_proposed_edit

    def test_an_edit_back_to_the_published_text_is_withdrawn(self, rw):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, achievements="Built 2 km.")
        services.report_save(report=report, by=rw.county.cadre, sections={"achievements": "Built 3 km."})
        services.report_save(report=report, by=rw.county.cadre, sections={"achievements": "Built 2 km."})
        report.refresh_from_db()
        assert report.proposed_sections is None
        assert not WorkReport.objects.awaiting_moderation().exists()

    def test_a_published_report_without_an_edit_is_not_approved_again(self, rw):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED)
        with pytest.raises(ValidationError):
            services.report_approve(report=report, by=rw.county.moderator)
        with pytest.raises(ValidationError):
            services.report_return(report=report, by=rw.county.moderator, comment="No.")

    def test_only_the_villages_moderators_decide_on_an_edit(self, rw):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED)
        services.report_save(report=report, by=rw.county.cadre, sections={"plan": "More wells."})
        for user in (rw.county.cadre, rw.neighbour_moderator, rw.elsewhere_admin, rw.county.operator):
            with pytest.raises(PermissionDenied):
                services.report_approve(report=report, by=user)
        report.refresh_from_db()
        assert report.plan == ""

    def test_saving_the_same_text_keeps_no_revision(self, rw):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED)
        services.report_save(report=report, by=rw.county.cadre, sections={"duties": "I lead the committee."})
        assert not report.revisions.exists()
        assert not AuditEntry.objects.filter(action="report_save").exists()

    def test_only_the_cadre_themself(self, rw):
        report = make_report(rw.meeting, rw.own_cadre)
        for user in (rw.other_cadre_user, rw.county.moderator, rw.county.township_admin, rw.county.operator):
            with pytest.raises(PermissionDenied):
                services.report_save(report=report, by=user, sections={"duties": "changed"})
        report.refresh_from_db()
        assert report.duties == "I lead the committee."

    @pytest.mark.parametrize("status", [Meeting.Status.FINAL, Meeting.Status.ANNULLED])
    def test_not_once_the_meeting_is_final_or_annulled(self, rw, status):
        report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED)
        Meeting.objects.filter(pk=rw.meeting.pk).update(status=status)
        with pytest.raises(ValidationError, match="final or annulled"):
            services.report_save(report=report, by=rw.county.cadre, sections={"duties": "changed"})

    def test_unknown_sections_and_overlong_text_are_refused(self, rw):
        report = make_report(rw.meeting, rw.own_cadre)
        with pytest.raises(ValidationError, match="Unknown report section"):
            services.report_save(report=report, by=rw.county.cadre, sections={"status": "published"})
        with pytest.raises(ValidationError, match="at most"):
            services.report_save(
                report=report,
                by=rw.county.cadre,
                sections={"duties": "x" * (services.MAX_SECTION_LENGTH + 1)},
            )


# ——— services: the lifecycle ———

MODERATION = {
    "approve": lambda report, by: services.report_approve(report=report, by=by),
    "return": lambda report, by: services.report_return(report=report, by=by, comment="Add figures."),
    "publish": lambda report, by: services.report_publish(report=report, by=by),
}
LEGAL_FROM = {
    "submit": {S.DRAFT, S.RETURNED},
    "approve": {S.SUBMITTED},
    "return": {S.SUBMITTED, S.APPROVED},
    "publish": {S.APPROVED},
}
ILLEGAL = [
    (action, status) for action, legal in LEGAL_FROM.items() for status in S.values if status not in legal
]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_every_illegal_transition_is_refused_with_a_message(rw, action, status):
    report = make_report(rw.meeting, rw.own_cadre, status=status)
    with pytest.raises(ValidationError) as caught:
        if action == "submit":
            services.report_submit(report=report, by=rw.county.cadre)
        else:
            MODERATION[action](report, rw.county.moderator)
    assert "cannot be" in caught.value.messages[0]
    report.refresh_from_db()
    assert report.status == status


def test_the_whole_lifecycle_is_audited_in_the_village(rw):
    report = services.report_create(
        meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre, sections={"duties": "Roads."}
    )
    services.report_submit(report=report, by=rw.county.cadre)
    services.report_return(report=report, by=rw.county.moderator, comment="Add figures.")
    report.refresh_from_db()
    assert (report.status, report.moderator_comment) == (S.RETURNED, "Add figures.")
    services.report_save(report=report, by=rw.county.cadre, sections={"achievements": "12 km of road."})
    services.report_submit(report=report, by=rw.county.cadre)
    services.report_approve(report=report, by=rw.county.township_admin)
    services.report_publish(report=report, by=rw.county.moderator)
    report.refresh_from_db()
    assert report.status == S.PUBLISHED
    assert report.published_at is not None
    actions = list(AuditEntry.objects.in_order_recorded().values_list("action", "scope"))
    assert [action for action, _scope in actions if action.startswith("report_")] == [
        "report_create",
        "report_submit",
        "report_return",
        "report_save",
        "report_submit",
        "report_approve",
        "report_publish",
    ]
    assert {scope for action, scope in actions if action.startswith("report_")} == {rw.county.village.code}


def test_an_empty_report_cannot_be_submitted(rw):
    report = make_report(rw.meeting, rw.own_cadre, duties="")
    with pytest.raises(ValidationError, match="at least one section"):
        services.report_submit(report=report, by=rw.county.cadre)


def test_only_the_cadre_submits(rw):
    report = make_report(rw.meeting, rw.own_cadre)
    for user in (rw.other_cadre_user, rw.county.moderator):
        with pytest.raises(PermissionDenied):
            services.report_submit(report=report, by=user)


def test_a_report_is_returned_only_with_a_comment(rw):
    report = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED)
    with pytest.raises(ValidationError, match="Say what the cadre should change"):
        services.report_return(report=report, by=rw.county.moderator, comment="  ")
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_publication_waits_for_the_meeting_to_be_announced(rw):
    Meeting.objects.filter(pk=rw.meeting.pk).update(status=Meeting.Status.DRAFT)
    report = make_report(rw.meeting, rw.own_cadre, status=S.APPROVED)
    with pytest.raises(ValidationError, match="announced"):
        services.report_publish(report=report, by=rw.county.moderator)


@pytest.mark.parametrize("action", sorted(MODERATION))
@pytest.mark.parametrize(
    "who", ["own cadre", "other cadre", "operator", "neighbour moderator", "elsewhere admin", "nobody"]
)
def test_only_the_villages_moderators_moderate(rw, action, who):
    status = {"approve": S.SUBMITTED, "return": S.SUBMITTED, "publish": S.APPROVED}[action]
    report = make_report(rw.meeting, rw.own_cadre, status=status)
    with pytest.raises(PermissionDenied):
        MODERATION[action](report, accounts(rw)[who])
    report.refresh_from_db()
    assert report.status == status


@pytest.mark.parametrize("who", ["moderator", "township admin"])
def test_village_moderators_and_township_administrators_moderate(rw, who):
    report = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED)
    services.report_approve(report=report, by=accounts(rw)[who], comment="Fine.")
    services.report_publish(report=report, by=accounts(rw)[who])
    report.refresh_from_db()
    assert (report.status, report.moderator_comment) == (S.PUBLISHED, "Fine.")


# ——— the staff pages of the cadre ———


def test_my_reports_lists_only_my_own_and_the_meetings_to_write_for(rw):
    make_report(rw.meeting, rw.other_cadre)
    other_meeting_report = make_report(rw.neighbour_meeting, rw.neighbour_cadre)
    response = client_for(rw.county.cadre).get(reverse("meetings:my-reports"))
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("meetings:report-create", args=[rw.meeting.pk]) in content
    assert reverse("meetings:report-edit", args=[other_meeting_report.pk]) not in content

    mine = make_report(rw.meeting, rw.own_cadre)
    content = client_for(rw.county.cadre).get(reverse("meetings:my-reports")).content.decode()
    assert reverse("meetings:report-edit", args=[mine.pk]) in content
    assert reverse("meetings:report-create", args=[rw.meeting.pk]) not in content


def test_my_reports_says_so_when_the_account_is_no_cadre(rw):
    response = client_for(rw.county.moderator).get(reverse("meetings:my-reports"))
    assert response.status_code == 200
    assert "not linked to a cadre" in response.content.decode()


def test_my_reports_is_not_n_plus_one(rw, django_assert_num_queries):
    for year in (2021, 2022, 2023):
        meeting = rw.meeting.__class__.objects.create(
            village=rw.meeting.village,
            year=year,
            held_at=rw.meeting.held_at,
            venue="Hall",
            scheme=rw.meeting.scheme,
            status=Meeting.Status.FINAL,
        )
        meeting.reporting.create(cadre=rw.own_cadre)
        make_report(meeting, rw.own_cadre, status=S.PUBLISHED)
    client = client_for(rw.county.cadre)
    # session, user, the cadre record, the table's count, the account's permissions for the staff menu
    # (two), the meetings still to write for and the table's page (meeting and village joined) —
    # whatever the number of reports.
    with django_assert_num_queries(8):
        response = client.get(reverse("meetings:my-reports"))
    assert response.content.decode().count("Bostan work-report meeting") >= 4


def test_the_report_is_created_on_post_only(rw):
    client = client_for(rw.county.cadre)
    url = reverse("meetings:report-create", args=[rw.meeting.pk])
    assert client.get(url).status_code == 200
    assert not WorkReport.objects.exists()
    response = client.post(url, {"duties": "Roads.", "save": "1"})
    report = WorkReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:report-edit", args=[report.pk])
    assert (report.cadre, report.duties, report.status) == (rw.own_cadre, "Roads.", S.DRAFT)
    # Once written, the page of a new report leads to the existing one.
    assert client.get(url)["Location"] == reverse("meetings:report-edit", args=[report.pk])


def test_no_report_page_for_a_meeting_the_cadre_does_not_report_at(rw):
    client = client_for(rw.county.cadre)
    assert client.get(reverse("meetings:report-create", args=[rw.neighbour_meeting.pk])).status_code == 404
    assert (
        client_for(rw.county.moderator)
        .get(reverse("meetings:report-create", args=[rw.meeting.pk]))
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("own cadre", 200),
        ("other cadre", 404),
        ("moderator", 404),
        ("township admin", 404),
        ("nobody", 404),
        ("anonymous", 302),
    ],
)
def test_the_editing_page_is_the_cadres_alone(rw, who, status):
    report = make_report(rw.meeting, rw.own_cadre)
    response = client_for(accounts(rw)[who]).get(reverse("meetings:report-edit", args=[report.pk]))
    assert response.status_code == status


def test_the_cadre_saves_previews_and_submits(rw):
    report = make_report(rw.meeting, rw.own_cadre)
    client = client_for(rw.county.cadre)
    url = reverse("meetings:report-edit", args=[report.pk])
    response = client.post(url, {"duties": "# Roads\n**12 km**", "preview": "1"})
    assert response.status_code == 200
    assert "<h3>Roads</h3>" in response.content.decode()
    report.refresh_from_db()
    assert report.duties == "I lead the committee."

    assert client.post(url, {"duties": "Roads, **12 km**.", "save": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.duties == "Roads, **12 km**."

    assert client.get(reverse("meetings:report-submit", args=[report.pk])).status_code == 405
    assert client.post(reverse("meetings:report-submit", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.status == S.SUBMITTED

    response = client.post(url, {"duties": "Sneaky change", "save": "1"})
    assert response.status_code == 400
    assert "with the moderator" in response.content.decode()
    response = client.post(reverse("meetings:report-submit", args=[report.pk]))
    assert response.status_code == 400
    assert "cannot be submitted" in response.content.decode()


def test_another_cadre_cannot_post_to_my_report(rw):
    report = make_report(rw.meeting, rw.own_cadre)
    client = client_for(rw.other_cadre_user)
    assert client.post(reverse("meetings:report-edit", args=[report.pk]), {"duties": "x"}).status_code == 404
    assert client.post(reverse("meetings:report-submit", args=[report.pk])).status_code == 404
    report.refresh_from_db()
    assert (report.duties, report.status) == ("I lead the committee.", S.DRAFT)


def test_forms_need_the_csrf_token(rw):
    report = make_report(rw.meeting, rw.own_cadre)
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(rw.county.cadre)
    assert client.post(reverse("meetings:report-submit", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert report.status == S.DRAFT


# ——— moderation pages ———


def test_the_queue_holds_the_moderators_villages_only(rw):
    mine = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED)
    approved = make_report(rw.meeting, rw.other_cadre, status=S.APPROVED)
    neighbours = make_report(rw.neighbour_meeting, rw.neighbour_cadre, status=S.SUBMITTED)
    content = client_for(rw.county.moderator).get(reverse("meetings:moderation-reports")).content.decode()
    assert reverse("meetings:moderation-report", args=[mine.pk]) in content
    assert reverse("meetings:moderation-report", args=[approved.pk]) in content
    assert reverse("meetings:moderation-report", args=[neighbours.pk]) not in content
    content = client_for(rw.neighbour_moderator).get(reverse("meetings:moderation-reports")).content.decode()
    assert reverse("meetings:moderation-report", args=[mine.pk]) not in content
    assert reverse("meetings:moderation-report", args=[neighbours.pk]) in content
    content = (
        client_for(rw.county.township_admin).get(reverse("meetings:moderation-reports")).content.decode()
    )
    assert reverse("meetings:moderation-report", args=[mine.pk]) in content
    assert reverse("meetings:moderation-report", args=[neighbours.pk]) in content


@pytest.mark.parametrize(
    ("who", "status"),
    [("operator", 403), ("own cadre", 403), ("nobody", 403), ("anonymous", 302), ("elsewhere admin", 200)],
)
def test_the_queue_is_for_moderators(rw, who, status):
    assert client_for(accounts(rw)[who]).get(reverse("meetings:moderation-reports")).status_code == status


def test_the_queue_is_not_n_plus_one(rw, django_assert_num_queries):
    for index in range(3):
        cadre = rw.own_cadre.__class__.objects.create(
            village=rw.county.village, name=f"Cadre {index}", gender="F"
        )
        make_report(rw.meeting, cadre, status=S.SUBMITTED)
    make_report(rw.meeting, rw.own_cadre, status=S.APPROVED)
    client = client_for(rw.county.moderator)
    # session, user, "moderates anywhere?", the two tables' counts, the account's permissions for the
    # staff menu (two), then the two tables' pages (meeting, village and cadre joined; the villages a
    # subquery) — whatever the number of reports.
    with django_assert_num_queries(9):
        response = client.get(reverse("meetings:moderation-reports"))
    assert response.content.decode().count("Cadre ") >= 3


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("moderator", 200),
        ("township admin", 200),
        ("neighbour moderator", 404),
        ("elsewhere admin", 404),
        ("operator", 404),
        ("own cadre", 404),
        ("nobody", 404),
        ("anonymous", 302),
    ],
)
def test_a_report_to_moderate_is_another_villages_404(rw, who, status):
    report = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED)
    response = client_for(accounts(rw)[who]).get(reverse("meetings:moderation-report", args=[report.pk]))
    assert response.status_code == status


@pytest.mark.parametrize("action", ["report-approve", "report-return", "report-publish"])
@pytest.mark.parametrize("who", ["neighbour moderator", "elsewhere admin", "operator", "own cadre"])
def test_moderation_actions_of_others_are_404(rw, action, who):
    report = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED)
    response = client_for(accounts(rw)[who]).post(
        reverse(f"meetings:{action}", args=[report.pk]), {"comment": "x"}
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_the_moderator_approves_returns_and_publishes_by_post(rw):
    client = client_for(rw.county.moderator)
    report = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED)
    assert client.get(reverse("meetings:report-approve", args=[report.pk])).status_code == 405

    response = client.post(reverse("meetings:report-return", args=[report.pk]), {"comment": ""})
    assert response.status_code == 400
    assert "Say what the cadre should change" in response.content.decode()
    report.refresh_from_db()
    assert report.status == S.SUBMITTED

    assert (
        client.post(reverse("meetings:report-approve", args=[report.pk]), {"comment": ""}).status_code == 302
    )
    response = client.post(reverse("meetings:report-approve", args=[report.pk]))
    assert response.status_code == 400
    assert "cannot be approved" in response.content.decode()

    assert client.post(reverse("meetings:report-publish", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.status == S.PUBLISHED

    other = make_report(rw.meeting, rw.other_cadre, status=S.SUBMITTED)
    response = client.post(reverse("meetings:report-return", args=[other.pk]), {"comment": "Add figures."})
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.status, other.moderator_comment) == (S.RETURNED, "Add figures.")
    # The cadre sees why.
    content = client_for(rw.other_cadre_user).get(reverse("meetings:report-edit", args=[other.pk])).content
    assert "Add figures." in content.decode()


# ——— the public page ———


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("nobody", 404),
        ("own cadre", 200),
        ("other cadre", 404),
        ("moderator", 200),
        ("township admin", 200),
        ("operator", 404),
        ("neighbour moderator", 404),
        ("elsewhere admin", 404),
    ],
)
def test_an_unpublished_report_is_previewed_by_its_cadre_and_moderators_only(rw, who, status):
    report = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED)
    response = client_for(accounts(rw)[who]).get(reverse("meetings:report", args=[report.pk]))
    assert response.status_code == status
    if status == 200:
        assert "Preview: this report is not public" in response.content.decode()
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["anonymous", "nobody", "other cadre", "elsewhere admin"])
def test_a_published_report_is_for_everyone(rw, who):
    report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, achievements="Paved **12 km**.")
    response = client_for(accounts(rw)[who]).get(report.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Preview" not in content
    assert "<strong>12 km</strong>" in content


def test_the_public_page_shows_the_cadre_posts_sections_and_print_stylesheet(rw):
    CadrePost.objects.create(cadre=rw.own_cadre, post=CadrePost.Post.PARTY_SECRETARY, term_start=2021)
    CadrePost.objects.create(cadre=rw.own_cadre, post=CadrePost.Post.COMMITTEE_DIRECTOR, term_start=2021)
    CadrePost.objects.create(
        cadre=rw.own_cadre, post=CadrePost.Post.TEAM_MEMBER, term_start=2010, term_end=2012
    )
    report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, integrity="No gifts taken.")
    content = client_for(None).get(report.get_absolute_url()).content.decode()
    assert "Aygul Tursun" in content
    assert "Party branch secretary · villagers&#x27; committee director" in content
    assert "stationed working team member" not in content  # a post of another term
    for _name, label in WorkReport.SECTIONS:
        assert str(label) in content
    assert "No gifts taken." in content
    assert 'href="/static/meetings/css/report-print.css" media="print"' in content


def test_an_edit_after_publication_is_shown_publicly_once_approved(rw):
    report = make_report(
        rw.meeting, rw.own_cadre, status=S.PUBLISHED, achievements="Built 2 km.\nDug a well."
    )
    client = client_for(rw.county.cadre)
    response = client.post(
        reverse("meetings:report-edit", args=[report.pk]),
        {"duties": report.duties, "achievements": "Built <3> km.\nDug a well.", "save": "1"},
        follow=True,
    )
    assert "Your edit has been sent to the moderator." in response.content.decode()
    assert "Your edit is with the moderator." in response.content.decode()
    public = client_for(None)
    content = public.get(report.get_absolute_url()).content.decode()
    assert "Built 2 km." in content and "Built &lt;3&gt; km." not in content
    assert "This report was changed on" not in content

    moderator = client_for(rw.county.moderator)
    queue = moderator.get(reverse("meetings:moderation-reports")).content.decode()
    assert reverse("meetings:moderation-report", args=[report.pk]) in queue
    page = moderator.get(reverse("meetings:moderation-report", args=[report.pk])).content.decode()
    assert "An edit of the published report" in page
    assert '<ins class="d-block">Built &lt;3&gt; km.</ins>' in page
    moderator.post(reverse("meetings:report-approve", args=[report.pk]), {"comment": ""})

    revision = ReportRevision.objects.get(report=report)
    content = public.get(report.get_absolute_url()).content.decode()
    assert "This report was changed on" in content
    assert '<del class="d-block">Built 2 km.</del>' in content
    assert '<ins class="d-block">Built &lt;3&gt; km.</ins>' in content
    assert '<span class="d-block">Dug a well.</span>' in content
    assert revision.sections["achievements"] == "Built 2 km.\nDug a well."


def test_the_public_page_is_not_n_plus_one(rw, django_assert_num_queries):
    report = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED)
    for number in (1, 2, 3):
        ReportRevision.objects.create(report=report, number=number, sections={"duties": f"v{number}"})
    for post in (CadrePost.Post.PARTY_SECRETARY, CadrePost.Post.COMMITTEE_DIRECTOR):
        CadrePost.objects.create(cadre=rw.own_cadre, post=post, term_start=2021)
    client = client_for(None)
    # The report with its meeting, village, township and cadre; then its posts, attachments and
    # revisions, one query each — whatever the number of posts, files and revisions; and the cadre's
    # figures of the visit log, in one query.
    with django_assert_num_queries(5):
        response = client.get(report.get_absolute_url())
    assert response.status_code == 200
