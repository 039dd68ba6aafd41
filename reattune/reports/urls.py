from django.urls import path

from reattune.reports import views

urlpatterns = [
    path("clients/<int:client_id>/", views.client_report, name="client_report"),
    path("clients/<int:client_id>/pdf/", views.client_report_pdf, name="client_report_pdf"),
]
