"""Payment endpoints: incoming webhooks, and the built-in test gateway's hosted page.

The webhook endpoint reads the raw body (signatures are computed over the exact bytes) and is
exempt from CSRF: providers post from their servers, and the signature is what authenticates
them. The test page plays the provider: it builds the webhook a real provider would send and
delivers it through `webhook_receive`, the same verified code path, before sending the shopper
back to the store.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from freehold.core.errors import FreeholdError
from freehold.core.money import Money, to_decimal
from freehold.orders.models import Order
from freehold.payments import gateways, services
from freehold.payments.gateways import WebhookRejected
from freehold.payments.testgateway import InvalidSession, Outcome, TestGateway

logger = logging.getLogger(__name__)

OUTCOMES: dict[str, Outcome] = {
    "pay": "pay",
    "decline": "decline",
    "challenge_pass": "challenge_pass",
    "challenge_fail": "challenge_fail",
}


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway_code: str) -> HttpResponse:
    """200 for every event we verified (processed, duplicate or ignored: the provider must stop
    retrying), 400 for one we must not trust, 404 for a gateway this store does not have."""
    try:
        gateways.get(gateway_code)
    except FreeholdError:
        raise Http404("No such payment gateway") from None
    try:
        outcome = services.webhook_receive(
            gateway_code=gateway_code, body=request.body, headers=request.headers
        )
    except WebhookRejected as rejected:
        logger.warning(
            "webhook rejected: gateway=%s reason=%s (%s)",
            gateway_code,
            rejected.code,
            rejected.message,
        )
        return JsonResponse({"error": rejected.code, "message": rejected.message}, status=400)
    return JsonResponse({"result": outcome.result})


def _test_gateway() -> TestGateway:
    try:
        gateway = gateways.get("test")
    except FreeholdError:
        raise Http404("The test gateway is not available") from None
    if not isinstance(gateway, TestGateway):
        raise Http404("The test gateway is not available")
    return gateway


@require_http_methods(["GET", "HEAD", "POST"])
def test_page(request: HttpRequest, session: str) -> HttpResponse:
    """The pretend provider's hosted page: pay, decline, or go through a 3-D Secure step."""
    gateway = _test_gateway()
    try:
        data = gateway.read_session(session)
    except InvalidSession:
        raise Http404("This payment session is not valid") from None
    order = Order.objects.filter(token=data.get("order_token", "")).first()
    step = "start"
    if request.method == "POST":
        choice = request.POST.get("outcome", "")
        if choice == "challenge":
            step = "challenge"
        elif choice in OUTCOMES:
            body, headers = gateway.simulate(session, OUTCOMES[choice])
            services.webhook_receive(gateway_code=gateway.code, body=body, headers=headers)
            response = HttpResponse(status=303)
            response["Location"] = data["return_url"]
            response["Cache-Control"] = "private, no-store"
            return response
    amount = Money(to_decimal(data["amount"]), data["currency"])
    response = render(
        request,
        "payment_test.html",
        {
            "amount": amount,
            "order": order,
            "step": step,
            "cancel_url": data.get("cancel_url", ""),
            "session": session,
        },
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
