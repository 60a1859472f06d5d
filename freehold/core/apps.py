from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "freehold.core"
    label = "core"
    verbose_name = "Core"
