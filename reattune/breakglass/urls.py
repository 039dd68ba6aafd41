from django.urls import URLPattern, URLResolver, path

from reattune.breakglass import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.request_access, name="breakglass_request"),
    path("<int:grant_id>/end/", views.end, name="breakglass_end"),
    path("grants/", views.grants, name="breakglass_grants"),
    path("grants/<int:grant_id>/revoke/", views.revoke, name="breakglass_revoke"),
]
