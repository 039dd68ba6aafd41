"""The client's side: no account, just a signed link."""

from django.urls import path

from reattune.checks import public_views

urlpatterns = [
    path("<str:token>/", public_views.check_form, name="check_form"),
]
