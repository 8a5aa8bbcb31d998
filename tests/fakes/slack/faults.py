"""Faults a test injects into the Slack fake: errors, 429s, revoked tokens."""

from __future__ import annotations

from typing import Any


class FaultsMixin:
    """Fault injection."""

    # ---------------------------------------------------------------- fault injection

    def fail_next(self, method: str, error: str = "channel_not_found", *, times: int = 1, **extra: Any) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error, **extra}``."""
        for _ in range(times):
            self._failures[method].append((error, extra))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 429 with ``Retry-After``."""
        for _ in range(times):
            self._rate_limits[method].append(retry_after)

    def set_token_revoked(self, token: str, revoked: bool = True, *, error: str = "token_revoked") -> None:
        """Every call with ``token`` answers ``error`` (``token_revoked`` or ``invalid_auth``)."""
        if revoked:
            self._revoked[token] = error
        else:
            self._revoked.pop(token, None)

