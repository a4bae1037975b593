"""The one upload checker (portal.uploads): what a file is, judged by its content, within the limits."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image

from portal import uploads

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOT_A_PHOTO = "The photo must be a JPEG, PNG or WebP image."
NOT_A_PHOTO_OR_PDF = "Only photos (JPEG, PNG, WebP) and PDF documents can be attached."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def image_bytes(image_format="PNG", size=(40, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=image_format)
    return buffer.getvalue()


def refusal(content: bytes, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(content, **kwargs)
    return " ".join(refused.value.messages)


@pytest.mark.parametrize(
    ("image_format", "content_type", "extension"),
    [("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg"), ("WEBP", "image/webp", ".webp")],
)
def test_photos_are_known_by_their_content(image_format, content_type, extension):
    checked = uploads.check_upload(image_bytes(image_format))
    assert checked == uploads.CheckedUpload(uploads.IMAGE, content_type, extension, image_format)


def test_a_pdf_only_where_the_caller_takes_one():
    assert uploads.check_upload(PDF, pdf=True) == uploads.CheckedUpload(
        uploads.PDF, "application/pdf", ".pdf"
    )
    assert refusal(PDF) == NOT_A_PHOTO


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",
        image_bytes("GIF"),
        image_bytes("BMP"),
        image_bytes()[:60],  # cut short
        b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>",  # a PNG signature in front of a script
        b"%PDX-" + b"<script>alert(1)</script>",
    ],
)
def test_anything_else_is_refused_in_the_words_of_what_is_accepted(content):
    assert refusal(content) == NOT_A_PHOTO
    assert refusal(content, pdf=True) == NOT_A_PHOTO_OR_PDF


def test_an_empty_file_is_refused():
    assert refusal(b"", pdf=True) == "The file is empty."


def test_the_size_limit_holds_for_the_bytes_and_for_a_declared_size(settings):
    assert refusal(PDF + b"0" * settings.UPLOAD_MAX_BYTES, pdf=True) == "The file is larger than 5 MB."
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        uploads.check_size(settings.UPLOAD_MAX_BYTES + 1)
    uploads.check_size(settings.UPLOAD_MAX_BYTES)
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    assert refusal(PDF + b"0" * settings.UPLOAD_MAX_BYTES, pdf=True) == "The file is larger than 2 MB."


def test_the_pixel_limit_is_one_setting(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 400
    assert uploads.check_upload(image_bytes(size=(20, 20))).image_format == "PNG"
    assert refusal(image_bytes(size=(20, 21))) == "The image has too many pixels."


def test_a_pixel_bomb_is_refused_before_it_is_decoded():
    # 8000 × 7000 one-bit pixels: a few kilobytes of PNG that would unpack to 56 million pixels.
    bomb = image_bytes(size=(8000, 7000), mode="1")
    assert len(bomb) < uploads.max_megabytes() * 1024 * 1024 // 10
    assert refusal(bomb) == "The image has too many pixels."
