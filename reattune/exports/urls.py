from django.urls import URLPattern, URLResolver, path

from reattune.exports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.export_home, name="export_home"),
    path("clinic.csv", views.export_clinic_csv, name="export_clinic_csv"),
    path("clinic.fhir.json", views.export_clinic_fhir, name="export_clinic_fhir"),
    path("clients/<int:client_id>/", views.export_client, name="export_client"),
    path(
        "clients/<int:client_id>/data.zip",
        views.export_client_package,
        name="export_client_package",
    ),
    path("clients/<int:client_id>/erase/", views.client_erase_view, name="client_erase"),
]
