"""From uploaded bytes to greyscale pages: an image is one page, a PDF document one page per page.

Everything is refused before it is decoded when it is too large: the bytes by the one upload checker
(portal.uploads: settings.PAPER_UPLOAD_MAX_BYTES, an image's pixel count from its header against
settings.UPLOAD_MAX_IMAGE_PIXELS), a PDF's pages by their count and by their size at the rendering
resolution, so that a small file cannot unpack to gigabytes.
"""

import cv2
import numpy as np
import pypdfium2
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal import uploads
from ratings.paper import errors

PDF_DPI = 200  # a scanner's usual resolution; the reader needs about 130
MAX_PDF_PAGES = 100
POINTS_PER_INCH = 72


def load_pages(content: bytes) -> list[np.ndarray]:
    """The greyscale pages of an uploaded file (PNG, JPEG or WebP image, or PDF document)."""
    try:
        checked = uploads.check_upload(content, pdf=True, limit=settings.PAPER_UPLOAD_MAX_BYTES)
    except ValidationError as error:
        raise errors.BadFile(error.messages[0]) from error
    if checked.kind == uploads.PDF:
        return list(_pdf_pages(content))
    image = cv2.imdecode(np.frombuffer(content, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise errors.BadFile()
    return [image]


def _pdf_pages(content: bytes):
    try:
        document = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError as error:
        raise errors.CorruptPdf() from error
    try:
        if len(document) == 0:
            raise errors.CorruptPdf()
        if len(document) > MAX_PDF_PAGES:
            raise errors.TooManyPages()
        scale = PDF_DPI / POINTS_PER_INCH
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            if width * height * scale * scale > settings.UPLOAD_MAX_IMAGE_PIXELS:
                raise errors.BadFile(_("The image has too many pixels."))
            try:
                bitmap = page.render(scale=scale, grayscale=True)
            except pypdfium2.PdfiumError as error:
                raise errors.CorruptPdf() from error
            pixels = bitmap.to_numpy()
            yield pixels if pixels.ndim == 2 else cv2.cvtColor(pixels[:, :, :3], cv2.COLOR_BGR2GRAY)
    finally:
        document.close()
