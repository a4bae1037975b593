"""The paper count's pages: print the sheets, read the scans, decide and key what the machine would
not, and close the count.

Operators and township administrators of the meeting's village (OPERATE_MEETING); another meeting,
sheet, page or line is a 404, and the services check the capability again. Every change is a POST.
The images are the village's ballots: sent to staff only, never cached by a shared cache.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from meetings.access import get_meeting_for_user_or_404
from meetings.models import Meeting
from portal.http import show_service_error
from portal.permissions import Capability
from portal.uploads import accepts_uploads_of, explain_cut_off, max_megabytes
from ratings.ballot.schemes import grade_label
from ratings.models import Grade, PaperClosure, PaperDecision, PaperPage, PaperPrint
from ratings.paper import services
from ratings.paper.forms import (
    ClosureForm,
    DecisionForm,
    IdentifyForm,
    KeyingForm,
    PrintForm,
    SheetForm,
    UploadForm,
    too_large,
)
from ratings.paper.layout import spaced
from ratings.paper.sheets import (
    decision_crop,
    layout_of,
    line_keys,
    line_label,
    paper_figures,
    sheet_states,
)

OPERATE = Capability.OPERATE_MEETING


def _meeting(request, pk) -> Meeting:
    return get_meeting_for_user_or_404(request.user, pk, OPERATE)


def _home(meeting: Meeting, anchor: str = "") -> HttpResponse:
    url = reverse("ratings:paper", args=[meeting.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def _grades(meeting: Meeting):
    return [(grade, grade_label(grade)) for grade in Grade.objects.filter(scheme=meeting.scheme)]


# --- the paper count page ----------------------------------------------------------------------------


def _render_home(request, meeting: Meeting, status: int = 200, **forms) -> HttpResponse:
    sheet_layout = layout_of(meeting)
    states = sheet_states(meeting, sheet_layout) if meeting.status != Meeting.Status.VOTING_OPEN else []
    decisions = (
        PaperDecision.objects.filter(sheet__meeting=meeting, decided=False)
        .select_related("sheet")
        .order_by("sheet__sheet_id", "key")
    )
    context = {
        "meeting": meeting,
        "figures": paper_figures(meeting, states),
        "closure": PaperClosure.objects.filter(meeting=meeting).first(),
        "printing": meeting.status == Meeting.Status.VOTING_OPEN,
        "counting": services.paper_count_open(meeting),
        "runs": PaperPrint.objects.filter(meeting=meeting).select_related("group").order_by("group__kind"),
        "pages_per_sheet": len(sheet_layout.pages),
        "decisions": [
            {
                "decision": decision,
                "line": line_label(decision.key, sheet_layout),
                "sheet": spaced(decision.sheet.sheet_id),
            }
            for decision in decisions
        ],
        "to_key": [state for state in states if state.needs_keying],
        "unreadable": PaperPage.objects.filter(meeting=meeting, sheet=None, handled=False),
        "print_form": forms.get("print_form") or PrintForm(meeting=meeting),
        "upload_form": forms.get("upload_form") or UploadForm(),
        "sheet_form": forms.get("sheet_form") or SheetForm(),
        "closure_form": forms.get("closure_form") or ClosureForm(),
        "upload_megabytes": max_megabytes(settings.PAPER_UPLOAD_MAX_BYTES),
        "most_pages": services.MAX_PAGES_PER_UPLOAD,
    }
    return render(request, "ratings/paper/count.html", context, status=status)


@login_required
@require_GET
def paper_home(request, pk):
    """Where the paper count stands, and the forms of its steps."""
    return _render_home(request, _meeting(request, pk))


@login_required
@require_POST
def paper_print(request, pk):
    """A run of blank sheets for one group; the printable sheets follow."""
    meeting = _meeting(request, pk)
    form = PrintForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _render_home(request, meeting, status=400, print_form=form)
    try:
        run = services.paper_print(meeting=meeting, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        show_service_error(request, error, form=form)
        return _render_home(request, meeting, status=400, print_form=form)
    return redirect("ratings:paper-sheets", meeting.pk, run.pk)


@login_required
@require_GET
def paper_sheets(request, pk, run):
    """The printable sheets of a run: A4, one page per sheet page, print at actual size."""
    meeting = _meeting(request, pk)
    run = get_object_or_404(
        PaperPrint.objects.select_related("meeting__village", "group"), pk=run, meeting=meeting
    )
    direction = "rtl" if run.language == "ug" else "ltr"
    context = {"sheets": services.printable_sheets(run), "language": run.language, "direction": direction}
    context["title"] = str(meeting)
    return _private(render(request, "ratings/paper/sheets.html", context))


@accepts_uploads_of("PAPER_UPLOAD_MAX_BYTES")
@login_required
@require_POST
def paper_upload(request, pk):
    """Read a batch of scans or photos; refused whole, with every problem named, or kept whole."""
    meeting = _meeting(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        explain_cut_off(request, form, field="files", message=too_large())
        return _render_home(
            request,
            meeting,
            status=413 if getattr(request, "upload_too_large", False) else 400,
            upload_form=form,
        )
    try:
        result = services.paper_upload(meeting=meeting, files=form.cleaned_data["files"], by=request.user)
    except ValidationError as error:
        show_service_error(request, error, form=form, field="files")
        return _render_home(request, meeting, status=400, upload_form=form)
    messages.success(
        request,
        ngettext(
            "%(pages)s page read: %(lines)s lines for two people, %(unreadable)s pages whose code a person "
            "must type.",
            "%(pages)s pages read: %(lines)s lines for two people, %(unreadable)s pages whose code a person "
            "must type.",
            result.pages,
        )
        % {"pages": result.pages, "lines": result.to_a_person, "unreadable": result.unreadable},
    )
    return _home(meeting, "to-decide")


# --- a page whose code would not read ---------------------------------------------------------------


def _unreadable(meeting: Meeting, page) -> PaperPage:
    return get_object_or_404(PaperPage, pk=page, meeting=meeting, sheet=None, handled=False)


def _render_page(request, meeting, page, form=None, status=200):
    context = {"meeting": meeting, "page": page, "form": form or IdentifyForm()}
    return _private(render(request, "ratings/paper/page.html", context, status=status))


@login_required
@require_GET
def page_view(request, pk, page):
    meeting = _meeting(request, pk)
    return _render_page(request, meeting, _unreadable(meeting, page))


@login_required
@require_GET
def page_image(request, pk, page):
    """The page as it was scanned or photographed (an unreadable one: a person reads its identifier)."""
    meeting = _meeting(request, pk)
    row = get_object_or_404(PaperPage, pk=page, meeting=meeting)
    with row.image.open("rb") as file:
        content = file.read()
    kind = "image/png" if content[:4] == b"\x89PNG" else "image/jpeg"
    return _private(HttpResponse(content, content_type=kind))


@login_required
@require_POST
def page_identify(request, pk, page):
    meeting = _meeting(request, pk)
    row = _unreadable(meeting, page)
    form = IdentifyForm(request.POST)
    if not form.is_valid():
        return _render_page(request, meeting, row, form, status=400)
    try:
        services.page_identify(
            page=row, typed=form.cleaned_data["sheet"], page_number=form.cleaned_data["page"], by=request.user
        )
    except ValidationError as error:
        show_service_error(request, error, form=form, field="sheet")
        return _render_page(request, meeting, row, form, status=400)
    messages.success(
        request, _("The page is read as sheet %(sheet)s.") % {"sheet": spaced(row.sheet.sheet_id)}
    )
    return _home(meeting, "to-decide")


@login_required
@require_POST
def page_set_aside(request, pk, page):
    meeting = _meeting(request, pk)
    row = _unreadable(meeting, page)
    try:
        services.page_set_aside(page=row, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("The page is set aside: scan the sheet again, or key it."))
    return _home(meeting, "unreadable")


# --- two people decide a line ------------------------------------------------------------------------


def _decision(meeting: Meeting, decision) -> PaperDecision:
    return get_object_or_404(
        PaperDecision.objects.select_related("sheet"), pk=decision, sheet__meeting=meeting
    )


def _render_decision(request, meeting, decision, form=None, status=200):
    sheet_layout = layout_of(meeting)
    context = {
        "meeting": meeting,
        "decision": decision,
        "line": line_label(decision.key, sheet_layout),
        "sheet": spaced(decision.sheet.sheet_id),
        "scanned": decision.sheet.pages.exclude(number=None).exists(),
        "read_by_me": decision.first_by_id == request.user.pk,
        "form": form
        or DecisionForm(
            key=decision.key, grades=_grades(meeting), nominations=meeting.scheme.max_nominations
        ),
    }
    return _private(render(request, "ratings/paper/decision.html", context, status=status))


@login_required
@require_GET
def decision_view(request, pk, decision):
    """One line, as a person sees it: the image of that line only, and the choices; never the other
    person's reading."""
    meeting = _meeting(request, pk)
    decision = _decision(meeting, decision)
    if decision.decided:
        messages.info(request, _("This line is decided already."))
        return _home(meeting, "to-decide")
    return _render_decision(request, meeting, decision)


