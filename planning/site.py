"""Links that leave the app (e-mails): the path on the address people open the app at.

`settings.SITE_URL` is that address (README, Configuration); a mail never guesses a host or port.
"""

from __future__ import annotations

from django.conf import settings


def site_url(path: str) -> str:
    """The absolute address of `path` (as `reverse()` gives it, starting with "/")."""
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"
