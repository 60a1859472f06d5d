from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

from freehold.api.urls import api
from freehold.customers.auth import AdminLoginForm

# The admin's login counts failed passwords with the storefront's limits (customers/auth.py).
admin.site.login_form = AdminLoginForm

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("dashboard/", include("freehold.dashboard.urls")),
    path("payments/", include("freehold.payments.urls")),
    path("", include("freehold.returns.urls")),
    path("", include("freehold.customers.urls")),
    path("", include("freehold.insights.urls")),
    path("", include("freehold.marketplace.urls")),
    path("", include("freehold.storefront.urls")),
]

if settings.SERVE_FILES:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler404 = "freehold.storefront.views.page_not_found"
handler500 = "freehold.storefront.views.server_error"
