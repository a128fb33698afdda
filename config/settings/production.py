"""Production: every secret comes from the environment; refuse to start without it."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS, DATABASE_URL

DEBUG = False
MERCHPLAN_DEMO_ALLOWED = False


def _require_secret_key() -> str:
    key = env_str("SECRET_KEY")
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production settings need a secret of at least 50 random "
            "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    if key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for production: use at least 50 random characters "
            "(not a 'django-insecure' development key)."
        )
    return key


SECRET_KEY = _require_secret_key()

if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Production needs PostgreSQL, e.g. "
        "DATABASE_URL=postgresql://merchplan:PASSWORD@db:5432/merchplan"
    )
if not (env_str("SITE_URL") or env_str("MERCHPLAN_BASE_URL")):
    raise ImproperlyConfigured(
        "SITE_URL is not set. Production mails link to it: the address users open, e.g. "
        "SITE_URL=https://merchplan.example.com"
    )
if env_str("MERCHPLAN_TODAY"):
    raise ImproperlyConfigured("MERCHPLAN_TODAY is for demo and test copies; production runs on today.")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the site is served on (no '*').")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
