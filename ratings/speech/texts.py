"""What the spoken ballot says: every text its screens may read aloud, for one meeting in the active
language.

The screens mark what is read with `data-say` (templates/ratings/ballot/kiosk/_ballot_body.html and
the pages around it; static/ratings/js/speech.js reads those elements' text). The texts are taken
from the ballot's own rendered page, so that what is made is exactly what the page will ask for; to
them are added what the page's script builds (a household as the review lists it), the texts of the
pages around the ballot (the cast, the receipt), those of the screens before it (the kiosk's welcome
and code, the phone's start: a villager who cannot read starts alone) and the symbols a code is typed
and a receipt spelled with.
"""

from html.parser import HTMLParser

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from ratings.ballot import codes, page
from ratings.ballot.forms import CodeForm
from ratings.ballot.services import WRONG_CODE

# Said by the pages around the ballot's screens; each is also marked data-say in its template.
AT_THE_CAST = (
    _("Once cast, the ballot cannot be changed."),
    _("Cast my ballot"),
    _("No household nominated."),
)
# The receipt's fixed texts (with the symbols it is spelled with): all a phone hears after its cast,
# when its pass is gone (ratings.speech.playlist.receipt_manifest_url).
AT_THE_RECEIPT = (
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
AROUND_THE_BALLOT = AT_THE_CAST + AT_THE_RECEIPT
# Said by the screens before the ballot (templates/ratings/ballot/kiosk/welcome.html and code.html,
# phone/start.html), each also marked data-say there; with the symbols, all a phone hears before its
# code is checked (ratings.speech.views.doors): nothing of the village.
SAID_AS_TYPED = _("Each symbol of the code is said as you type it or press its key.")
AT_THE_START = (
    _("Rate the work of your village cadres"),
    _("Choose your language and the size of the text, then press Start."),
    _("Start"),
    _("How it works"),
    _("Type or scan the code on your ballot slip."),
    _("Give each cadre an answer on every line."),
    _("If you wish, nominate diligent households."),
    _("Check your answers and cast your ballot. Nobody can see how you voted."),
    _("Your ballot code"),
    _("Type the code printed on your slip, or scan its QR code. Each code works only once."),
    _("Ballot code"),
    SAID_AS_TYPED,
    _("Delete"),
    _("Clear"),
    _("Next"),
    _(
        "Check the code of your slip below, choose your language, and press Start. Each code works only "
        "once, on a phone or at a terminal."
    ),
    _("Nobody can see how you vote. Nothing about this phone is kept with your ballot."),
)
# The code screen's refusals, marked data-say in its alert: a wrong or used code (one message, so as not
# to tell which), a code missing, and too many wrong codes. That last one shows how many seconds to
# wait, which no clip can say: the alert says LOCKED_SAID instead (its data-say attribute).
LOCKED_SAID = _("Too many wrong codes. Please wait a little, then try again.")
REFUSALS = (WRONG_CODE, CodeForm.base_fields["code"].error_messages["required"], LOCKED_SAID)
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
            self.texts.extend(attributes[name] for name in LABEL_ATTRIBUTES if attributes.get(name))
            if attributes["data-say"]:  # said instead of the element's text (LOCKED_SAID)
                self.texts.append(attributes["data-say"])
            else:
                self._open = []

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


def own_name(language: str) -> str:
    """A language named in itself, as the language buttons show it (ratings.ballot.page.languages)."""
    return translation.get_language_info(language)["name_local"]


def start_texts() -> list[str]:
    """What the screens before the ballot say in the active language: fixed texts, the refusals of a
    code, the language's own name (said by its button, in its own voice) and the symbols."""
    fixed = [said(str(text)) for text in (*AT_THE_START, *REFUSALS)]
    return [*fixed, own_name(translation.get_language()), *codes.ALPHABET]


def receipt_texts() -> list[str]:
    """What the receipt says in the active language: its fixed texts and the symbols it is spelled with."""
    return [said(str(text)) for text in AT_THE_RECEIPT] + list(codes.ALPHABET)


def ballot_texts(meeting: Meeting) -> list[str]:
    """Every text the meeting's ballot may say in the active language, each once, in page order."""
    texts = start_texts()
    texts += marked_texts(page.body(meeting))
    texts += [str(text) for text in AROUND_THE_BALLOT]
    texts += [household_line(household) for household in page.households_of(meeting)]
    return list(dict.fromkeys(text for text in (said(text) for text in texts) if text))
