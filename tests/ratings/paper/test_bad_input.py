"""Bad input: a clear, translated refusal of its own type, before anything large is decoded."""

import io
import random

import numpy as np
import pytest
from django.utils import translation
from PIL import Image

from ratings.paper import errors, reader
from ratings.paper import layout as geometry
from ratings.paper.raster import render_page
from tests.ratings.paper import corpus, pen


@pytest.fixture
def sheet():
    return geometry.compute_layout(corpus.description(cadres=2))


def _png(sheet_layout, **damage) -> bytes:
    image = render_page(sheet_layout, 1, "D" * 16, dpi=150)
    return pen.encode(pen.degrade(image, random.Random(0), **damage))


def test_a_sheet_of_another_meeting(sheet):
    other = geometry.compute_layout(corpus.description(cadres=2, meeting_id=8))
    [result] = reader.read_file(_png(other), sheet)
    assert isinstance(result.error, errors.OtherMeeting) and result.reading is None


def test_a_sheet_printed_before_the_cadre_list_changed(sheet):
    older = geometry.compute_layout(corpus.description(cadres=3))
    [result] = reader.read_file(_png(older), sheet)
    assert isinstance(result.error, errors.OtherLayout)


def test_a_photo_with_no_sheet_in_it(sheet):
    rng = np.random.default_rng(1)
    photo = (rng.random((900, 1200)) * 255).astype(np.uint8)
    [result] = reader.read_file(pen.encode(photo, fmt="JPEG", quality=60), sheet)
    assert isinstance(result.error, errors.NoSheetFound)
    with translation.override("zh-hans"):
        assert "四个" in str(result.error.message)  # the four corner squares, said in Chinese


def test_a_sheet_whose_corner_is_cut_off(sheet):
    pixels = np.array(render_page(sheet, 1, "D" * 16, dpi=150))
    pixels[-150:, -150:] = 255  # the bottom-right fiducial torn off
    [result] = reader.read_file(pen.encode(pixels), sheet)
    assert isinstance(result.error, errors.NoSheetFound)


def test_a_sheet_whose_qr_code_is_inked_over(sheet):
    pixels = np.array(render_page(sheet, 1, "D" * 16, dpi=150))
    x0, y0, x1, y1 = geometry.QR_RECT.pixels(150 / 25.4)
    pixels[y0 + 40 : y1 - 40, x0:x1] = 0
    [result] = reader.read_file(pen.encode(pixels), sheet)
    assert isinstance(result.error, errors.UnreadableCode)


@pytest.mark.parametrize(
    "content",
    [b"", b"GIF89a not what it seems", b"%PDF-1.7\n garbage without objects", b"\x89PNG\r\n\x1a\n broken"],
    ids=["empty", "not an image", "corrupt pdf", "corrupt png"],
)
def test_files_that_are_not_sheets_raise_bad_file(sheet, content):
    with pytest.raises(errors.BadFile) as raised:
        reader.read_file(content, sheet)
    assert str(raised.value.message)


def test_a_file_over_the_size_limit_is_refused_before_decoding(sheet, settings):
    settings.PAPER_UPLOAD_MAX_BYTES = 1024 * 1024
    content = _png(sheet) + b"\0" * (1024 * 1024)
    with translation.override("en"), pytest.raises(errors.BadFile, match="larger than 1 MB"):
        reader.read_file(content, sheet)


def test_an_image_with_absurd_pixel_counts_is_refused(sheet):
    buffer = io.BytesIO()
    Image.new("1", (12_000, 6_000), 1).save(buffer, format="PNG")  # 72 megapixels in a few kilobytes
    assert len(buffer.getvalue()) < 100_000
    with translation.override("en"), pytest.raises(errors.BadFile, match="too many pixels"):
        reader.read_file(buffer.getvalue(), sheet)


def test_a_pdf_page_of_absurd_size_is_refused(sheet):
    buffer = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buffer, format="PDF", resolution=1)  # a page of 200 inches
    with translation.override("en"), pytest.raises(errors.BadFile, match="too many pixels"):
        reader.read_file(buffer.getvalue(), sheet)


def test_messages_are_translated():
    with translation.override("zh-hans"):
        chinese = str(errors.OtherMeeting().message)
    with translation.override("ug"):
        uyghur = str(errors.OtherMeeting().message)
    with translation.override("en"):
        english = str(errors.OtherMeeting().message)
    assert english == "This sheet belongs to another meeting."
    assert chinese != english and uyghur != english and chinese != uyghur
