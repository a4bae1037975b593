from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
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
