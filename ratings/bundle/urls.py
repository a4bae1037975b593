from django.urls import path

from ratings.bundle import views

urlpatterns = [
    path("staff/meetings/<id:pk>/bundle/", views.bundle_download, name="bundle-download"),
    path("staff/bundles/import/", views.bundle_import, name="bundle-import"),
]
