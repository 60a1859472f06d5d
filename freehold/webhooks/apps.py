from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "freehold.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