@login_required
@require_GET
def decision_image(request, pk, decision):
    meeting = _meeting(request, pk)
    content = decision_crop(_decision(meeting, decision), layout_of(meeting))
    if content is None:
        raise Http404(_("This sheet was not scanned: look at the paper."))
    return _private(HttpResponse(content, content_type="image/png"))


@login_required
@require_POST
def decision_enter(request, pk, decision):
    meeting = _meeting(request, pk)
    decision = _decision(meeting, decision)
    form = DecisionForm(
        request.POST, key=decision.key, grades=_grades(meeting), nominations=meeting.scheme.max_nominations
    )
    if not form.is_valid():
        return _render_decision(request, meeting, decision, form, status=400)
    try:
        outcome = services.decision_enter(decision=decision, value=form.value(), by=request.user)
    except ValidationError as error:
        show_service_error(request, error, form=form)
        return _render_decision(request, meeting, decision, form, status=400)
    if outcome.decided:
        messages.success(request, _("Both readings agree: the line is decided."))
    elif outcome.disagreed:
        messages.warning(
            request,
            _("The two readings differ: both are cleared. Look at the line together and read it again."),
        )
    else:
        messages.success(
            request, _("Your reading is kept. A second person, on another account, reads the line too.")
        )
    return _home(meeting, "to-decide")


