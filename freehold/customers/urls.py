from django.urls import path

from freehold.customers import consent_views, privacy_views, views

urlpatterns = [
    path("account/", views.profile, name="account"),
    path("account/password", views.password_change, name="account-password"),
    path("account/login", views.login_view, name="account-login"),
    path("account/logout", views.logout_view, name="account-logout"),
    path("account/register", views.register, name="account-register"),
    path("account/password-reset", views.password_reset, name="account-password-reset"),
    path(
        "account/password-reset/sent",
        views.password_reset_done,
        name="account-password-reset-done",
    ),
    path(
        "account/password-reset/complete",
        views.password_reset_complete,
        name="account-password-reset-complete",
    ),
    path(
        "account/password-reset/<str:uidb64>/<str:token>",
        views.password_reset_confirm,
        name="account-password-reset-confirm",
    ),
    path("account/addresses", views.addresses, name="account-addresses"),
    path("account/addresses/new", views.address_new, name="account-address-new"),
    path("account/addresses/<int:address_id>", views.address_edit, name="account-address"),
    path(
        "account/addresses/<int:address_id>/delete",
        views.address_delete,
        name="account-address-delete",
    ),
    path(
        "account/addresses/<int:address_id>/default",
        views.address_default,
        name="account-address-default",
    ),
    path("account/orders", views.orders, name="account-orders"),
    path("account/orders/<str:number>", views.order, name="account-order"),
    path("account/orders/<str:number>/buy-again", views.buy_again, name="account-buy-again"),
    path("orders/lookup", views.order_lookup, name="order-lookup"),
    path("account/privacy", privacy_views.privacy_page, name="account-privacy"),
    path("account/privacy/delete", privacy_views.delete_account, name="account-delete"),
    path("account/export", privacy_views.export, name="account-export"),
    path("privacy/request", privacy_views.public_request, name="privacy-request"),
    # Consent: the banner's answers, the choices page, Do Not Sell or Share, unsubscribing.
    path("privacy/consent", consent_views.consent_answer, name="privacy-consent"),
    path("privacy/choices", consent_views.privacy_choices, name="privacy-choices"),
    path("privacy/do-not-sell", consent_views.do_not_sell, name="privacy-do-not-sell"),
    path(
        "privacy/do-not-sell/done",
        consent_views.do_not_sell_done,
        name="privacy-do-not-sell-done",
    ),
    path(
        "privacy/unsubscribe/<str:token>",
        consent_views.unsubscribe,
        name="privacy-unsubscribe",
    ),
]
