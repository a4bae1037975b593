"""The one-request ballot page, shared by both doors (a terminal, a villager's phone).

The page holds the whole ballot: a screen per cadre, a screen per household's evaluation on the
meeting's agenda, the households to nominate, the review. Its script shows one
screen at a time and builds the review from the choices, without asking the server; without the
script it is one long form. Either way it is sent once, to the door's cast view.

The part of the page that is the same for every villager of a meeting in one language (the cadres,
their summaries, the lines, the grades, the village's households for the search) is rendered once and
kept in Django's cache for a minute while voting is open: a whole assembly opens this page at once,
and nothing in it changes under a vote but a household added to the roll, which a minute brings in.
"""

import json

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from meetings.models import Meeting, WorkReport
from meetings.reports.markdown import render as render_markdown
from meetings.reports.versions import shown_per_cadre
from portal.models import CadrePost, Household, Resident
from portal.names import local_name
from ratings.ballot import schemes
from ratings.ballot.forms import BallotForm
from ratings.ballot.passes import TEXT_SIZES, BallotPass
from ratings.ballot.schemes import CRITERION_MEANINGS
from ratings.ballot.spec import line_key, spec_of
from ratings.models import BallotEvaluation, Grade, HouseholdProposal

SUMMARY_CHARS = 140
NAMES_SHOWN = 4
CACHED_SECONDS = 60
BODY_TEMPLATE = "ratings/ballot/kiosk/_ballot_body.html"


def lines_of(meeting: Meeting) -> list:
    """The lines of the ballot for each cadre: the criteria, or one overall line (None) in quick mode."""
    if meeting.scheme.quick_mode:
        return [None]
    return list(meeting.scheme.criteria.all())


def grades_of(meeting: Meeting) -> list[Grade]:
    return list(meeting.scheme.grades.all())


def ballot_form(meeting: Meeting, data=None) -> BallotForm:
    return BallotForm(data, spec=spec_of(meeting))


def _line_view(criterion) -> dict:
    if criterion is None:
        return {"key": line_key(None), "name": schemes.criterion_name(None), "meaning": ""}
    meaning = CRITERION_MEANINGS.get(criterion.code) or criterion.description
    return {"key": line_key(criterion.pk), "name": schemes.criterion_name(criterion), "meaning": str(meaning)}


def posts_by_cadre(cadre_ids: list[int], year: int) -> dict[int, str]:
    posts: dict[int, list[str]] = {}
    for post in CadrePost.objects.filter(cadre_id__in=cadre_ids).held_in(year).by_rank():
        posts.setdefault(post.cadre_id, []).append(str(post.get_post_display()))
    return {cadre_id: " · ".join(names) for cadre_id, names in posts.items()}


def _summaries(meeting: Meeting) -> dict[int, dict]:
    """Each published report's opening, as plain text short enough for two lines, in the version the
    page's language reads (Uyghur or Chinese), with that version's `lang` and `dir`."""
    summaries = {}
    shown = shown_per_cadre(WorkReport.objects.published().filter(meeting=meeting))
    for cadre_id, report in shown.items():
        text = ""
        for name, _label in WorkReport.SECTIONS:
            section = " ".join(strip_tags(render_markdown(getattr(report, name))).split())
            text = f"{text} {section}".strip()
            if len(text) >= SUMMARY_CHARS:
                break
        summary = Truncator(text).chars(SUMMARY_CHARS)
        summaries[cadre_id] = {"text": summary, "lang": report.text_lang, "dir": report.text_dir}
    return summaries


def households_of(meeting: Meeting) -> list[dict]:
    """The village's households for the page's search: id, roll number and residents' names."""
    households = Household.objects.filter(village=meeting.village).order_by("number")
    households = households.prefetch_related(
        Prefetch("residents", queryset=Resident.objects.filter(active=True).order_by("name"))
    )
    return [
        {
            "id": household.pk,
            "number": household.number,
            "names": [local_name(resident) for resident in household.residents.all()[:NAMES_SHOWN]],
        }
        for household in households
    ]


