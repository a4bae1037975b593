"""A report's Uyghur version: written beside the Chinese one (or alone), moderated, published and revised
as a report is; the pages show the version of their language, the Uyghur one right to left."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from meetings.models import ReportRevision, WorkReport
from meetings.reports import services
from portal.models import AuditEntry
from tests.worlds import make_report

S = WorkReport.Status
UG = WorkReport.Language.UYGHUR
ZH = WorkReport.Language.CHINESE

# A Uyghur text quoting a Chinese name, and the Chinese one it translates.
UG_DUTIES = "مەن 张三（村主任）بىلەن بىللە سۇ ۋە يولغا مەسئۇل."
ZH_DUTIES = "我和张三一起负责水和路。"


def client_in(language: str, user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def in_uyghur(message: str) -> str:
    with translation.override("ug"):
        return translation.gettext(message)


def published_pair(rw) -> tuple[WorkReport, WorkReport]:
    chinese = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, duties=ZH_DUTIES)
    uyghur = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, duties=UG_DUTIES, language=UG)
    return chinese, uyghur


# ——— services ———


@pytest.mark.usefixtures("english")
class TestServices:
    def test_the_cadre_writes_a_uyghur_version_beside_the_chinese_one(self, rw):
        chinese = services.report_create(
            meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre, sections={"duties": ZH_DUTIES}
        )
        uyghur = services.report_create(
            meeting=rw.meeting,
            cadre=rw.own_cadre,
            by=rw.county.cadre,
            sections={"duties": UG_DUTIES},
            language=UG,
        )
        assert (chinese.language, uyghur.language) == (ZH, UG)
        assert uyghur.duties == UG_DUTIES and uyghur.status == S.DRAFT
        assert "in Uyghur" in str(uyghur) and "in Uyghur" not in str(chinese)
        entry = AuditEntry.objects.filter(action="report_create").order_by("-pk").first()
        assert entry.details == {"language": "ug"}
        with pytest.raises(ValidationError, match="already a Uyghur version"):
            services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre, language=UG)
        with pytest.raises(ValidationError, match="Chinese or in Uyghur"):
            services.report_create(meeting=rw.meeting, cadre=rw.own_cadre, by=rw.county.cadre, language="en")
        assert WorkReport.objects.count() == 2

    def test_a_uyghur_version_alone_goes_through_moderation_on_its_own(self, rw):
        chinese = make_report(rw.meeting, rw.own_cadre, status=S.DRAFT)
        uyghur = services.report_create(
            meeting=rw.meeting,
            cadre=rw.own_cadre,
            by=rw.county.cadre,
            sections={"duties": UG_DUTIES},
            language=UG,
        )
        services.report_submit(report=uyghur, by=rw.county.cadre)
        assert list(WorkReport.objects.awaiting_moderation()) == [uyghur]
        services.report_approve(report=uyghur, by=rw.county.moderator)
        services.report_publish(report=uyghur, by=rw.county.moderator)
        uyghur.refresh_from_db()
        chinese.refresh_from_db()
        assert uyghur.status == S.PUBLISHED and uyghur.published_at is not None
        assert chinese.status == S.DRAFT  # the Chinese version is still the cadre's draft
        assert list(WorkReport.objects.published()) == [uyghur]

    def test_an_edit_of_the_published_uyghur_version_is_held_then_kept_as_a_revision(self, rw):
        chinese, uyghur = published_pair(rw)
        services.report_save(report=uyghur, by=rw.county.cadre, sections={"duties": "يېڭى تېكىست 李四."})
        uyghur.refresh_from_db()
        assert uyghur.duties == UG_DUTIES  # the public still reads the published Uyghur text
        assert uyghur.has_proposed_edit
        assert list(WorkReport.objects.awaiting_moderation()) == [uyghur]

        services.report_approve(report=uyghur, by=rw.county.moderator)
        uyghur.refresh_from_db()
        assert uyghur.duties == "يېڭى تېكىست 李四."
        revision = ReportRevision.objects.get()
        assert (revision.report, revision.number, revision.sections["duties"]) == (uyghur, 1, UG_DUTIES)
        chinese.refresh_from_db()
        assert chinese.duties == ZH_DUTIES and not chinese.revisions.exists()

    def test_a_returned_uyghur_edit_leaves_the_published_text(self, rw):
        _chinese, uyghur = published_pair(rw)
        services.report_save(report=uyghur, by=rw.county.cadre, sections={"plan": "پىلان"})
        services.report_return(report=uyghur, by=rw.county.moderator, comment="Add figures.")
        uyghur.refresh_from_db()
        assert uyghur.plan == "" and uyghur.proposal_returned
        assert not WorkReport.objects.awaiting_moderation().exists()


# ——— public pages ———


def test_a_uyghur_page_shows_the_published_uyghur_version_right_to_left(rw):
    chinese, uyghur = published_pair(rw)
    for address in (chinese.get_absolute_url(), uyghur.get_absolute_url()):
        page = client_in("ug").get(address).content.decode()
        assert '<div class="report-text" lang="ug" dir="rtl">' in page
        # The Chinese name in the Uyghur text keeps its own direction, its punctuation with it.
        assert "<bdi>张三（村主任）</bdi>" in page
        assert ZH_DUTIES not in page
        assert in_uyghur("This report is not available in Uyghur.") not in page
        # The Chinese version is a link away.
        assert f'href="{chinese.get_version_url()}" lang="zh-Hans"' in page


def test_a_uyghur_page_falls_back_to_the_chinese_version_with_a_note(rw):
    chinese = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, duties=ZH_DUTIES)
    # A Uyghur version not yet published is no Uyghur version for the public.
    uyghur = make_report(rw.meeting, rw.own_cadre, status=S.SUBMITTED, duties=UG_DUTIES, language=UG)
    public = client_in("ug")
    page = public.get(chinese.get_absolute_url()).content.decode()
    assert '<div class="report-text" lang="zh-Hans" dir="ltr">' in page
    assert ZH_DUTIES in page and UG_DUTIES not in page
    assert in_uyghur("This report is not available in Uyghur.") in page
    assert uyghur.get_version_url() not in page
    assert UG_DUTIES not in public.get(uyghur.get_version_url()).content.decode()
    assert UG_DUTIES not in public.get(f"{chinese.get_absolute_url()}?language=ug").content.decode()
    assert public.get(uyghur.get_absolute_url()).status_code == 404


@pytest.mark.usefixtures("english")
def test_a_chinese_or_english_page_shows_the_chinese_version_with_a_link_to_the_uyghur_one(rw):
    chinese, uyghur = published_pair(rw)
    for language in ("zh-hans", "en"):
        page = client_in(language).get(chinese.get_absolute_url()).content.decode()
        assert ZH_DUTIES in page and UG_DUTIES not in page
        assert '<div class="report-text" lang="zh-Hans" dir="ltr">' in page
        assert f'href="{uyghur.get_version_url()}" lang="ug" hreflang="ug">ئۇيغۇرچە</a>' in page
        assert "not available in Uyghur" not in page
    asked = client_in("en").get(uyghur.get_version_url()).content.decode()
    assert '<div class="report-text" lang="ug" dir="rtl">' in asked
    # The Uyghur version alone (no Chinese one published) is what a Chinese page shows.
    WorkReport.objects.filter(pk=chinese.pk).update(status=S.DRAFT)
    meeting_page = client_in("zh-hans").get(rw.meeting.get_absolute_url()).content.decode()
    assert f'href="{uyghur.get_absolute_url()}"' in meeting_page


def test_the_meeting_page_links_to_the_version_of_its_language(rw):
    chinese, uyghur = published_pair(rw)
    ug_page = client_in("ug").get(rw.meeting.get_absolute_url()).content.decode()
    zh_page = client_in("zh-hans").get(rw.meeting.get_absolute_url()).content.decode()
    link = re.compile(r'href="(/r/\d+/)"')
    assert link.findall(ug_page) == [uyghur.get_absolute_url()]
    assert link.findall(zh_page) == [chinese.get_absolute_url()]


@pytest.mark.usefixtures("english")
def test_the_changes_of_the_uyghur_version_are_shown_with_it_only(rw):
    chinese, uyghur = published_pair(rw)
    ReportRevision.objects.create(
        report=uyghur, number=1, sections={**uyghur.section_texts(), "duties": "كونا"}
    )
    ug_page = client_in("en").get(uyghur.get_version_url()).content.decode()
    assert "This report was changed on" in ug_page
    assert '<div class="report-diff border rounded p-2" lang="ug" dir="rtl">' in ug_page
    assert '<del class="d-block">كونا</del>' in ug_page
    assert "<bdi>张三（村主任）</bdi>" in ug_page  # the added line, isolated too
    assert (
        "This report was changed on" not in client_in("en").get(chinese.get_absolute_url()).content.decode()
    )


def test_the_report_pages_stay_a_few_queries_with_two_versions(rw, django_assert_num_queries):
    chinese, uyghur = published_pair(rw)
    for number in (1, 2):
        ReportRevision.objects.create(report=uyghur, number=number, sections={"duties": f"v{number}"})
    # Both versions with their meeting, village, township and cadre in one query; the posts, the
    # attachments and the revisions of both, one query each; the cadre's visits of the year, one.
    with django_assert_num_queries(5):
        response = client_in("ug").get(chinese.get_absolute_url())
    assert UG_DUTIES.split()[0] in response.content.decode()


# ——— the cadre's and the moderator's pages ———


@pytest.mark.usefixtures("english")
def test_the_cadre_adds_a_uyghur_version_from_the_editing_page(rw):
    chinese = make_report(rw.meeting, rw.own_cadre, status=S.PUBLISHED, duties=ZH_DUTIES)
    cadre = client_in("en", rw.county.cadre)
    start = reverse("meetings:report-create-version", args=[rw.meeting.pk, UG])
    page = cadre.get(reverse("meetings:report-edit", args=[chinese.pk])).content.decode()
    assert f'href="{start}"' in page and "not written yet" in page

    form = cadre.get(start).content.decode()
    assert 'lang="ug" dir="rtl"' in form  # the textareas are typed right to left
    response = cadre.post(start, {"duties": UG_DUTIES, "save": "1"})
    uyghur = WorkReport.objects.get(language=UG)
    assert response.status_code == 302 and response.url == reverse("meetings:report-edit", args=[uyghur.pk])
    assert (uyghur.duties, uyghur.status, uyghur.cadre) == (UG_DUTIES, S.DRAFT, rw.own_cadre)
    # Starting it again leads to the version written; the tabs lead from one version to the other.
    assert cadre.get(start).url == reverse("meetings:report-edit", args=[uyghur.pk])
    page = cadre.get(reverse("meetings:report-edit", args=[uyghur.pk])).content.decode()
    assert f'href="{reverse("meetings:report-edit", args=[chinese.pk])}"' in page
    assert "not written yet" not in page
    mine = cadre.get(reverse("meetings:my-reports")).content.decode()
    assert "Uyghur" in mine and "Simplified Chinese" in mine
    assert cadre.get(reverse("meetings:report-create-version", args=[rw.meeting.pk, "fr"])).status_code == 404


def test_no_one_starts_a_uyghur_version_of_another_cadres_report(rw):
    start = reverse("meetings:report-create-version", args=[rw.meeting.pk, UG])
    response = client_in("en", rw.county.moderator).post(start, {"duties": "x", "save": "1"})
    assert response.status_code == 404
    assert not WorkReport.objects.exists()


@pytest.mark.usefixtures("english")
def test_the_moderator_sees_which_version_waits_and_its_diff(rw):
    _chinese, uyghur = published_pair(rw)
    services.report_save(report=uyghur, by=rw.county.cadre, sections={"duties": "يېڭى 李四"})
    moderator = client_in("en", rw.county.moderator)
    queue = moderator.get(reverse("meetings:moderation-reports")).content.decode()
    assert reverse("meetings:moderation-report", args=[uyghur.pk]) in queue
    assert ">Uyghur</td>" in queue  # the column saying which version waits
    page = moderator.get(reverse("meetings:moderation-report", args=[uyghur.pk])).content.decode()
    assert "Version: Uyghur" in page
    assert "An edit of the published report" in page
    assert '<div class="report-diff border rounded p-2" lang="ug" dir="rtl">' in page
    assert '<ins class="d-block">يېڭى <bdi>李四</bdi></ins>' in page
