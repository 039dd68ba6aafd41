from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "reattune.measures"

    def ready(self) -> None:
        from reattune.measures import registry

        registry.reload()
