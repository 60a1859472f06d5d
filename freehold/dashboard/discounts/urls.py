from django.urls import path

from freehold.dashboard.discounts import views

urlpatterns = [
    path("", views.index, name="discounts"),
    path("new/", views.create, name="discount-create"),
    path("<int:discount_id>/", views.edit, name="discount-edit"),
    path("<int:discount_id>/pause/", views.pause, name="discount-pause"),
    path("<int:discount_id>/resume/", views.resume, name="discount-resume"),
]
