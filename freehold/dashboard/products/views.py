from django.http import HttpRequest, HttpResponse

from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import render_page


@staff_required("products")
def index(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "dashboard/products/index.html", {"title": "Products", "section": "products"}
    )
