from django.urls import URLPattern, URLResolver, path

from reattune.accounts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("code/", views.second_factor_verify, name="second_factor_verify"),
    path("sign-in/", views.second_factor_manage, name="second_factor_manage"),
    path("sign-in/set-up/", views.second_factor_enrol, name="second_factor_enrol"),
    path("sign-in/replace/", views.authenticator_replace, name="authenticator_replace"),
    path("sign-in/recovery-codes/", views.recovery_codes_new, name="recovery_codes_new"),
    path("sign-in/recovery-codes/show/", views.recovery_codes_show, name="recovery_codes_show"),
    path(
        "people/<int:person_id>/second-factor/reset/",
        views.second_factor_reset_view,
        name="second_factor_reset",
    ),
]
