"""Sending the withdrawal acknowledgement outside the request, once the withdrawal is committed.

"Without undue delay" (CRD Art. 11a): the task is enqueued on commit, so the record it reads
exists, and a rolled-back submission acknowledges nothing.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from freehold.returns import emails
from freehold.returns.models import Withdrawal


@task()
def send_withdrawal_acknowledgement(withdrawal_id: int) -> int:
    return emails.send(withdrawal_id=withdrawal_id)


def queue_withdrawal_acknowledgement(withdrawal: Withdrawal) -> None:
    """Send the acknowledgement for `withdrawal` once the current transaction commits."""
    withdrawal_id = withdrawal.pk
    transaction.on_commit(lambda: send_withdrawal_acknowledgement.enqueue(withdrawal_id))
