from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models

from freehold.core import clock


class CustomerManager(BaseUserManager["Customer"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Customer:
        if not email:
            raise ValueError("A customer needs an e-mail address.")
        customer = self.model(email=self.normalize_email(email).lower(), **fields)
        customer.set_password(password)
        customer.save(using=self._db)
        return customer

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> Customer:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class Customer(AbstractBaseUser, PermissionsMixin):
    """Shoppers and staff alike: the e-mail address is the login.

    Staff are customers with `is_staff` and a role: the owner and admins may do everything in
    the dashboard; a staff member only the areas in `staff_permissions`
    (freehold/dashboard/access.py). Superusers count as owners.
    """

    class StaffRole(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        STAFF = "staff", "Staff"

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +4930123456")
    country_code = models.CharField(max_length=2, blank=True, db_index=True)
    language = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    # Consent to marketing e-mail is opt-in (GDPR, ePrivacy): off until the shopper ticks it,
    # with the moment it last changed kept as the record of that choice.
    accepts_marketing = models.BooleanField(default=False)
    accepts_marketing_updated_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    staff_role = models.CharField(max_length=16, choices=StaffRole.choices, blank=True)
    staff_permissions = models.JSONField(default=list, blank=True)
    date_joined = models.DateTimeField(default=clock.now, db_index=True)

    objects = CustomerManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["-date_joined"]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    company = models.CharField(max_length=255, blank=True)
    line1 = models.CharField(max_length=255)
    line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    city_area = models.CharField(max_length=255, blank=True)
    region = models.CharField(max_length=255, blank=True, help_text="State, province, prefecture")
    postal_code = models.CharField(max_length=32, blank=True)
    country_code = models.CharField(max_length=2)
    phone = models.CharField(max_length=32, blank=True)
    is_default = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.line1}, {self.city} {self.country_code}"


class Consent(models.Model):
    """One consent choice, as given or withdrawn: the record GDPR Art. 7(1) asks the store to
    be able to show (who, what, when, how, and the wording they saw).

    The current choice for a subject and purpose is its latest row (`customers.consent`).
    A visitor without an account is identified by the first-party visitor id, or by nothing
    (then the row still proves the banner's answer at that moment).
    """

    class Purpose(models.TextChoices):
        ANALYTICS = "analytics", "Analytics (first-party visitor id)"
        MARKETING = "marketing", "Marketing and advertising (ad platforms' pixels)"
        EMAIL = "email", "Marketing e-mail"
        SALE_SHARING = "sale_sharing", "Sale or sharing of personal information (CCPA)"

    class Source(models.TextChoices):
        BANNER = "banner", "Cookie banner"
        ACCOUNT = "account", "Account page"
        REGISTER = "register", "Registration"
        CHECKOUT = "checkout", "Checkout"
        GPC = "gpc", "Global Privacy Control signal"
        DO_NOT_SELL = "do_not_sell", "Do Not Sell or Share form"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe link"
        IMPORT = "import", "Import"
        STAFF = "staff", "Staff"

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    visitor_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=16, choices=Source.choices)
    wording_version = models.CharField(max_length=32, blank=True)
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "purpose", "recorded_at"]),
            models.Index(
                fields=["visitor_id", "purpose", "recorded_at"],
                condition=~models.Q(visitor_id=""),
                name="consent_visitor_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {'granted' if self.granted else 'withdrawn'} ({self.source})"


class PrivacyRequest(models.Model):
    """A data-subject request and its clock: GDPR (one month, +2 with a reason) and CCPA
    (45 days, +45 with notice). See compliance-rules.md section 3."""

    class Law(models.TextChoices):
        GDPR = "gdpr", "GDPR"
        CCPA = "ccpa", "CCPA/CPRA"

    class Kind(models.TextChoices):
        ACCESS = "access", "Access / copy of the data"
        ERASURE = "erasure", "Erasure / deletion"
        RECTIFICATION = "rectification", "Rectification / correction"
        OPT_OUT = "opt_out", "Opt-out of sale or sharing"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"

    law = models.CharField(max_length=8, choices=Law.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_requests",
    )
    email = models.EmailField()
    details = models.TextField(blank=True)
    received_at = models.DateTimeField(default=clock.now, db_index=True)
    due_at = models.DateTimeField()
    extended_due_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What was done, or why it was refused.")
    # When staff confirmed receipt to the requester (CCPA: within 10 business days), and the
    # day the requester was told of an extension and its reason (both laws ask for that notice).
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    extension_notified_on = models.DateField(null=True, blank=True)
    handled_by = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.law} {self.kind} {self.email} ({self.status})"

    @property
    def deadline(self) -> dt.datetime:
        return self.extended_due_at or self.due_at


class RetentionRule(models.Model):
    """How many days a category of data is kept before `customers.retention.purge` deletes it
    (GDPR Art. 5(1)(e), storage limitation). A category without a row keeps its default
    (`customers.retention.DEFAULT_DAYS`); staff change them under Settings → Privacy."""

    class Category(models.TextChoices):
        EVENTS = "events", "Visitor events (page views, searches, carts)"
        ABANDONED_CARTS = "abandoned_carts", "Abandoned carts"
        IMPORT_FILES = "import_files", "Uploaded import files"
        CLOSED_PRIVACY_REQUESTS = "closed_privacy_requests", "Closed privacy requests"

    category = models.CharField(max_length=32, choices=Category.choices, unique=True)
    days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.category}: {self.days} days"
