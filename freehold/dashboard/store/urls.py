from django.urls import path

from freehold.dashboard.store import pages_views, translations_views, views

urlpatterns = [
    path("", views.index, name="settings"),
    path("details/", views.details, name="settings-details"),
    path("theme/", views.theme, name="settings-theme"),
    path("navigation/", views.navigation, name="settings-navigation"),
    path(
        "navigation/translations/",
        translations_views.navigation,
        name="settings-navigation-translations",
    ),
    path("navigation/<int:item_id>/", views.menu_item, name="settings-menu-item"),
    path(
        "navigation/<int:item_id>/delete/",
        views.menu_item_delete,
        name="settings-menu-item-delete",
    ),
    path("navigation/<int:item_id>/move/", views.menu_item_move, name="settings-menu-item-move"),
    path("pages/", pages_views.index, name="settings-pages"),
    path("pages/new/", pages_views.new, name="settings-page-new"),
    path("pages/featured/", pages_views.featured, name="settings-featured-collections"),
    path("pages/<int:page_id>/", pages_views.edit, name="settings-page"),
    path("pages/<int:page_id>/delete/", pages_views.delete, name="settings-page-delete"),
    path(
        "pages/<int:page_id>/translations/",
        translations_views.page,
        name="settings-page-translations",
    ),
    path("shipping/", views.shipping, name="settings-shipping"),
    path("shipping/zones/new/", views.zone_edit, name="settings-zone-new"),
    path("shipping/zones/<int:zone_id>/", views.zone_edit, name="settings-zone"),
    path("shipping/zones/<int:zone_id>/delete/", views.zone_delete, name="settings-zone-delete"),
    path("shipping/zones/<int:zone_id>/rates/new/", views.rate_edit, name="settings-rate-new"),
    path("shipping/rates/<int:rate_id>/", views.rate_edit, name="settings-rate"),
    path("shipping/rates/<int:rate_id>/delete/", views.rate_delete, name="settings-rate-delete"),
    path("payments/", views.payments, name="settings-payments"),
    path("staff/", views.staff, name="settings-staff"),
    path("staff/invite/", views.staff_invite, name="settings-staff-invite"),
    path("staff/<int:member_id>/", views.staff_edit, name="settings-staff-edit"),
    path("staff/<int:member_id>/active/", views.staff_active, name="settings-staff-active"),
    path("staff/<int:member_id>/resend/", views.staff_resend, name="settings-staff-resend"),
    path("api-tokens/", views.api_tokens, name="settings-api-tokens"),
    path(
        "api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="settings-api-token-revoke",
    ),
    path("webhooks/", views.webhooks, name="settings-webhooks"),
    path("webhooks/<int:subscription_id>/", views.webhook, name="settings-webhook"),
    path(
        "webhooks/<int:subscription_id>/active/",
        views.webhook_active,
        name="settings-webhook-active",
    ),
    path(
        "webhooks/<int:subscription_id>/delete/",
        views.webhook_delete,
        name="settings-webhook-delete",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="settings-webhook-redeliver",
    ),
]
