"""What the spoken ballot says: every text its screens may read aloud, for one meeting in the active
language.

The screens mark what is read with `data-say` (templates/ratings/ballot/kiosk/_ballot_body.html and
the pages around it; static/ratings/js/speech.js reads those elements' text). The texts are taken
from the ballot's own rendered page, so that what is made is exactly what the page will ask for; to
them are added what the page's script builds (a household as the review lists it), the texts of the
pages around the ballot (the cast, the receipt) and the symbols a receipt is spelled with.
"""

from html.parser import HTMLParser

from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from ratings.ballot import codes, page

# Said by the pages around the ballot's screens; each is also marked data-say in its template.
AROUND_THE_BALLOT = (
    _("Once cast, the ballot cannot be changed."),
    _("Cast my ballot"),
    _("No household nominated."),
    _("Thank you. Your ballot has been cast."),
    _("Your receipt code:"),
    _(
        "Write it down if you wish. It proves one thing only: that your ballot is in the box and was "
        "counted. Once the results are published, you can look it up in the list of counted ballots."
    ),
    _(
        "It does not show how you voted. Nobody, not even you, can use it to show your grades to anyone: if "
        "someone asks for your receipt to check your vote, it tells them nothing about it."
    ),
)
# A button whose words the script changes says them from these attributes too.
LABEL_ATTRIBUTES = ("data-next-label", "data-review-label")


def said(text: str) -> str:
    """A text as the page's script reads it (textContent, white space collapsed)."""
    return " ".join(text.split())


def household_line(household: dict) -> str:
    """A household as the ballot's script lists it among the nominations (static/ratings/js/ballot.js)."""
    return said(f"{household['number']} — {' · '.join(household['names'])}")


class _Marked(HTMLParser):
    """The text of every element marked data-say (they hold text only, no elements)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-say" in attributes:
            self._open = []
            self.texts.extend(attributes[name] for name in LABEL_ATTRIBUTES if attributes.get(name))

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag):
        if self._open is not None:
            self.texts.append("".join(self._open))
            self._open = None


def marked_texts(html: str) -> list[str]:
    parser = _Marked()
    parser.feed(html)
    parser.close()
    return [said(text) for text in parser.texts]


def ballot_texts(meeting: Meeting) -> list[str]:
    """Every text the meeting's ballot may say in the active language, each once, in page order."""
    texts = marked_texts(page.body(meeting))
    texts += [str(text) for text in AROUND_THE_BALLOT]
    texts += [household_line(household) for household in page.households_of(meeting)]
    texts += list(codes.ALPHABET)
    return list(dict.fromkeys(text for text in (said(text) for text in texts) if text))
