"""Marketplace mode: third-party vendors, their verification (INFORM, DSA), sub-orders, money.

Off by default (`MarketplaceSettings.enabled`). The rules' thresholds and periods are data
(`ComplianceRule`, date-effective), never constants in code: the law changes, and a test moves
the clock across a change. A vendor's verification status is never stored: it is derived, in
the same request, from the per-field `VerificationRecord` rows (compliance-rules.md 1.14).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES, Product
from freehold.core import clock


def _money() -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal(0)
    )


class MarketplaceSettings(models.Model):
    """The operator's switches (one row, pk=1)."""

    enabled = models.BooleanField(default=False)
    # DSA Art. 30 applies when traders sell to EU consumers, unless the platform is a micro or
    # small enterprise (Art. 29).
    sells_to_eu_consumers = models.BooleanField(default=True)
    dsa_small_enterprise_exempt = models.BooleanField(default=False)
    # INFORM: reports of suspicious activity by phone as well as electronically.
    report_phone = models.CharField(max_length=32, blank=True)
    default_commission_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("10.00")
    )
    default_commission_fixed = _money()
    payout_interval_days = models.PositiveIntegerField(default=14)

    def __str__(self) -> str:
        return "Marketplace settings"


class ComplianceRule(models.Model):
    """One threshold or period in force from a date: `hvtps_min_sales` = 200 from 2023-06-27.

    Keys (seeded by migration, see rules.py): hvtps_min_sales, hvtps_min_revenue_usd,
    hvtps_window_months, hvtps_lookback_months, info_due_days, verify_due_days,
    certification_interval_days, certification_due_days, suspension_notice_days,
    disclosure_min_revenue_usd, disclosure_window_months, dsa_retention_months,
    dsa_illegal_notice_months.
    """

    key = models.CharField(max_length=64)
    value = models.DecimalField(max_digits=20, decimal_places=4)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "valid_from"], name="compliance_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} from {self.valid_from}"


class Vendor(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        APPLIED = "applied", "Applied"
        ACTIVE = "active", "Active"
        REJECTED = "rejected", "Application rejected"
        TERMINATED = "terminated", "Relationship ended"

    name = models.CharField(max_length=255, help_text="Shown to shoppers (a trading name).")
    handle = models.SlugField(max_length=255, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    is_business = models.BooleanField(default=True, help_text="A trader (not a private seller).")
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    # Where goods ship from and the public contact address (the identity block uses the
    # verified business address record; this is what the vendor typed at onboarding).
    country_code = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=255, blank=True)
    commission_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Empty: the default."
    )
    commission_fixed_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    # Partial disclosure, at the vendor's certified request (INFORM; compliance-rules 1.10).
    residential_address = models.BooleanField(default=False)
    personal_phone_only = models.BooleanField(default=False)
    # When the INFORM counters last made the vendor high-volume (None: not high-volume).
    high_volume_since = models.DateTimeField(null=True, blank=True)
    info_requested_at = models.DateTimeField(null=True, blank=True)
    # A fingerprint of what shoppers last saw of the vendor (marketplace.seller): the daily job
    # re-renders cached pages when only time changed it (day 11, sales leaving the window).
    shown_state = models.CharField(max_length=64, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    invitation_token = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=clock.now)
    terminated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VendorMember(models.Model):
    """A customer account that works for a vendor (its vendor dashboard)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_memberships"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "customer"], name="vendor_member_unique")
        ]


class VendorProduct(models.Model):
    """Which vendor sells a product; a product without a row is the operator's own."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="vendor_link")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="products")
    # Used or refurbished goods do not count towards INFORM's high-volume sales (rule 1.1).
    is_new = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.product_id} by {self.vendor_id}"


