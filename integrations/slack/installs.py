"""The app's installations as bolt sees them: the database store, bolt's own revocation listeners, and the
pages a person sees at the end of an OAuth installation.

When a workspace revokes the app's tokens or uninstalls it, bolt's listeners (`enable_token_revocation_listeners`)
delete what the store holds for it; this store then also makes the adapter forget the workspace's cached Web API
client and people, so nothing more is sent with a token that no longer works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.response import BoltResponse

from integrations.slack.stores import DatabaseInstallationStore

log = logging.getLogger(__name__)


class InstallationStore(DatabaseInstallationStore):
    """The database installation store, which calls `forget(workspace)` after deleting anything of a workspace."""

    def __init__(self, *args: Any, forget: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._forget = forget

    def _forget_all(self, enterprise_id: str | None, team_id: str | None) -> None:
        for workspace in (team_id, enterprise_id):
            if workspace:
                self._forget(workspace)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None,
                               is_enterprise_install: bool | None = False) -> None:
        await super().async_delete_bot(enterprise_id=enterprise_id, team_id=team_id,
                                       is_enterprise_install=is_enterprise_install)
        log.info("Slack: the bot's token was revoked in %s (org %s): forgotten", team_id or "-", enterprise_id or "-")
        self._forget_all(enterprise_id, team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await super().async_delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        self._forget_all(enterprise_id, team_id)


async def install_success(args: Any) -> BoltResponse:
    """After a workspace installed the app: a short page, in English (we do not know the person yet)."""
    installation = args.installation
    log.info("Slack: installation completed for %s", installation.team_id or installation.enterprise_id)
    body = ("<html><body><h1>ICC Bot is installed</h1><p>Open Slack and type <code>/help</code> in any channel."
            "</p></body></html>")
    return BoltResponse(status=200, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


async def install_failure(args: Any) -> BoltResponse:
    """The installation did not complete (an expired or reused link, a refusal): say so, and how to start again."""
    log.warning("Slack: installation failed: %s", args.reason)
    body = ("<html><body><h1>The installation did not complete</h1><p>The link may have expired or been used "
            "already. Please start again from the install page.</p></body></html>")
    return BoltResponse(status=args.suggested_status_code, body=body,
                        headers={"Content-Type": "text/html; charset=utf-8"})
