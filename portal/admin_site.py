"""The Django admin's site, with the one guard its views lack against a forged request."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import TO_FIELD_VAR


class PortalAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        """Every model admin's view, refusing an empty `_to_field`: Django checks the field only when
        the value is not empty, then looks the object up by a field named '' (a 500). A 400 instead."""
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if request.GET.get(TO_FIELD_VAR) == "" or (
                request.method == "POST" and request.POST.get(TO_FIELD_VAR) == ""
            ):
                raise DisallowedModelAdminToField("An empty _to_field names no field.")
            return guarded(request, *args, **kwargs)

        return inner
