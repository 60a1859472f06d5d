from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "freehold.api"
    label = "api"
    verbose_name = "API"
