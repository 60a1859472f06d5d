from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "freehold.customers"
    label = "customers"
    verbose_name = "Customers"
