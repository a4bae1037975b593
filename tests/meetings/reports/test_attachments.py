"""Attachments: photos and PDFs judged by content, stored under generated names, served safely."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from meetings.models import Attachment, WorkReport
from meetings.reports import services
from portal import uploads
from portal.models import AuditEntry
from tests.worlds import make_report

S = WorkReport.Status
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


pytestmark = pytest.mark.usefixtures("english")


def image_bytes(image_format="PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=image_format)
    return buffer.getvalue()


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def add(rw, report, name, content):
    return services.attachment_add(report=report, by=rw.county.cadre, name=name, content=content)


# ——— what is accepted ———


@pytest.mark.parametrize(
    ("image_format", "content_type", "extension"),
    [("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg"), ("WEBP", "image/webp", ".webp")],
)
def test_a_real_photo_is_accepted_and_stored_under_a_generated_name(
    rw, media_root, image_format, content_type, extension
):
    report = make_report(rw.meeting, rw.own_cadre)
    attachment = add(rw, report, "village road photo.gif", image_bytes(image_format))
    assert (attachment.kind, attachment.content_type) == (Attachment.Kind.IMAGE, content_type)
    assert attachment.original_name == "village road photo.gif"
    # The type comes from the content: the uploaded name and extension play no part in the stored one.
    assert re.fullmatch(rf"reports/\d{{4}}/[0-9a-f]{{32}}{re.escape(extension)}", attachment.file.name)
    assert "road" not in attachment.file.name
    assert (Path(media_root) / attachment.file.name).read_bytes() == image_bytes(image_format)
    entry = AuditEntry.objects.get(action="attachment_add")
    assert entry.scope == rw.county.village.code
    assert entry.details["name"] == "village road photo.gif"


def test_a_pdf_is_accepted_whatever_its_name(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    attachment = add(rw, report, "accounts.txt", PDF)
    assert (attachment.kind, attachment.content_type) == (Attachment.Kind.PDF, "application/pdf")
    assert attachment.file.name.endswith(".pdf")
    assert attachment.size == len(PDF)


def test_the_uploaded_name_is_kept_for_display_only_and_made_harmless(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    attachment = add(rw, report, "..\\..\\etc/passwd\r\n\x00.png", image_bytes())
    assert attachment.original_name == "passwd.png"
    assert "passwd" not in attachment.file.name


# ——— what is refused ———


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", SCRIPT),
        ("photo.png", b"#!/bin/sh\nrm -rf /\n"),
        ("photo.jpg", b"GIF89a" + SCRIPT),
        ("photo.gif", image_bytes("GIF")),
        ("photo.bmp", image_bytes("BMP")),
        ("photo.png", image_bytes()[:60]),  # cut short
        ("photo.png", b"\x89PNG\r\n\x1a\n" + SCRIPT),  # a PNG signature in front of a script
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("notice.pdf", b"%PDX-" + SCRIPT),
        ("empty.png", b""),
    ],
)
def test_anything_but_a_photo_or_pdf_is_refused_by_its_content(rw, media_root, name, content):
    report = make_report(rw.meeting, rw.own_cadre)
    with pytest.raises(ValidationError):
        add(rw, report, name, content)
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_an_oversized_file_is_refused(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        add(rw, report, "scan.pdf", PDF + b"0" * settings.UPLOAD_MAX_BYTES)
    assert not Attachment.objects.exists()


def test_an_image_with_too_many_pixels_is_refused(rw, media_root, settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 100
    report = make_report(rw.meeting, rw.own_cadre)
    with pytest.raises(ValidationError, match="too many pixels"):
        add(rw, report, "big.png", image_bytes(size=(20, 20)))


def test_only_the_cadre_attaches_and_only_before_moderation(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    for user in (rw.other_cadre_user, rw.county.moderator):
        with pytest.raises(PermissionDenied):
            services.attachment_add(report=report, by=user, name="x.png", content=image_bytes())
    for status in (S.SUBMITTED, S.APPROVED, S.PUBLISHED):
        WorkReport.objects.filter(pk=report.pk).update(status=status)
        with pytest.raises(ValidationError, match="only while the report is a draft or returned"):
            add(rw, report, "x.png", image_bytes())
    assert not Attachment.objects.exists()


def test_a_report_has_a_limited_number_of_attachments(rw, media_root, monkeypatch):
    monkeypatch.setattr(services, "MAX_ATTACHMENTS", 2)
    report = make_report(rw.meeting, rw.own_cadre)
    add(rw, report, "a.png", image_bytes())
    add(rw, report, "b.png", image_bytes())
    with pytest.raises(ValidationError, match="at most 2 attachments"):
        add(rw, report, "c.png", image_bytes())


def test_removing_an_attachment_deletes_its_file_once_committed(
    rw, media_root, django_capture_on_commit_callbacks
):
    report = make_report(rw.meeting, rw.own_cadre)
    attachment = add(rw, report, "a.png", image_bytes())
    path = Path(media_root) / attachment.file.name
    with pytest.raises(PermissionDenied):
        services.attachment_remove(attachment=attachment, by=rw.other_cadre_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=attachment, by=rw.county.cadre)
    assert not Attachment.objects.exists()
    assert not path.exists()
    assert AuditEntry.objects.filter(action="attachment_remove").exists()


# ——— through the pages ———


def test_upload_page_refuses_a_script_renamed_jpg_with_a_message(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    upload = SimpleUploadedFile("photo.jpg", SCRIPT, content_type="image/jpeg")
    response = client_for(rw.county.cadre).post(
        reverse("meetings:attachment-add", args=[report.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert "Only photos (JPEG, PNG, WebP) and PDF documents can be attached." in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_page_refuses_an_oversized_file_before_reading_it(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    upload = SimpleUploadedFile("scan.pdf", PDF + b"0" * settings.UPLOAD_MAX_BYTES)
    response = client_for(rw.county.cadre).post(
        reverse("meetings:attachment-add", args=[report.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()


def test_upload_page_says_why_a_file_cut_off_while_arriving_is_missing(rw, media_root):
    """Past the cutoff the upload handler stops reading: the page names the size, not a missing file."""
    report = make_report(rw.meeting, rw.own_cadre)
    upload = SimpleUploadedFile("scan.pdf", PDF + b"0" * uploads.upload_cutoff())
    response = client_for(rw.county.cadre).post(
        reverse("meetings:attachment-add", args=[report.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()
    assert "This field is required" not in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_and_remove_through_the_pages(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    client = client_for(rw.county.cadre)
    upload = SimpleUploadedFile("road.png", image_bytes(), content_type="image/png")
    response = client.post(reverse("meetings:attachment-add", args=[report.pk]), {"file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert "road.png" in client.get(reverse("meetings:report-edit", args=[report.pk])).content.decode()
    remove = reverse("meetings:attachment-remove", args=[attachment.pk])
    assert client.get(remove).status_code == 405
    assert client_for(rw.other_cadre_user).post(remove).status_code == 404
    assert client.post(remove).status_code == 302
    assert not Attachment.objects.exists()


def test_a_png_is_served_inline_with_its_type_and_no_sniffing(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre, status=S.DRAFT)
    attachment = add(rw, report, "road.png", image_bytes())
    WorkReport.objects.filter(pk=report.pk).update(status=S.PUBLISHED)
    response = client_for(None).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="road.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == image_bytes()


def test_a_pdf_is_served_as_a_download(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    attachment = add(rw, report, "账目 2024.pdf", PDF)
    WorkReport.objects.filter(pk=report.pk).update(status=S.PUBLISHED)
    response = client_for(None).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_public_page_shows_photos_inline_and_pdfs_as_links(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    photo = add(rw, report, "road.png", image_bytes())
    document = add(rw, report, "accounts.pdf", PDF)
    WorkReport.objects.filter(pk=report.pk).update(status=S.PUBLISHED)
    content = client_for(None).get(report.get_absolute_url()).content.decode()
    assert f'<img src="{photo.get_absolute_url()}" alt="road.png"' in content
    assert f'<a href="{document.get_absolute_url()}" download>accounts.pdf</a>' in content


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 404),
        ("nobody", 404),
        ("cadre", 200),
        ("moderator", 200),
        ("township_admin", 200),
        ("operator", 404),
    ],
)
def test_an_attachment_of_an_unpublished_report_is_for_its_cadre_and_moderators(rw, media_root, who, status):
    report = make_report(rw.meeting, rw.own_cadre)
    attachment = add(rw, report, "road.png", image_bytes())
    user = getattr(rw.county, who) if who else None
    response = client_for(user).get(attachment.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        assert "no-store" in response["Cache-Control"]


def test_an_attachment_of_another_village_is_404_to_its_neighbours_moderator(rw, media_root):
    report = make_report(rw.meeting, rw.own_cadre)
    attachment = add(rw, report, "road.png", image_bytes())
    for user in (rw.neighbour_moderator, rw.elsewhere_admin, rw.other_cadre_user):
        assert client_for(user).get(attachment.get_absolute_url()).status_code == 404
