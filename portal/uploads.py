"""What an uploaded file is, judged by its content and never by its name: the one upload checker.

Photos are JPEG, PNG or WebP images that Pillow can verify, with at most
settings.UPLOAD_MAX_IMAGE_PIXELS pixels, counted before anything is decoded (a small file can unpack to
gigabytes). Where the caller allows it, a PDF document is recognised by its signature. No file is
larger than settings.UPLOAD_MAX_BYTES. What a caller does with an accepted file (store it as it is,
re-encode it to drop its metadata) is the caller's business.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from PIL import Image

# Pillow's name of each accepted image format → its content type and the extension of a stored file.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
PDF_MAGIC = b"%PDF-"
IMAGE, PDF = "image", "pdf"


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # IMAGE or PDF
    content_type: str
    extension: str
    image_format: str = ""  # Pillow's name, for an image


def max_megabytes(limit: int | None = None) -> int:
    return (limit or settings.UPLOAD_MAX_BYTES) // (1024 * 1024)


def check_size(size: int, limit: int | None = None) -> None:
    """Refuse a file larger than the limit (UPLOAD_MAX_BYTES unless the caller has one of its own);
    callable on an upload's declared size before reading it."""
    if size > (limit or settings.UPLOAD_MAX_BYTES):
        raise ValidationError(_("The file is larger than %(limit)s MB.") % {"limit": max_megabytes(limit)})


def explain_cut_off(request, form, *, field: str = "file", message: str | None = None) -> None:
    """Say on the form why its file is missing when the upload handler cut it off while it arrived
    (SizeLimitedUploadHandler), instead of "this field is required"."""
    if getattr(request, "upload_too_large", False):
        form.errors[field] = form.error_class(
            [message or _("The file is larger than %(limit)s MB.") % {"limit": max_megabytes()}]
        )


def check_upload(content: bytes, *, pdf: bool = False, limit: int | None = None) -> CheckedUpload:
    """What the bytes are: an accepted photo, or (with `pdf`) a PDF document; else a ValidationError."""
    check_size(len(content), limit)
    if not content:
        raise ValidationError(_("The file is empty."))
    if pdf and content.startswith(PDF_MAGIC):
        return CheckedUpload(PDF, "application/pdf", ".pdf")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb limit only warns; here any image past it is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(IMAGE_FORMATS)) as image:
                width, height = image.size
                if width * height > settings.UPLOAD_MAX_IMAGE_PIXELS:
                    raise ValidationError(_("The image has too many pixels."))
                image.verify()
                image_format = image.format
    except ValidationError:
        raise
    except Exception as error:  # Pillow signals a bad file with many exception types
        if pdf:
            refused = _("Only photos (JPEG, PNG, WebP) and PDF documents can be attached.")
        else:
            refused = _("The photo must be a JPEG, PNG or WebP image.")
        raise ValidationError(refused) from error
    content_type, extension = IMAGE_FORMATS[image_format]
    return CheckedUpload(IMAGE, content_type, extension, image_format)


def upload_cutoff(request=None) -> int:
    """Bytes of one uploaded file past which it is no longer received: twice the largest file the page
    accepts (a photo or PDF, a roll file, or what the view's own limit allows: `accepts_uploads_of`).
    Up to there the page gets the file and refuses it with its own message; past it nothing could be
    accepted, so nothing more is read."""
    match = getattr(request, "resolver_match", None)
    setting = getattr(match.func, "upload_limit_setting", "") if match is not None else ""
    own = getattr(settings, setting) if setting else 0
    return 2 * max(settings.UPLOAD_MAX_BYTES, settings.ROLL_IMPORT_MAX_BYTES, own)


def accepts_uploads_of(setting: str):
    """Mark a view whose files may be larger than the site's default (a batch of scanned ballots):
    the upload handler reads its limit from `settings.<setting>` when a request reaches the view."""

    def mark(view):
        view.upload_limit_setting = setting
        return view

    return mark


class SizeLimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stop reading a request whose file outgrows `upload_cutoff()`.

    Django would otherwise stream a 200 MB upload to a temporary file before any view could look at its
    size. The declared Content-Length is checked when the file starts, the bytes received as they come;
    past the cutoff the rest of the body is not read (StopUpload with connection_reset), the file is
    absent from request.FILES and `request.upload_too_large` is set for the view to say why.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.cutoff = upload_cutoff(self.request)
        self.declared_too_large = (content_length or 0) > self.cutoff
        self.received = 0

    def new_file(self, *args, **kwargs):
        if self.declared_too_large:
            self._refuse()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.cutoff:
            self._refuse()
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None  # the next handler returns the file

    def _refuse(self):
        if self.request is not None:
            self.request.upload_too_large = True
        raise StopUpload(connection_reset=True)
