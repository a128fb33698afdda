"""Development and demo: DEBUG on, a fixed insecure key, SQLite and eager tasks by default."""

from config.env import env_bool, env_str
from config.settings.base import *  # noqa: F403

DEBUG = env_bool("DEBUG", default=True)
# Only for local use; production.py refuses any key starting with "django-insecure".
SECRET_KEY = env_str("SECRET_KEY") or "django-insecure-merchplan-development-key-do-not-deploy"
