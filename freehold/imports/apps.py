from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "freehold.imports"
    label = "imports"
    verbose_name = "Imports and exports"