class VerificationRecord(models.Model):
    """One piece of a vendor's identity as submitted, and what staff (or a check) made of it.

    The latest record per (vendor, field) is the field's state. Secrets (bank account, tax id,
    ID document number) are stored encrypted (`value_encrypted`, core.crypto) with a masked
    copy for display; reading the full value needs the `marketplace.reveal_vendor_secrets`
    permission and is audit-logged.
    """

    class Field(models.TextChoices):
        LEGAL_NAME = "legal_name", "Full or business name"
        BUSINESS_ADDRESS = "business_address", "Physical address"
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"
        BANK_ACCOUNT = "bank_account", "Bank account (or payee)"
        TAX_ID = "tax_id", "Tax ID"
        IDENTITY_DOCUMENT = "identity_document", "ID document or government record"
        TRADE_REGISTER = "trade_register", "Trade register and number"
        SELF_CERTIFICATION = "self_certification", "Self-certification of compliant products"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="verifications")
    field = models.CharField(max_length=32, choices=Field.choices)
    value_encrypted = models.TextField(blank=True)
    value_masked = models.CharField(max_length=255, blank=True)
    # Plain, non-secret values (name, address, e-mail, phone, register) shown to shoppers.
    value_public = models.TextField(blank=True)
    document = models.FileField(upload_to="vendor-documents/", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    # A code sent to the e-mail or phone: its hash, and when it was confirmed.
    code_hash = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["vendor", "field", "submitted_at"])]
        permissions = [
            ("reveal_vendor_secrets", "Can read vendors' bank and tax details in full"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.field} {self.status}"


class CertificationNotice(models.Model):
    """An INFORM notice to the vendor and its answer: the yearly notice to certify the
    information, the request for missing information, or the notice that partial disclosure
    is lost (rule 1.11: answered when the vendor consents to full disclosure, or closed when
    staff withdraw it; `reason` says why it was sent)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(
        max_length=24,
        choices=[
            ("certify", "Certify yearly"),
            ("missing_info", "Missing information"),
            ("partial_disclosure", "Partial disclosure revoked"),
        ],
        default="certify",
    )
    reason = models.TextField(blank=True)
    sent_at = models.DateTimeField(default=clock.now)
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    changed = models.BooleanField(default=False, help_text="Certified as changed (else unchanged).")

    class Meta:
        ordering = ["-sent_at", "-id"]


class SuspiciousActivityReport(models.Model):
    """A shopper's report about a listing or vendor (INFORM rule 1.12), for staff review."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="reports")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(default=clock.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["reviewed_at", "-created_at"]


class SubOrder(models.Model):
    """The part of an order one vendor fulfils; the shopper still sees and pays one order."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="suborders")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="suborders")
    number = models.CharField(max_length=32, help_text="The order number with a suffix: 1042-A")
    currency = models.CharField(max_length=3)
    subtotal_amount = _money()
    commission_amount = _money()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["order_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "vendor"], name="suborder_vendor_unique")
        ]


class SubOrderLine(models.Model):
    suborder = models.ForeignKey(SubOrder, on_delete=models.CASCADE, related_name="lines")
    order_line = models.OneToOneField(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="suborder_line"
    )


class LedgerEntry(models.Model):
    """Money owed to (positive) or by (negative) a vendor, exact to the cent, in the order's
    currency: a sale, the commission on it, a refund clawed back, a payout."""

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        COMMISSION = "commission", "Commission"
        REFUND = "refund", "Refund clawed back"
        COMMISSION_REFUND = "commission_refund", "Commission returned on a refund"
        PAYOUT = "payout", "Payout"
        ADJUSTMENT = "adjustment", "Adjustment"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=3)
    suborder = models.ForeignKey(
        SubOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    payout = models.ForeignKey(
        "Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    memo = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["vendor", "currency", "created_at"])]


class Payout(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PAID = "paid", "Paid"
        HELD = "held", "Held"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="payouts")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    paid_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    # Why the payout is (or was) held: the vendor's suspension reasons, or the operator's words.
    # Kept after a release, so the vendor's history reads "held: <reason>, released <date>".
    hold_reason = models.TextField(blank=True)
    # The operator chose to keep holding it: the scheduled run does not release it by itself.
    held_by_operator = models.BooleanField(default=False)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payout_not_negative")
        ]


class ProductCompliance(models.Model):
    """A vendor's product-safety information for one product (DSA Art. 31, "compliance by
    design"; the economic operator as GPSR Art. 19 names it), and the operator's random
    check of the live listing afterwards.

    `suspension_reason` non-empty: staff took the listing down after a check; the vendor sees
    the reason and the product cannot go live again until staff clear it.
    """

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="compliance")
    operator_name = models.CharField(max_length=255, blank=True)
    operator_address = models.TextField(blank=True)
    operator_contact = models.CharField(max_length=255, blank=True)
    identification = models.CharField(max_length=255, blank=True)
    trademark = models.CharField(max_length=255, blank=True)
    warnings = models.TextField(blank=True)
    labelling = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(default=clock.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suspension_reason = models.TextField(blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Product safety of {self.product_id}"


class IllegalProductNotice(models.Model):
    """Staff found a product illegal and informed its recent buyers (DSA Art. 32): what they
    were told. One per decision; the buyers informed are `IllegalProductRecipient` rows."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="illegal_notices")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="illegal_notices")
    reason = models.TextField()
    trader_identity = models.TextField()
    redress = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class IllegalProductRecipient(models.Model):
    """One buyer informed about an illegal product: at most once per product and address, so
    sending again informs only buyers not yet informed."""

    notice = models.ForeignKey(
        IllegalProductNotice, on_delete=models.CASCADE, related_name="recipients"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(max_length=254)
    informed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["informed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "email"], name="illegal_product_recipient_once"
            )
        ]
