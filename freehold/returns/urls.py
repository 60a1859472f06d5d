from django.urls import path

from freehold.returns import views

urlpatterns = [
    path("account/orders/<str:number>/return", views.return_request, name="return-request"),
    path("withdrawal", views.withdrawal, name="withdrawal"),
    path("withdrawal/received", views.withdrawal_received, name="withdrawal-received"),
]
