from django.urls import path

from reattune.alerts import views

urlpatterns = [
    path("<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("<int:alert_id>/acknowledge/", views.alert_acknowledge_view, name="alert_acknowledge"),
    path("<int:alert_id>/dismiss/", views.alert_dismiss_view, name="alert_dismiss"),
]
