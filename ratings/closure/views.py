"""The closure certificate and the scrutineers of a meeting.

Who may do what: the village's operators and township administrators (OPERATE_MEETING) name and remove
scrutineers and record signatures made on the printed certificate; they, the village's moderators, the
meeting's scrutineers and the village's supervision committee members with their accounts read the
certificate; a scrutineer or the chair confirms it with their own account, for themselves only (403
otherwise). Another village's meeting is a 404 (ratings.access). A refused input is a 400; a refusal of
the service for the state of things (already confirmed, computed again) is a 409.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from meetings.access import get_meeting_for_user_or_404
from meetings.models import Meeting
from portal import permissions
from portal.http import show_service_error
from portal.permissions import Capability
from ratings.access import get_certificate_meeting_or_404, get_scrutineer_for_user_or_404
from ratings.closure import certificate as certificates
from ratings.closure import services
from ratings.closure.forms import ScrutineerForm, SignatureForm
from ratings.models import Ballot, ResultSnapshot, Scrutineer
from ratings.results import display

BAD_INPUT = 400
CONFLICT = 409


def _render_certificate(request, meeting: Meeting, *, status: int = 200):
    snapshot = certificates.current_snapshot(meeting)
    certificate = certificates.certificate_of(meeting, snapshot) if snapshot is not None else None
    operates = permissions.has_capability(request.user, Capability.OPERATE_MEETING, meeting.village)
    context = {
        "meeting": meeting,
        "certificate": certificate,
        "operates": operates,
        "moderates": permissions.has_capability(request.user, Capability.MODERATE, meeting.village),
        "needed": certificates.SCRUTINEERS_NEEDED,
    }
    if certificate is not None:
        data = snapshot.data
        figures = certificate.figures
        context.update(
            {
                "snapshot": snapshot,
                "data": data,
                "figures": figures,
                "doors": [(label, figures["doors"][door]) for door, label in Ballot.Door.choices],
                "rows": display.ranking_rows(data),
                "withheld": display.figures_withheld(data),
                "pooled": display.pooled_groups(data),
                "k": display.disclosure_of(data).k,
                "lines": [
                    {
                        "signer": signer,
                        "may_confirm": certificate.is_draft
                        and signer.confirmation is None
                        and signer.is_account_of(request.user),
                        "may_record": certificate.is_draft and signer.confirmation is None and operates,
                    }
                    for signer in certificate.signers
                ],
            }
        )
    return render(request, "ratings/closure/certificate.html", context, status=status)


@login_required
@require_safe
def certificate(request, pk):
    """The printable closure certificate of the results under review (else of those published)."""
    return _render_certificate(request, get_certificate_meeting_or_404(request.user, pk))


def _sign(request, meeting: Meeting, *, on_paper: bool):
    form = SignatureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose who signs the certificate."))
        return _render_certificate(request, meeting, status=BAD_INPUT)
    draft = ResultSnapshot.objects.of_meeting(meeting).drafts().first()
    if draft is None or draft.version != form.cleaned_data["version"]:
        messages.error(
            request,
            _("The results were computed again since this page was shown. Read it again, then confirm."),
        )
        return _render_certificate(request, meeting, status=CONFLICT)
    key = form.cleaned_data["signer"]
    if key == certificates.CHAIR:
        signer = certificates.chair_of(meeting)
    else:
        signer = Scrutineer.objects.filter(meeting=meeting, pk=int(key)).select_related("resident").first()
    if signer is None:
        raise Http404(_("No such signer of this certificate."))
    service = services.certificate_record_paper if on_paper else services.certificate_confirm
    try:
        service(snapshot=draft, signer=signer, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _render_certificate(request, meeting, status=CONFLICT)
    if on_paper:
        messages.success(
            request,
            _("The signature of %(name)s on the printed certificate is recorded.") % {"name": signer.name},
        )
    else:
        messages.success(request, _("Your confirmation is recorded, %(name)s.") % {"name": signer.name})
    return redirect("ratings:certificate", pk=meeting.pk)


@login_required
@require_POST
def certificate_confirm(request, pk):
    """A scrutineer or the committee's chair, with their own account: confirm the certificate (POST)."""
    return _sign(request, get_certificate_meeting_or_404(request.user, pk), on_paper=False)


@login_required
@require_POST
def certificate_paper(request, pk):
    """Operators and township administrators of the village: record a signature on paper (POST)."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    return _sign(request, meeting, on_paper=True)


@login_required
@require_http_methods(["GET", "POST"])
def scrutineers(request, pk):
    """Operators and township administrators of the village: the scrutineers, and naming one (POST)."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    naming = services.naming_open(meeting)
    form = ScrutineerForm(request.POST or None, meeting=meeting) if naming else None
    status = 200
    if request.method == "POST":
        status = BAD_INPUT
        if form is None:
            messages.error(request, _("Scrutineers are named until the results are published."))
            status = CONFLICT
        elif form.is_valid():
            try:
                scrutineer = services.scrutineer_name(
                    meeting=meeting,
                    resident=form.cleaned_data["resident"],
                    user=form.cleaned_data["username"],
                    by=request.user,
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
                status = CONFLICT
            else:
                messages.success(request, _("%(name)s is named as scrutineer.") % {"name": scrutineer.name})
                return redirect("ratings:scrutineers", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "scrutineers": Scrutineer.objects.filter(meeting=meeting).select_related(
            "resident__household", "user"
        ),
        "chair": certificates.chair_of(meeting),
        "naming": naming,
        "form": form,
        "needed": certificates.SCRUTINEERS_NEEDED,
        "manages_committee": permissions.has_capability(
            request.user, Capability.MANAGE_ROLES, meeting.village
        ),
    }
    return render(request, "ratings/closure/scrutineers.html", context, status=status)


@login_required
@require_POST
def scrutineer_remove(request, pk):
    """Operators and township administrators of the village: remove a scrutineer (POST)."""
    scrutineer = get_scrutineer_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    meeting = scrutineer.meeting
    try:
        services.scrutineer_remove(scrutineer=scrutineer, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return redirect("ratings:scrutineers", pk=meeting.pk)
    messages.success(request, _("%(name)s is no longer a scrutineer.") % {"name": scrutineer.name})
    return redirect("ratings:scrutineers", pk=meeting.pk)
