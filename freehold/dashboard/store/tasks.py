"""The staff invitation e-mail, sent outside the request like the account e-mails.

The task gets ids, never the set-password token: queued tasks are stored, and a token at rest
would be a password at rest. The link is made when the e-mail is sent.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_staff_invitation(member_id: int, inviter_id: int, base_url: str) -> int:
    from freehold.dashboard.store.services import staff_invitation_send

    return staff_invitation_send(member_id=member_id, inviter_id=inviter_id, base_url=base_url)
