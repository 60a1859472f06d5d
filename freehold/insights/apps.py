from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "freehold.insights"
    label = "insights"
    verbose_name = "Insights: events, segments, scores"
