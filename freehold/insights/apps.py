from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "freehold.insights"
    label = "insights"
    verbose_name = "Insights: events, segments, scores"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from freehold.insights.profiles import merge_guest_events

        # A guest who registers or logs in: their earlier events become the customer's.
        user_logged_in.connect(
            merge_guest_events, dispatch_uid="freehold.insights.merge_guest_events"
        )
