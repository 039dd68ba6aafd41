from django.urls import path

from reattune.ethics import views

urlpatterns = [
    path("", views.ethics_settings, name="ethics_settings"),
]
