from django.urls import path

from reattune.checks import views

urlpatterns = [
    path("sessions/<int:session_id>/", views.session_checks, name="session_checks"),
    path(
        "sessions/<int:session_id>/participants/<int:participant_id>/link/",
        views.link_create,
        name="link_create",
    ),
    path("links/<int:link_id>/email/", views.link_email, name="link_email"),
]
