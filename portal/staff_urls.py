from django.urls import path

from portal.views import accounts, audit, lockouts, roles, roll, staff, supervision, venue_keys

app_name = "staff"

urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
    path("audit/", audit.audit_log, name="audit"),
    path("lockouts/", lockouts.lockout_list, name="lockouts"),
    path("lockouts/<id:pk>/unlock/", lockouts.lockout_unlock, name="lockout-unlock"),
    path("v/<str:code>/roll/", roll.roll_list, name="roll"),
    path("v/<str:code>/roll/import/", roll.roll_import, name="roll-import"),
    path("v/<str:code>/roll/template.csv", roll.roll_template, name="roll-template"),
    path("v/<str:code>/roles/", roles.role_list, name="roles"),
    path("v/<str:code>/roles/<id:pk>/revoke/", roles.role_revoke, name="role-revoke"),
    path("v/<str:code>/accounts/", accounts.account_list, name="accounts"),
    path("v/<str:code>/accounts/<id:pk>/", accounts.account_detail, name="account"),
    path("v/<str:code>/accounts/<id:pk>/active/", accounts.account_active, name="account-active"),
    path("v/<str:code>/accounts/<id:pk>/password/", accounts.account_password, name="account-password"),
    path("v/<str:code>/supervision/", supervision.committee, name="supervision"),
    path("v/<str:code>/supervision/<id:pk>/chair/", supervision.committee_chair, name="supervision-chair"),
    path("v/<str:code>/supervision/<id:pk>/remove/", supervision.committee_remove, name="supervision-remove"),
    path("v/<str:code>/laptops/", venue_keys.key_list, name="venue-keys"),
    path("v/<str:code>/laptops/<id:pk>/revoke/", venue_keys.key_revoke, name="venue-key-revoke"),
]
