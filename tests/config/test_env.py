"""config.env: DATABASE_URL parsing and the typed environment readers name the variable at fault."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int, env_list, env_str, redis_url_checked


def test_database_from_url_postgresql() -> None:
    config = database_from_url("postgresql://merch:s3cret@db.example.com:5433/merchplan")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "merchplan"
    assert config["HOST"] == "db.example.com"
    assert config["PORT"] == 5433
    assert config["USER"] == "merch"
    assert config["PASSWORD"] == "s3cret"
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True


def test_database_from_url_postgres_alias_and_conn_max_age() -> None:
    config = database_from_url("postgres://db/merchplan", conn_max_age=0)

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("merchplan", "db", "")
    assert config["CONN_MAX_AGE"] == 0
    assert config["CONN_HEALTH_CHECKS"] is True


def test_database_from_url_sqlite() -> None:
    config = database_from_url("sqlite:////srv/merchplan/db.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/merchplan/db.sqlite3"
    # Health checks are a PostgreSQL concern; SQLite keeps dj-database-url's default.
    assert config["CONN_HEALTH_CHECKS"] is False


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("mysql://x/y", "scheme 'mysql'"),
        ("postgresql://host", "names no database"),
        ("postgresql://host/", "names no database"),
        ("not a url", "scheme '(none)'"),
        ("postgresql://db:notaport/merchplan", "not a valid url"),
    ],
)
def test_database_from_url_rejects_malformed_urls(url: str, detail: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        database_from_url(url)

    message = str(raised.value)
    assert "DATABASE_URL" in message
    assert detail in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("ON", True), ("0", False), ("off", False), ("", False)],
)
def test_env_bool_values(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("MERCHPLAN_TEST_FLAG", raw)

    assert env_bool("MERCHPLAN_TEST_FLAG", default=not expected) is expected


def test_env_bool_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCHPLAN_TEST_FLAG", raising=False)

    assert env_bool("MERCHPLAN_TEST_FLAG", default=True) is True


def test_env_bool_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCHPLAN_TEST_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match=r"^MERCHPLAN_TEST_FLAG must be a boolean .*'maybe'"):
        env_bool("MERCHPLAN_TEST_FLAG", default=False)


def test_env_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCHPLAN_TEST_INT", " 42 ")
    assert env_int("MERCHPLAN_TEST_INT", default=7) == 42

    monkeypatch.setenv("MERCHPLAN_TEST_INT", "  ")
    assert env_int("MERCHPLAN_TEST_INT", default=7) == 7


def test_env_int_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CONN_MAX_AGE", "sixty")

    with pytest.raises(ImproperlyConfigured, match=r"^DB_CONN_MAX_AGE must be an integer, got 'sixty'"):
        env_int("DB_CONN_MAX_AGE", default=60)


def test_env_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example.com, ,b.example.com,")
    assert env_list("ALLOWED_HOSTS", default=["localhost"]) == ["a.example.com", "b.example.com"]

    monkeypatch.delenv("ALLOWED_HOSTS")
    default = ["localhost"]
    result = env_list("ALLOWED_HOSTS", default=default)
    assert result == ["localhost"]
    assert result is not default  # callers may mutate their copy


def test_env_list_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    # A list of nothing but separators is not a usable value: it must not pass silently as [].
    monkeypatch.setenv("ALLOWED_HOSTS", " , ,")

    with pytest.raises(
        ImproperlyConfigured, match=r"^ALLOWED_HOSTS must be a comma-separated list, got ', ,'"
    ):
        env_list("ALLOWED_HOSTS", default=["localhost"])


def test_env_str_blank_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCHPLAN_TEST_STR", "   ")
    assert env_str("MERCHPLAN_TEST_STR", "fallback") == "fallback"

    monkeypatch.setenv("MERCHPLAN_TEST_STR", " value ")
    assert env_str("MERCHPLAN_TEST_STR") == "value"


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example.com:6380/1"])
def test_redis_url_checked_accepts(url: str) -> None:
    assert redis_url_checked(url) == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/0", "redis://", "localhost:6379", "127.0.0.1"])
def test_redis_url_checked_bad_value_names_redis_url(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^REDIS_URL is malformed") as raised:
        redis_url_checked(url)

    assert repr(url) in str(raised.value)
