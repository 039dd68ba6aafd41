from django.urls import URLPattern, URLResolver, path

from reattune.worker import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("failed/", views.failed_task_list, name="failed_task_list"),
    path("failed/<uuid:task_id>/retry/", views.failed_task_retry_view, name="failed_task_retry"),
    path(
        "failed/<uuid:task_id>/dismiss/", views.failed_task_dismiss_view, name="failed_task_dismiss"
    ),
]
