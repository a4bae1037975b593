"""The scheme editor: township administrators (and superusers, for the county's presets) list, start,
edit and copy rating schemes. Another township's scheme is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import permissions
from portal.http import show_service_error
from portal.permissions import Capability
from ratings.access import get_scheme_for_user_or_404
from ratings.models import RatingScheme
from ratings.schemes import forms, services


def _may_use_editor(user) -> None:
    if not (user.is_superuser or permissions.townships_with(user, Capability.MANAGE_MEETINGS).exists()):
        raise Http404(_("No such page."))


@login_required
@require_http_methods(["GET", "POST"])
def scheme_list(request):
    """Township administrators and superusers: the schemes they may use, and starting a new one."""
    _may_use_editor(request.user)
    form = forms.SchemeStartForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheme = services.scheme_start(
                    name=data["name"],
                    scale=data["scale"],
                    quick_mode=data["quick_mode"],
                    township=data["township"],
                    by=request.user,
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(request, _("The scheme is created: adjust it below."))
                return redirect("ratings:scheme", pk=scheme.pk)
    rows = (
        RatingScheme.objects.for_user(request.user)
        .select_related("township")
        .order_by("township__name", "name")
    )
    return render(request, "ratings/schemes/list.html", {"schemes": rows, "form": form}, status=status)


def _editable(user, scheme) -> str:
    """Why the scheme cannot be edited by this user, or "" if it can."""
    try:
        services.ensure_may_own(user, scheme.township)
    except PermissionDenied as refusal:
        return str(refusal)
    if scheme.is_frozen:
        return str(services.FROZEN)
    return ""


def _formsets(scheme, data=None):
    initial = {
        "criteria": list(scheme.criteria.values("code", "name", "description")),
        "grades": list(scheme.grades.values("code", "label", "value", "standing", "tone")),
        "groups": list(scheme.groups.values("kind", "weight")),
    }
    classes = {"criteria": forms.CriterionFormSet, "grades": forms.GradeFormSet, "groups": forms.GroupFormSet}
    return {prefix: classes[prefix](data, prefix=prefix, initial=initial[prefix]) for prefix in classes}


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request, pk):
    """Township administrators (their townships' schemes) and superusers (every scheme): read a scheme,
    and change it with POST until a meeting using it opens its vote."""
    scheme = get_scheme_for_user_or_404(request.user, pk)
    refusal = _editable(request.user, scheme)
    data = request.POST if request.method == "POST" else None
    form = forms.SchemeForm(data, instance=scheme)
    formsets = _formsets(scheme, data)
    status = 200
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            status = 403 if scheme.township_id is None and not request.user.is_superuser else 409
        elif form.is_valid() and all(formset.is_valid() for formset in formsets.values()):
            try:
                services.scheme_update(
                    scheme=scheme,
                    fields=form.cleaned_data,
                    criteria=forms.rows_of(formsets["criteria"]),
                    grades=forms.rows_of(formsets["grades"]),
                    groups=forms.rows_of(formsets["groups"]),
                    by=request.user,
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
                status = 400
            else:
                messages.success(request, _("The scheme is saved."))
                return redirect("ratings:scheme", pk=scheme.pk)
        else:
            status = 400
    copy_form = forms.SchemeCopyForm(
        initial={"name": _("Copy of %(name)s") % {"name": scheme.name}, "township": scheme.township_id},
        user=request.user,
    )
    context = {
        "scheme": scheme,
        "refusal": refusal,
        "form": form,
        "formsets": formsets,
        "table_helper": forms.table_helper(),
        "copy_form": copy_form,
    }
    return render(request, "ratings/schemes/edit.html", context, status=status)


@login_required
@require_POST
def scheme_copy(request, pk):
    """Township administrators and superusers: a copy of a scheme they may read, to adjust."""
    scheme = get_scheme_for_user_or_404(request.user, pk)
    form = forms.SchemeCopyForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            copy = services.scheme_copy(
                scheme=scheme,
                name=form.cleaned_data["name"],
                township=form.cleaned_data["township"],
                by=request.user,
            )
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The copy is made: adjust it below."))
            return redirect("ratings:scheme", pk=copy.pk)
    context = {"scheme": scheme, "copy_form": form}
    return render(request, "ratings/schemes/copy.html", context, status=400)
