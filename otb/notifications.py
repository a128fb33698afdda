"""E-mail to the people who must decide, through Django's mail backend: the approvals mailer
(`core.approvals.approval_mailer_register`), called after the commit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.urls import reverse

from planning.models import Department
from planning.roles import ADMIN, MANAGER
from planning.site import site_url


def approvers(department_id: int, *, excluding: int | None = None) -> list[User]:
    """Managers (and admins) who may decide for the department, with an e-mail address."""
    managers = (
        User.objects.filter(is_active=True, groups__name__in=[MANAGER, ADMIN]).exclude(email="").distinct()
    )
    return [
        user
        for user in managers.order_by("username")
        if user.pk != excluding and Department.objects.editable_by(user).filter(pk=department_id).exists()
    ]


def approval_mail_send(department_id: int, subject: str, body: str, requested_by: User) -> None:
    """One mail per approver of the department, sent now: `core.approvals` calls it once the
    request committed (the mailer OTB registers in its ready), so a rollback mails no one."""
    recipients = approvers(department_id, excluding=requested_by.pk)
    if not recipients:
        return
    link = site_url(reverse("otb:approvals"))
    text = (
        f"{body}\n\nRequested by {requested_by.get_full_name() or requested_by.username}.\nDecide: {link}\n"
    )
    messages = [
        (f"[Merchplan] {subject}", text, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in recipients
    ]
    send_mass_mail(messages, fail_silently=True)
