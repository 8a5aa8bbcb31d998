"""Timestamps stored by the models: always timezone-aware UTC."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC (the default for `created_at` columns)."""
    return datetime.now(UTC)
