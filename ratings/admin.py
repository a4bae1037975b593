"""Rating schemes in the admin: township administrators and superusers set them up.

A scheme in use by a meeting whose voting has opened is frozen: it is shown, never changed, since a
change would alter the meaning of ballots already cast. Ballots, codes and terminals have no admin
pages at all: nothing about a ballot is anyone's to edit.
"""

from django.contrib import admin

from portal import audit, permissions
from portal.admin import AuditedModelAdmin
from portal.permissions import Capability
from ratings.models import Criterion, Grade, RatingScheme, VoterGroup


def _may_set_up(request) -> bool:
    # Asked for each inline and each of its forms on one page: answered once per request.
    if not hasattr(request, "_may_set_up_schemes"):
        request._may_set_up_schemes = request.user.is_superuser or permissions.has_any_capability(
            request.user, Capability.MANAGE_MEETINGS
        )
    return request._may_set_up_schemes


def _may_edit(request, scheme) -> bool:
    """A township's scheme by its administrators, a county preset by a superuser; none once frozen."""
    if not _may_set_up(request):
        return False
    if scheme is None:
        return True
    if scheme.is_frozen:
        return False
    if request.user.is_superuser:
        return True
    return scheme.township_id is not None and (
        permissions.townships_with(request.user, Capability.MANAGE_MEETINGS)
        .filter(pk=scheme.township_id)
        .exists()
    )


class FrozenAwareInline(admin.TabularInline):
    extra = 0
    # A scheme has a handful of criteria, grades and groups. Without a bound of its own a formset builds
    # as many forms as a posted TOTAL_FORMS asks, up to Django's 1,000 past max_num, each checking the
    # user's permissions: a forged count kept a worker busy for seconds.
    max_num = 50

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", self.max_num)
        return super().get_formset(request, obj, **kwargs)

    def has_add_permission(self, request, obj=None):
        return _may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return _may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _may_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return _may_set_up(request)


class CriterionInline(FrozenAwareInline):
    model = Criterion


class GradeInline(FrozenAwareInline):
    model = Grade


class VoterGroupInline(FrozenAwareInline):
    model = VoterGroup


@admin.register(RatingScheme)
class RatingSchemeAdmin(AuditedModelAdmin):
    list_display = (
        "name",
        "township",
        "quick_mode",
        "max_nominations",
        "excellent_share",
        "incompetent_share",
        "min_cell",
    )
    search_fields = ("name",)
    inlines = [CriterionInline, GradeInline, VoterGroupInline]

    def has_module_permission(self, request):
        return _may_set_up(request)

    def has_view_permission(self, request, obj=None):
        return _may_set_up(request)

    def has_add_permission(self, request):
        return _may_set_up(request)

    def get_queryset(self, request):
        # Another township's scheme does not exist for a township administrator.
        return super().get_queryset(request) & RatingScheme.objects.for_user(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "township" and not request.user.is_superuser:
            kwargs["queryset"] = permissions.townships_with(request.user, Capability.MANAGE_MEETINGS)
            kwargs["required"] = True  # only the county makes presets
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return _may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and not (obj and (obj.is_frozen or obj.meetings.exists()))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        audit.record(
            actor=request.user,
            action="scheme_change" if change else "scheme_create",
            target=form.instance,
            details={"changed": sorted(form.changed_data)},
        )