# Each answer on a household's evaluation with the tone (colour and face) of the grades it is nearest to.
ANSWER_TONES = {
    BallotEvaluation.Answer.AGREE: Grade.Tone.GOOD,
    BallotEvaluation.Answer.DISAGREE: Grade.Tone.POOR,
    BallotEvaluation.Answer.ABSTAIN: Grade.Tone.NEUTRAL,
}
# The "two assurances and three guarantees" (两不愁三保障) and safe drinking water, as the ballot shows them.
CHECKS = ("food", "clothing", "education", "medical", "housing", "drinking_water")


def _proposal_view(position: int, proposal: HouseholdProposal) -> dict:
    """What the ballot shows of a household's evaluation: the decision and the facts it needs, nothing
    more of the household (no roll number, no residents' names but the head's)."""
    return {
        "position": position,
        "pk": proposal.pk,
        "field": f"evaluation-{proposal.pk}",
        "head": proposal.head_name,
        "decision": proposal.decision_label,
        "members": proposal.members,
        "reason": proposal.reason,
        "income_year": proposal.income_year,
        "income_per_head": proposal.income_per_head,
        "income_line": proposal.income_line,
        "checks": [
            {"label": HouseholdProposal._meta.get_field(name).verbose_name, "met": getattr(proposal, name)}
            for name in CHECKS
        ],
    }


def answers_of() -> list[dict]:
    return [
        {"value": value, "label": label, "tone": ANSWER_TONES[value]}
        for value, label in BallotEvaluation.Answer.choices
    ]


def _body_context(meeting: Meeting) -> dict:
    reporting = list(meeting.reporting.select_related("cadre"))
    cadre_ids = [row.cadre_id for row in reporting]
    posts = posts_by_cadre(cadre_ids, meeting.year)
    summaries = _summaries(meeting)
    lines = [_line_view(criterion) for criterion in lines_of(meeting)]
    grades = [
        {"pk": grade.pk, "label": schemes.grade_label(grade), "tone": grade.tone}
        for grade in grades_of(meeting)
    ]
    cadres = [
        {
            "position": position,
            "cadre": row.cadre,
            "post": posts.get(row.cadre_id, ""),
            "summary": summaries.get(row.cadre_id),
            "lines": [{**line, "field": f"grade-{row.cadre_id}-{line['key']}"} for line in lines],
        }
        for position, row in enumerate(reporting, start=1)
    ]
    agenda = HouseholdProposal.objects.on_agenda_of(meeting).order_by("pk")
    proposals = [_proposal_view(position, proposal) for position, proposal in enumerate(agenda, start=1)]
    return {
        "cadres": cadres,
        "count": len(cadres),
        "proposals": proposals,
        "proposal_count": len(proposals),
        "answers": answers_of(),
        "grades": grades,
        "several_lines": len(lines) > 1,
        "limit": meeting.scheme.max_nominations,
        "households": households_of(meeting),
        "number_slots": [""] * meeting.scheme.max_nominations,
        "chosen_households": [],
    }


def body(meeting: Meeting, *, form: BallotForm | None = None) -> str:
    """The ballot's screens as HTML in the active language; from the cache unless `form` (a ballot sent
    back with an error) has choices to show again."""
    if form is not None and form.is_bound:
        context = _body_context(meeting)
        chosen = form.chosen()
        missing = set(form.missing())
        for item in context["cadres"]:
            item["missing"] = item["cadre"].pk in missing
            for line in item["lines"]:
                line["chosen"] = chosen.get(item["cadre"].pk, {}).get(line["key"])
        answers = form.answers()
        unanswered = set(form.unanswered())
        for item in context["proposals"]:
            item["missing"] = item["pk"] in unanswered
            item["chosen"] = answers.get(item["pk"])
        context["chosen_households"] = form.cleaned_data.get("households", [])
        typed = form.data.getlist("household_number")
        context["number_slots"] = (typed + [""] * context["limit"])[: context["limit"]]
        return render_to_string(BODY_TEMPLATE, context)
    key = f"ballot-page:{meeting.pk}:{meeting.status}:{translation.get_language()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(BODY_TEMPLATE, _body_context(meeting))
        if meeting.status == Meeting.Status.VOTING_OPEN:
            cache.set(key, html, CACHED_SECONDS)
    return html


