from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True  # the app's own, beside the admin's below
    name = "portal"
    verbose_name = _("Registry and administration")

    def ready(self):
        from axes.signals import user_locked_out
        from django.urls import register_converter

        from portal.groups import sync_role_groups
        from portal.lockout import record_lockout
        from portal.params import IdConverter

        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="portal.sync_role_groups")
        user_locked_out.connect(record_lockout, dispatch_uid="portal.record_lockout")
        # `<id:pk>` in every app's URLs: registered here, before any URLconf is read.
        register_converter(IdConverter, "id")


class PortalAdminConfig(admin_apps.AdminConfig):
    """The Django admin, on the portal's own site (portal.admin_site); named in INSTALLED_APPS."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