# --- two clerks key a sheet --------------------------------------------------------------------------


def _keying_form(meeting, sheet, data=None) -> KeyingForm:
    sheet_layout = layout_of(meeting)
    scanned = sheet.pages.exclude(number=None).exists()
    lines = [] if scanned else [(key, line_label(key, sheet_layout)) for key in line_keys(meeting)]
    return KeyingForm(data, lines=lines, grades=_grades(meeting), nominations=meeting.scheme.max_nominations)


def _render_keying(request, meeting, sheet, form, status=200):
    context = {"meeting": meeting, "sheet": sheet, "spaced": spaced(sheet.sheet_id), "form": form}
    return _private(render(request, "ratings/paper/key.html", context, status=status))


@login_required
@require_GET
def key_sheet(request, pk):
    """The keying form of the sheet whose identifier the clerk typed: blind, never pre-filled."""
    meeting = _meeting(request, pk)
    form = SheetForm(request.GET)
    if not form.is_valid():
        return _render_home(request, meeting, status=400, sheet_form=form)
    try:
        sheet = services.sheet_by_typed_id(meeting, form.cleaned_data["sheet"])
    except ValidationError as error:
        show_service_error(request, error, form=form, field="sheet")
        return _render_home(request, meeting, status=404, sheet_form=form)
    return _render_keying(request, meeting, sheet, _keying_form(meeting, sheet))


@login_required
@require_POST
def key_enter(request, pk):
    meeting = _meeting(request, pk)
    try:
        sheet = services.sheet_by_typed_id(meeting, request.POST.get("sheet", ""))
    except ValidationError as error:
        show_service_error(request, error)
        return _home(meeting, "key")
    form = _keying_form(meeting, sheet, request.POST)
    if not form.is_valid():
        return _render_keying(request, meeting, sheet, form, status=400)
    lines, numbers = form.entry()
    try:
        services.paper_key(sheet=sheet, lines=lines, nominations=numbers, by=request.user)
    except ValidationError as error:
        show_service_error(request, error, form=form)
        return _render_keying(request, meeting, sheet, form, status=400)
    messages.success(request, _("Sheet %(sheet)s is keyed.") % {"sheet": spaced(sheet.sheet_id)})
    return _home(meeting, "key")


# --- the closure -------------------------------------------------------------------------------------


@login_required
@require_POST
def paper_close(request, pk):
    """The closure form: refused with every reason while the figures do not add up."""
    meeting = _meeting(request, pk)
    form = ClosureForm(request.POST)
    if not form.is_valid():
        return _render_home(request, meeting, status=400, closure_form=form)
    try:
        services.paper_close(meeting=meeting, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        show_service_error(request, error, form=form)
        return _render_home(request, meeting, status=409, closure_form=form)
    messages.success(request, _("The paper count is closed: the paper ballots are in the box."))
    return _home(meeting)
