"""Why a file or a page could not be read: one exception type per reason, each with a translated message.

A view shows `error.message` as it is; the upload pages of the paper ballot keep a page that raised one
of the page-level errors for a person to look at (NoSheetFound, UnreadableCode) or refuse it (the
sheet of another meeting or layout). File-level errors refuse the whole file before anything is read.
"""

from django.utils.translation import gettext_lazy as _


class PaperError(Exception):
    """Base of every refusal of the paper reader; `message` is lazily translated."""

    message = _("The file cannot be read as a ballot sheet.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


# --- the file ------------------------------------------------------------------------------------


class BadFile(PaperError):
    message = _("Only images (JPEG, PNG, WebP) and PDF documents of ballot sheets can be read.")


class CorruptPdf(BadFile):
    message = _("The PDF document is damaged or protected and cannot be read.")


class TooManyPages(BadFile):
    message = _("The PDF document has too many pages: upload it in several parts.")


# --- one page ------------------------------------------------------------------------------------


class NoSheetFound(PaperError):
    message = _(
        "No ballot sheet was found in the image: the four black squares at the corners of the sheet "
        "must all be visible."
    )


class UnreadableCode(PaperError):
    message = _("The sheet was found but its QR code cannot be read.")


class OtherMeeting(PaperError):
    message = _("This sheet belongs to another meeting.")


class OtherLayout(PaperError):
    message = _("This sheet was printed for another version of this meeting's ballot.")
