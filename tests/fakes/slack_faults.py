"""Lost answers in the Slack fake: the call is carried out, but the answer never reaches the bot.

``lose_answers(slack, "chat.postMessage", times=1)``: the next call is handled as usual (by whatever handles
it now: the fake itself or an installed handler such as ``ChannelLimits``) and then answered with HTTP 500
``internal_error``, as when Slack's answer is lost on the way back: the bot cannot know the post was made.
"""

from __future__ import annotations

import inspect
from typing import Any

from tests.fakes.slack import Call, FakeSlackError, FakeSlackWebAPI, _Ctx


def lose_answers(slack: FakeSlackWebAPI, method: str, *, times: int = 1) -> None:
    """Carry out the next `times` calls of `method`, but answer each with a 500."""
    previous = slack._handlers.get(method)
    left = [times]

    async def carried_out_then_lost(call: Call) -> dict[str, Any]:
        if previous is not None:
            result = previous(call)
            answer = await result if inspect.isawaitable(result) else result
        else:
            team = slack._authenticate(call.method, call.token)
            builtin = getattr(slack, "_m_" + method.replace(".", "_"))
            answer = builtin(call.args, _Ctx(call, call.token, team, call.headers))
        if left[0] > 0:
            left[0] -= 1
            raise FakeSlackError("internal_error", status=500)
        return answer

    slack.on(method, carried_out_then_lost)
