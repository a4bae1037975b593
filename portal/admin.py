"""Admin pages for the registry: search and filters, rows scoped to the user's villages.

Residents are read-only here (the roll changes by import, which validates and audits); role
assignments change through the role services so that every change is audited; the audit log is
read-only for everyone. Every other add, change and delete made here, users and groups included, is in
the audit log too (AuditedModelAdmin), with Django's own account of what changed.
"""

import json

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import router, transaction
from django.utils.translation import gettext_lazy as _

from portal import audit, permissions
from portal.models import (
    AuditEntry,
    Cadre,
    CadrePost,
    Household,
    Resident,
    RoleAssignment,
    Township,
    Village,
)
from portal.params import parse_int
from portal.permissions import Capability
from portal.services.registry import cadre_save
from portal.services.roles import role_grant, role_revoke

admin.site.site_header = _("Village work reports: registry")
admin.site.site_title = _("Registry admin")


class AuditedAdminMixin:
    """Each add, change and delete through the admin becomes an audit entry (admin_add, admin_change,
    admin_delete), with the admin's change message: which fields, which inline rows.

    The admin calls these in the transaction of the change itself (a deletion: just before the rows go),
    so the entry and the change commit together; a bulk deletion gives one entry per row, in one
    transaction with the deletion (response_action).
    """

    def log_addition(self, request, obj, message):
        audit.record(actor=request.user, action="admin_add", target=obj, details=_admin_details(obj, message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit.record(
            actor=request.user, action="admin_change", target=obj, details=_admin_details(obj, message)
        )
        return super().log_change(request, obj, message)

    def response_action(self, request, queryset):
        # The admin runs actions (a bulk delete) outside a transaction: its entries and rows commit as one.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().response_action(request, queryset)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit.record(actor=request.user, action="admin_delete", target=obj, details=_admin_details(obj))
        return super().log_deletions(request, queryset)


def _admin_details(obj, message=None) -> dict:
    details = {"model": obj._meta.label_lower, "id": str(obj.pk)}
    if message:
        # The admin's change message holds field labels, possibly lazy: stored as plain JSON.
        details["change"] = json.loads(json.dumps(message, default=str))
    return details


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):
    pass


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdminMixin, GroupAdmin):
    pass


class ReadOnlyAdminMixin:
    """Browse and search only: the rows change through services that validate and audit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VillageScopedAdmin(AuditedModelAdmin):
    """Rows are limited to the villages the user may see the roll of; `village_path` reaches them."""

    village_path = "village"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        villages = permissions.villages_with(request.user, Capability.VIEW_ROLL)
        return queryset.filter(**{f"{self.village_path}__in": villages})


@admin.register(Township)
class TownshipAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "county")
    search_fields = ("name", "name_ug", "code", "county")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=permissions.townships_with(request.user, Capability.MANAGE_ROLES))


@admin.register(Village)
class VillageAdmin(VillageScopedAdmin):
    village_path = "pk"
    list_display = ("name", "code", "township")
    list_filter = ("township",)
    search_fields = ("name", "name_ug", "code")


@admin.register(Household)
class HouseholdAdmin(VillageScopedAdmin):
    list_display = ("number", "village")
    list_filter = ("village",)
    search_fields = ("number", "name_ug")


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdminMixin, VillageScopedAdmin):
    list_display = (
        "name",
        "household",
        "gender",
        "birth_year",
        "id_last4",
        "party_member",
        "representative",
        "active",
    )
    list_filter = ("village", "gender", "party_member", "representative", "active")
    search_fields = ("name", "name_ug", "household__number", "id_last4")
    list_select_related = ("household", "village")


class CadrePostInline(admin.TabularInline):
    model = CadrePost
    extra = 0


@admin.register(Cadre)
class CadreAdmin(VillageScopedAdmin):
    list_display = ("name", "village", "gender", "user")
    list_filter = ("village", "posts__post")
    search_fields = ("name", "name_ug")
    inlines = [CadrePostInline]

    def save_model(self, request, obj, form, change):
        cadre_save(cadre=obj, by=request.user, changed=form.changed_data)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            audit.record(
                actor=request.user,
                action="cadre_posts_change",
                target=form.instance,
                details={"posts": [str(post) for post in form.instance.posts.all()]},
            )

    def get_exclude(self, request, obj=None):
        # Linking a staff account is a superuser's job: the user list is not a township's to browse.
        return () if request.user.is_superuser else ("user",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "village" and not request.user.is_superuser:
            kwargs["queryset"] = permissions.villages_with(request.user, Capability.MANAGE_ROLES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class IdAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks the posted value up again to show a refused form: a value that
    is no row id ('0x1f', or past 64 bits) failed that query with a 500. Only ids are looked up."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [pk for pk in value if parse_int(pk) is not None], attr)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedModelAdmin):
    """Superusers only; township administrators use the staff page, which is scoped."""

    list_display = ("user", "role", "township", "village")
    list_filter = ("role", "township", "village")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_fields:
            kwargs["widget"] = IdAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        granted = role_grant(
            user=obj.user, role=obj.role, township=obj.township, village=obj.village, by=request.user
        )
        obj.pk = granted.pk

    def delete_model(self, request, obj):
        role_revoke(assignment=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            role_revoke(assignment=assignment, by=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("seq", "created_at", "actor_name", "action", "target_label", "scope")
    list_filter = ("action",)
    search_fields = ("actor_name", "action", "target_label", "scope")
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.in_townships(permissions.townships_with(request.user, Capability.VIEW_AUDIT))
