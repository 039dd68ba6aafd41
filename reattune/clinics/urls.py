from django.contrib.auth import views as auth_views
from django.urls import path

from reattune.accounts.views import SignInView, sign_out
from reattune.clinics import views

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", sign_out, name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_new, name="person_new"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/invite/", views.person_reinvite, name="person_reinvite"),
    path(
        "people/<int:person_id>/supervision/",
        views.person_supervision,
        name="person_supervision",
    ),
    path(
        "supervisions/<int:supervision_id>/end/",
        views.supervision_end_view,
        name="supervision_end",
    ),
]
