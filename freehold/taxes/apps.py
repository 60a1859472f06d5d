from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "freehold.taxes"
    label = "taxes"
    verbose_name = "Taxes and duties"

    def ready(self) -> None:
        from freehold.taxes import signals  # noqa: F401 - connects the rule-change receivers
