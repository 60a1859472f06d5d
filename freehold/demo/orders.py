"""Pure, seeded generation of 18 months of demo orders: plain data, no database.

`seed.py` reads the customers and the active variants it has just written, hands them here as
plain values, and writes what comes back. The same seed, inputs and `now` give the same orders.

The shape of the history is what a growing direct-to-consumer brand sees, so reports and
charts have something to show: growth over the months, a summer bump and a busy November and
December, a weekly rhythm (Sunday evening is the best time), a share of customers who come
back two to six times, and guests (checkout without an account) for the rest. Most orders are
paid and shipped; the newest may still wait for a bank transfer or for the warehouse; about
3 % were returned and refunded and 2 % cancelled before payment was taken.

Orders are generated in the order they were placed, one at a time, so a million of them never
sit in memory together: first a compact plan (one integer per order: when, and who), sorted,
then each order's details from one random stream.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from freehold.core.money import minor_unit_exponent
from freehold.demo.generate import _address, ascii_name
from freehold.demo.people_data import COUNTRIES
from freehold.orders.operations import tracking_url_for
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus

DAY = 86_400
HISTORY_DAYS = 548  # 18 months
TAX_RATE = Decimal("0.19")
SHIPPING_FLAT = Decimal("4.90")
FREE_SHIPPING_FROM = Decimal("75")
FEE_RATE = Decimal("0.015")
FEE_FIXED = Decimal("0.25")
CARD_GATEWAY = "test"
BANK_TRANSFER_GATEWAY = "manual"
CANCELLED_SHARE = 0.02
REFUNDED_SHARE = 0.03
# Of the orders placed in the last few days, the share still waiting for a bank transfer.
AWAITING_SHARE = 0.2
AWAITING_DAYS = 4
# The share of orders placed by registered customers when there are enough of them; the rest
# are guest checkouts.
REGISTERED_SHARE = 0.8

# Relative orders per day by month (1 = an average month), by weekday (Monday first) and by
# hour of the day (shop time).
MONTH_FACTORS = {
    1: 0.85, 2: 0.72, 3: 0.9, 4: 0.95, 5: 1.0, 6: 1.15,
    7: 1.25, 8: 1.15, 9: 0.95, 10: 1.05, 11: 1.6, 12: 1.9,
}  # fmt: skip
WEEKDAY_FACTORS = (1.05, 1.0, 0.98, 1.0, 0.92, 0.82, 1.2)
HOUR_WEIGHTS = (
    1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.8, 3.0, 3.1,
    3.3, 3.2, 3.0, 3.0, 3.1, 3.4, 3.9, 4.5, 5.0, 4.6, 3.4, 1.9,
)  # fmt: skip
# Sales grow over the 18 months: the last day sells this many times the first.
GROWTH = 2.2
# Attribution: (utm_source, utm_medium, weight); the campaign follows the season.
ATTRIBUTION = (
    ("instagram", "cpc", 25),
    ("google", "cpc", 30),
    ("newsletter", "email", 15),
    ("", "", 30),
)
CARRIERS = ("DHL", "DHL", "DHL", "UPS")
HOME_COUNTRY = "DE"


@dataclass(frozen=True)
class SellableVariant:
    """What an order line copies from the catalog at the time of sale."""

    variant_id: int
    product_id: int
    product_title: str
    variant_title: str
    sku: str
    price: Decimal
    cost: Decimal | None
    hs_code: str
    country_of_origin: str


@dataclass(frozen=True)
class Buyer:
    """A registered customer as the generator needs them."""

    customer_id: int
    email: str
    language: str
    joined: dt.datetime
    addresses: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class LineSpec:
    variant: SellableVariant
    quantity: int
    subtotal: Decimal
    tax: Decimal


@dataclass(frozen=True)
class PaymentSpec:
    gateway: str
    kind: str
    amount: Decimal
    fee: Decimal | None
    reference: str
    at: dt.datetime


@dataclass(frozen=True)
class FulfilmentSpec:
    status: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipping_cost: Decimal
    shipped_at: dt.datetime
    delivered_at: dt.datetime | None


@dataclass(frozen=True)
class OrderSpec:
    customer_id: int | None
    email: str
    language: str
    shipping_address: dict[str, str]
    lines: tuple[LineSpec, ...]
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    status: str
    payment_status: str
    fulfilment_status: str
    placed_at: dt.datetime
    paid_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    updated_at: dt.datetime
    payments: tuple[PaymentSpec, ...]
    fulfilment: FulfilmentSpec | None
    utm_source: str
    utm_medium: str
    utm_campaign: str

    @property
    def units_sold(self) -> int:
        """Units that count for best-selling sorts: not cancelled, not sent back."""
        if self.status == OrderStatus.CANCELLED or self.payment_status == PaymentStatus.REFUNDED:
            return 0
        return sum(line.quantity for line in self.lines)


def included_tax(gross: Decimal, currency: str) -> Decimal:
    """The VAT inside a tax-inclusive amount, rounded as `checkout.pricing` rounds it."""
    return (gross * TAX_RATE / (1 + TAX_RATE)).quantize(
        minor_unit_exponent(currency), rounding=ROUND_HALF_UP
    )


def day_weights(now: dt.datetime) -> list[float]:
    """Relative orders on each of the last 548 days (oldest first): season, weekday, growth."""
    start = now - dt.timedelta(days=HISTORY_DAYS)
    weights = []
    for index in range(HISTORY_DAYS):
        day = start + dt.timedelta(days=index)
        growth = 1 + (GROWTH - 1) * index / (HISTORY_DAYS - 1)
        weights.append(growth * MONTH_FACTORS[day.month] * WEEKDAY_FACTORS[day.weekday()])
    return weights


class OrderGenerator:
    def __init__(
        self,
        *,
        seed: int,
        now: dt.datetime,
        currency: str,
        buyers: Sequence[Buyer],
        variants: Sequence[SellableVariant],
    ):
        if not variants:
            raise ValueError("Orders need at least one variant to sell.")
        self.rng = random.Random(f"freehold-demo-{seed}-orders")
        self.now = now
        self.start = now - dt.timedelta(days=HISTORY_DAYS)
        self.currency = currency
        self.unit = minor_unit_exponent(currency)
        self.buyers = buyers
        self.day_cumulative = list(accumulate(day_weights(now)))
        self.hour_cumulative = list(accumulate(HOUR_WEIGHTS))
        # A few bestsellers and a long tail: product popularity falls off with a random rank.
        product_ids = sorted({variant.product_id for variant in variants})
        ranks = list(range(1, len(product_ids) + 1))
        self.rng.shuffle(ranks)
        popularity = {pk: 1 / rank**0.8 for pk, rank in zip(product_ids, ranks, strict=True)}
        self.variants = list(variants)
        self.variant_cumulative = list(
            accumulate(popularity[variant.product_id] for variant in self.variants)
        )
        self.guest_countries = list(COUNTRIES)
        self.guest_weights = list(accumulate(country.weight for country in COUNTRIES))

    # The plan: when each order was placed and by whom ------------------------------------------

    def _seconds_from_start(self, earliest: int) -> int:
        """A moment after `earliest` (seconds from the start), following the day weights and hours.

        A customer who joined in the evening may order later that day, never before joining.
        """
        earliest_day = earliest // DAY
        low = self.day_cumulative[earliest_day - 1] if earliest_day > 0 else 0.0
        point = low + self.rng.random() * (self.day_cumulative[-1] - low)
        day = min(bisect.bisect_right(self.day_cumulative, point), HISTORY_DAYS - 1)
        point = self.rng.random() * self.hour_cumulative[-1]
        hour = min(bisect.bisect_right(self.hour_cumulative, point), 23)
        moment = day * DAY + hour * 3600 + self.rng.randrange(3600)
        if moment <= earliest:
            moment = earliest + self.rng.randrange(60, 4 * 3600)
        return min(moment, HISTORY_DAYS * DAY - 1)

    def plan(self, count: int) -> list[int]:
        """One integer per order, sorted by time: seconds since the start << 24 | buyer.

        Buyer numbers index `buyers`; the number `len(buyers)` and above mean a guest (their
        details are made up when the order is generated). Registered customers order once, or
        two to six times (never before they joined, and at most about once every three weeks
        since); a quarter never order.
        """
        history = HISTORY_DAYS * DAY
        wanted: list[tuple[int, int]] = []
        for number, buyer in enumerate(self.buyers):
            roll = self.rng.random()
            times = 0 if roll < 0.25 else 1 if roll < 0.7 else self.rng.randint(2, 6)
            joined = max(0, int((buyer.joined - self.start).total_seconds()))
            if joined >= history:
                continue
            times = min(times, 1 + (history - joined) // (21 * DAY))
            wanted += [(number, joined)] * times
        self.rng.shuffle(wanted)
        registered = wanted[: round(count * REGISTERED_SHARE)]
        guest = len(self.buyers)
        keys = [self._seconds_from_start(joined) << 24 | number for number, joined in registered]
        keys += [self._seconds_from_start(0) << 24 | guest for _ in range(count - len(keys))]
        keys.sort()
        return keys

    # Each order in detail ----------------------------------------------------------------------

    def orders(self, count: int) -> Iterator[OrderSpec]:
        for key in self.plan(count):
            number = key & 0xFFFFFF
            placed = self.start + dt.timedelta(seconds=key >> 24)
            yield self.order(placed=min(placed, self.now), buyer_number=number)

    def _guest(self) -> tuple[str, str, dict[str, str]]:
        point = self.rng.random() * self.guest_weights[-1]
        country = self.guest_countries[bisect.bisect_right(self.guest_weights, point)]
        first, last = self.rng.choice(country.given_names), self.rng.choice(country.family_names)
        address = _address(self.rng, country, first, last, phone="", is_default=True)
        fields = {name: value for name, value in address.__dict__.items() if name != "is_default"}
        email = f"{ascii_name(first)}.{ascii_name(last)}.{self.rng.randrange(10**6)}@example.net"
        return email, country.language, fields

    def _lines(self) -> tuple[LineSpec, ...]:
        count = self.rng.choices((1, 2, 3, 4), (55, 27, 12, 6))[0]
        chosen: dict[int, SellableVariant] = {}
        for _ in range(count * 3):
            if len(chosen) == count:
                break
            point = self.rng.random() * self.variant_cumulative[-1]
            index = min(bisect.bisect_right(self.variant_cumulative, point), len(self.variants) - 1)
            chosen.setdefault(index, self.variants[index])
        lines = []
        for variant in chosen.values():
            quantity = self.rng.choices((1, 2, 3), (85, 12, 3))[0]
            subtotal = (variant.price * quantity).quantize(self.unit, rounding=ROUND_HALF_UP)
            lines.append(
                LineSpec(
                    variant=variant,
                    quantity=quantity,
                    subtotal=subtotal,
                    tax=included_tax(subtotal, self.currency),
                )
            )
        return tuple(lines)

    def _after(self, moment: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        return moment + dt.timedelta(seconds=round(self.rng.uniform(low_hours, high_hours) * 3600))

    def _tracking(self, carrier: str) -> str:
        if carrier == "UPS":
            letters = "".join(self.rng.choices("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", k=6))
            return f"1Z{letters}{self.rng.randrange(10**10):010d}"
        return f"00340434{self.rng.randrange(10**12):012d}"

    def _campaign(self, placed: dt.datetime, source: str) -> str:
        if not source:
            return ""
        if source == "newsletter":
            return f"newsletter-{placed:%Y-%m}"
        if placed.month == 11:
            return "black-friday"
        if placed.month == 12:
            return "holiday-gifts"
        if placed.month in (6, 7, 8):
            return "summer"
        return "always-on"

    def order(self, *, placed: dt.datetime, buyer_number: int) -> OrderSpec:
        rng = self.rng
        customer_id: int | None
        if buyer_number < len(self.buyers):
            buyer = self.buyers[buyer_number]
            customer_id, email, language = buyer.customer_id, buyer.email, buyer.language
            address = dict(rng.choice(buyer.addresses)) if buyer.addresses else {}
        else:
            customer_id = None
            email, language, address = self._guest()
        lines = self._lines()
        subtotal = sum((line.subtotal for line in lines), Decimal(0))
        shipping = Decimal(0) if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FLAT
        tax = sum((line.tax for line in lines), Decimal(0)) + included_tax(shipping, self.currency)
        total = subtotal + shipping
        source, medium = rng.choices(
            [(source, medium) for source, medium, _ in ATTRIBUTION],
            [weight for _, _, weight in ATTRIBUTION],
        )[0]

        status = OrderStatus.OPEN
        payment_status = PaymentStatus.PAID
        fulfilment_status = FulfilmentStatus.UNFULFILLED
        paid_at: dt.datetime | None = None
        cancelled_at: dt.datetime | None = None
        payments: list[PaymentSpec] = []
        fulfilment: FulfilmentSpec | None = None
        reference = f"demo_{rng.getrandbits(64):016x}"
        recent = self.now - placed < dt.timedelta(days=AWAITING_DAYS)
        cancelled = self._after(placed, 0.5, 30)
        if recent and rng.random() < AWAITING_SHARE:
            # Bank transfer: nothing has arrived yet, nothing has been shipped.
            payment_status = PaymentStatus.AWAITING_PAYMENT
        elif rng.random() < CANCELLED_SHARE and cancelled < self.now:
            # Cancelled before the capture: the authorisation is voided, nothing was charged.
            status, payment_status = OrderStatus.CANCELLED, PaymentStatus.VOIDED
            cancelled_at = cancelled
            payments.append(PaymentSpec(CARD_GATEWAY, "authorise", total, None, reference, placed))
            payments.append(PaymentSpec(CARD_GATEWAY, "void", total, None, reference, cancelled))
        else:
            paid_at = placed + dt.timedelta(seconds=rng.randrange(5, 90))
            fee = (total * FEE_RATE + FEE_FIXED).quantize(self.unit, rounding=ROUND_HALF_UP)
            payments.append(PaymentSpec(CARD_GATEWAY, "capture", total, fee, reference, paid_at))
            shipped = self._after(paid_at, 4, 60)
            returned = rng.random() < REFUNDED_SHARE
            if shipped < self.now:
                carrier = rng.choice(CARRIERS)
                tracking = self._tracking(carrier)
                delivered: dt.datetime | None = self._after(shipped, 24, 24 * 5)
                if delivered is not None and delivered >= self.now:
                    delivered = None
                domestic = address.get("country_code") == HOME_COUNTRY
                fulfilment = FulfilmentSpec(
                    status="delivered" if delivered else "shipped",
                    carrier=carrier,
                    tracking_number=tracking,
                    tracking_url=tracking_url_for(carrier=carrier, tracking_number=tracking),
                    shipping_cost=Decimal("4.20") if domestic else Decimal("8.90"),
                    shipped_at=shipped,
                    delivered_at=delivered,
                )
                fulfilment_status = FulfilmentStatus.FULFILLED
                refund_at = self._after(delivered, 24, 24 * 14) if delivered else None
                if refund_at is not None and refund_at < self.now and returned:
                    # Sent back and refunded in full (returns happen after delivery only).
                    payment_status = PaymentStatus.REFUNDED
                    fulfilment_status = FulfilmentStatus.RETURNED
                    payments.append(
                        PaymentSpec(CARD_GATEWAY, "refund", total, None, reference, refund_at)
                    )
        moments = [placed, *(payment.at for payment in payments)]
        if fulfilment is not None:
            moments.append(fulfilment.delivered_at or fulfilment.shipped_at)
        return OrderSpec(
            customer_id=customer_id,
            email=email,
            language=language,
            shipping_address=address,
            lines=lines,
            subtotal=subtotal,
            shipping=shipping,
            tax=tax,
            total=total,
            status=status,
            payment_status=payment_status,
            fulfilment_status=fulfilment_status,
            placed_at=placed,
            paid_at=paid_at,
            cancelled_at=cancelled_at,
            updated_at=max(moments),
            payments=tuple(payments),
            fulfilment=fulfilment,
            utm_source=source,
            utm_medium=medium,
            utm_campaign=self._campaign(placed, source),
        )


def generate_orders(
    *,
    count: int,
    seed: int,
    now: dt.datetime,
    currency: str,
    buyers: Sequence[Buyer],
    variants: Sequence[SellableVariant],
) -> Iterator[OrderSpec]:
    """`count` orders placed over the 548 days before `now`, oldest first."""
    if count <= 0:
        return iter(())
    generator = OrderGenerator(
        seed=seed, now=now, currency=currency, buyers=buyers, variants=variants
    )
    return generator.orders(count)
