from django.urls import URLPattern, URLResolver, path

from reattune.imports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.import_list, name="import_list"),
    path("<int:job_id>/", views.import_detail, name="import_detail"),
    path("<int:job_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:job_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("<int:job_id>/progress/", views.import_progress, name="import_progress"),
]
