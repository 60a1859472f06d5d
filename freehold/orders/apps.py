from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "freehold.orders"
    label = "orders"
    verbose_name = "Orders"