def form_errors(form: BallotForm) -> list[str]:
    """What the villager is told above a ballot sent back: the cadres and the households' evaluations
    with a line unanswered, by name, and what is wrong with the nominations."""
    return [str(error) for error in form.non_field_errors()]


# --- responses of both doors ----------------------------------------------------------------------

RECEIPT_COOKIE = "portal_ballot_receipt"
RECEIPT_SALT = "ratings.ballot.receipt"
RECEIPT_MAX_AGE = 120  # the receipt is shown once, right after casting


def languages() -> list[tuple[str, str, bool]]:
    """The languages a villager may choose, each named in itself: (code, name, right to left)."""
    return [
        (code, info["name_local"], info["bidi"])
        for code, info in ((code, translation.get_language_info(code)) for code, _name in settings.LANGUAGES)
    ]


def text_sizes() -> list[tuple[str, str]]:
    return [("normal", _("Normal text")), ("large", _("Large text"))]


def no_store(response):
    """Never kept by the browser: Back, reload or a new tab ask the server again."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
    response["Pragma"] = "no-cache"
    patch_vary_headers(response, ("Cookie",))
    return response


def respond(request, template: str, context: dict, *, status: int = 200, kept: tuple = (), fills=None):
    """A ballot page in the active (the villager's) language, never cached by the browser.

    With `kept` (what makes the page differ: the meeting, the language, the text size...), the page is
    rendered once and kept in Django's cache for a minute: a whole assembly asks for the same few pages
    at once. Only the CSRF token and the `fills` (names → this villager's values: a receipt, a count)
    differ, and they are put into the kept page where the render left a mark.
    """
    if not kept:
        response = render(request, template, context, status=status)
    else:
        fills = fills or {}
        key = "ballot-page:" + ":".join(str(part) for part in (template, translation.get_language(), *kept))
        html = cache.get(key)
        if html is None:
            marks = {name: _mark(name) for name in fills}
            html = render_to_string(template, {**context, **marks, "csrf_token": _mark("csrf")}, request)
            cache.set(key, html, CACHED_SECONDS)
        for name, value in {**fills, "csrf": get_token(request)}.items():
            html = html.replace(_mark(name), escape(str(value)))
        response = HttpResponse(html, status=status)
    response["Content-Language"] = translation.get_language()
    return no_store(response)


def _mark(name: str) -> str:
    """Where a villager's own value goes in a kept page: characters of Unicode's private use area,
    which no page, template or translation of ours contains."""
    return f"\ue000{name}\ue000"


def give_receipt(response, receipt: str, ballot: BallotPass, path: str) -> None:
    """The one thing carried past the cast: the receipt to show once, and in which language and size."""
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        json.dumps([receipt, ballot.language, ballot.text_size]),
        salt=RECEIPT_SALT,
        max_age=RECEIPT_MAX_AGE,
        path=path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def read_receipt(request) -> tuple[str, str, str] | None:
    """(receipt, language, text size) to show once, or None."""
    try:
        receipt, language, text_size = json.loads(
            request.get_signed_cookie(RECEIPT_COOKIE, salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE)
        )
    except (KeyError, signing.BadSignature, ValueError, TypeError):
        return None
    if language not in dict(settings.LANGUAGES) or text_size not in TEXT_SIZES:
        language, text_size = settings.LANGUAGE_CODE, TEXT_SIZES[0]
    return str(receipt), language, text_size


def forget_receipt(response, path: str) -> None:
    response.delete_cookie(RECEIPT_COOKIE, path=path, samesite="Strict")
