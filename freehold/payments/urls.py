from django.urls import path

from freehold.payments import views

urlpatterns = [
    path("test/<str:session>", views.test_page, name="payment-test-page"),
    path("webhooks/<str:gateway_code>", views.webhook, name="payment-webhook"),
]
