from django.apps import AppConfig


class EthicsConfig(AppConfig):
    name = "reattune.ethics"

    def ready(self) -> None:
        # Load every ethics file now, so a broken one stops start-up with its name and line
        # rather than leaving a repair without the obligations it should list.
        from reattune.ethics import registry

        registry.reload()
