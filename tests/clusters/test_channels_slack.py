"""A cluster on Slack, through the real bolt app against the Slack fake: its channel made when a city with people
on Slack joins, its people invited, removed when their city leaves; an archived, deleted or lost channel is
said clearly and changes nothing; and the yearly report, from the prompt's button to the ICC team's view."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.messages import Identity
from bot.models import ClusterChannel, Role
from bot.ports import CHANNEL_ARCHIVED
from bot.services.clusters import ClusterDraft
from bot.services.clusters.reports import REPORT_ACTION
from tests.clusters.platforms import slack_served
from tests.fakes import slack_channels
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, Slack, message_text

ANA, JOAN, GIULIA, IVANA = "U0ANA0001", "U0JOAN001", "U0GIULIA1", "U0IVANA01"


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackWebAPI]:
    async with FakeSlackWebAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as api:
        for user, name in ((ANA, "ana"), (JOAN, "joan"), (GIULIA, "giulia"), (IVANA, "ivana")):
            api.add_user(user, name=name, locale="en-US")
        slack_channels.serve_channel_admin(api)
        yield api


@pytest.fixture
async def slack(database_url: str, tmp_path: Path, slack_api: FakeSlackWebAPI) -> AsyncIterator[Slack]:
    people = [("slack", DEFAULT_TEAM_ID, user, city, role) for user, city, role in (
        (ANA, "Lisbon", Role.coordinator), (JOAN, "Barcelona", Role.coordinator), (GIULIA, "Lisbon", Role.member),
        (IVANA, None, Role.icc_team))]
    async with slack_served(database_url, tmp_path, slack_api, people) as harness:
        services = harness.core.services
        ivana = services.members.find(Identity("slack", DEFAULT_TEAM_ID, IVANA))
        assert ivana is not None
        cluster = services.clusters.create(ClusterDraft(name="Anti-rumours"), by=ivana)
        services.clusters.join(cluster, services.cities.resolve("Barcelona"))
        yield harness


def cluster_channel(slack: Slack) -> ClusterChannel:
    cluster = slack.core.services.clusters.find("anti-rumours")
    assert cluster is not None
    [row] = slack.core.services.cluster_channels.channels(cluster.id or 0)
    return row


async def test_a_city_joining_makes_the_channel_and_invites_its_people_and_leaving_removes_them(
        slack: Slack) -> None:
    await slack.command("/cluster", "join anti-rumours", user_id=ANA)
    assert "Lisbon joined Anti-rumours." in slack.last_answer_text()
    assert "#anti-rumours (Slack)" in slack.last_answer_text()
    [created] = slack.fake.calls_to("conversations.create")
    assert created.args["name"] == "anti-rumours"
    row = cluster_channel(slack)
    assert sorted(slack.fake.members(row.channel_id)) == sorted([slack.fake.bot_user_id, ANA, JOAN, GIULIA])
    await slack.command("/cluster", "join anti-rumours", user_id=ANA)
    assert "Lisbon is already in Anti-rumours." in slack.last_answer_text()
    assert len(slack.fake.calls_to("conversations.create")) == 1
    await slack.command("/cluster", "leave anti-rumours", user_id=ANA)
    assert "Lisbon left Anti-rumours." in slack.last_answer_text()
    assert sorted(slack.fake.members(row.channel_id)) == sorted([slack.fake.bot_user_id, JOAN])
    for call in slack.fake.calls_to("chat.postMessage"):
        assert "<!" not in str(call.args.get("text"))  # nobody pinged


async def test_a_channel_of_that_name_already_there_is_linked_not_made_twice(slack: Slack) -> None:
    existing = slack.fake.add_channel("anti-rumours", members=[slack.fake.bot_user_id])
    await slack.command("/cluster", "join anti-rumours", user_id=ANA)
    assert slack.fake.calls_to("conversations.create") == []
    assert cluster_channel(slack).channel_id == existing
    assert ANA in slack.fake.members(existing)


async def test_an_archived_channel_is_said_and_nothing_else_changes(slack: Slack) -> None:
    await slack.command("/cluster", "join anti-rumours", user_id=ANA)
    row = cluster_channel(slack)
    slack_channels.archive(slack.fake, row.channel_id)
    await slack.command("/cluster", "leave anti-rumours", user_id=JOAN)
    answer = slack.last_answer_text()
    assert "Barcelona left Anti-rumours." in answer
    assert "#anti-rumours on Slack is archived" in answer and "/cluster link" in answer
    assert cluster_channel(slack).state == CHANNEL_ARCHIVED
    # Linking an archived channel by hand is refused, and the cluster keeps its channel row as it was.
    other = slack.fake.add_channel("old-rumours", members=[slack.fake.bot_user_id], is_archived=True)
    await slack.command("/cluster", "link anti-rumours", user_id=IVANA, channel_id=other)
    assert "#old-rumours on Slack is archived" in slack.last_answer_text() or "is archived" in slack.last_answer_text()
    assert cluster_channel(slack).channel_id == row.channel_id
    # A working channel replaces it.
    fresh = slack.fake.add_channel("rumours-2", members=[slack.fake.bot_user_id])
    await slack.command("/cluster", "link anti-rumours", user_id=IVANA, channel_id=fresh)
    assert "This is now a channel of Anti-rumours" in slack.last_answer_text()
    assert cluster_channel(slack).channel_id == fresh and cluster_channel(slack).state == "ok"
    assert ANA in slack.fake.members(fresh) and GIULIA in slack.fake.members(fresh)


async def test_a_deleted_channel_or_a_bot_removed_from_a_private_one_is_said(slack: Slack) -> None:
    await slack.command("/cluster", "join anti-rumours", user_id=ANA)
    row = cluster_channel(slack)
    slack_channels.delete(slack.fake, row.channel_id)
    await slack.command("/cluster", "leave anti-rumours", user_id=ANA)
    assert "was deleted" in slack.last_answer_text()
    private = slack.fake.add_channel("rumours-private", is_private=True, members=[slack.fake.bot_user_id])
    await slack.command("/cluster", "link anti-rumours", user_id=IVANA, channel_id=private)
    assert "This is now a channel of Anti-rumours" in slack.last_answer_text()
    slack_channels.remove_bot(slack.fake, private)
    await slack.command("/cluster", "join anti-rumours", user_id=ANA)
    answer = slack.last_answer_text()
    assert "Lisbon joined Anti-rumours." in answer and "I was removed from" in answer
    assert ANA not in slack.fake.members(private)


async def test_only_coordinators_of_the_cluster_link_a_channel(slack: Slack) -> None:
    await slack.command("/cluster", "link anti-rumours", user_id=ANA)
    assert "Only the coordinators of Anti-rumours and the ICC team can change it." in slack.last_answer_text()
    assert slack.core.services.cluster_channels.channels(
        slack.core.services.clusters.find("anti-rumours").id or 0) == []  # type: ignore[union-attr]


async def test_the_yearly_report_on_slack_prompt_form_and_the_icc_teams_view(slack: Slack) -> None:
    services = slack.core.services
    cluster = services.clusters.find("anti-rumours")
    joan = services.members.find(Identity("slack", DEFAULT_TEAM_ID, JOAN))
    assert cluster is not None and joan is not None
    services.clusters.add_coordinator(cluster.id or 0, joan.id or 0)
    services.cluster_reports.month = 1  # whatever today's date, the year's reports are due
    year = services.clock.now().year
    assert services.cluster_reports.prompt_due() == 1
    assert services.cluster_reports.prompt_due() == 0  # once a year
    await slack.core.dispatcher.drain()
    dm = slack.fake._ims[JOAN]
    [prompt] = [call.args for call in slack.fake.calls_to("chat.postMessage") if call.args.get("channel") == dm]
    assert "Time for the yearly report of Anti-rumours" in message_text(prompt)
    # Its button opens the report's form, as a modal; Ana (no coordinator of the cluster) is refused.
    await slack.client.block_action(REPORT_ACTION, f"{cluster.id}:{year}", user_id=ANA)
    await slack.settle()
    assert slack.fake.calls_to("views.open") == []
    await slack.client.block_action(REPORT_ACTION, f"{cluster.id}:{year}", user_id=JOAN)
    await slack.settle()
    [opened] = slack.fake.calls_to("views.open")
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert len([block for block in view["blocks"] if block["type"] == "input"]) == 5
    values = {"achievements": {"value": "Forty agents trained."}, "activities": {"value": "Two campaigns."},
              "challenges": {"value": ""}, "next": {"value": ""}, "support": {"value": ""}}
    response = await slack.client.view_submission(view["callback_id"], values, view["private_metadata"],
                                                  user_id=JOAN)
    assert response.status_code == 200
    await slack.settle()
    # The ICC team reads every cluster's report in one place.
    await slack.command("/cluster", f"reports {year}", user_id=IVANA)
    seen = slack.last_answer_text()
    assert "Anti-rumours" in seen and "Forty agents trained." in seen and "Two campaigns." in seen
