from django.apps import AppConfig


class WorkerConfig(AppConfig):
    """`reattune worker`: runs queued tasks, retries them, and enqueues the periodic jobs."""

    name = "reattune.worker"
