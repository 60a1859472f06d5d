"""Sending account e-mails outside the request.

The task gets the customer's id, never a token: queued tasks are stored (as JSON, perhaps in
a database), and a reset token at rest would be a password at rest. The link is made when the
e-mail is sent.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from freehold.customers import emails


@task()
def send_password_reset_email(customer_id: int, base_url: str) -> int:
    return emails.send_password_reset(customer_id=customer_id, base_url=base_url)


def queue_password_reset_email(*, customer_id: int, base_url: str) -> None:
    """Send a reset link once the current transaction (if any) commits."""
    transaction.on_commit(lambda: send_password_reset_email.enqueue(customer_id, base_url))
