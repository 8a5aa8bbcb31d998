"""Clusters through the dispatcher, as the console (and every platform) drives it: listing, joining and leaving,
proposing and approving, editing by a cluster's own coordinators only, and the yearly report."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.context import refusal
from bot.i18n import t
from bot.models import ClusterStatus, Role
from bot.services.clusters import ClusterDraft
from bot.services.clusters.proposals import DECIDE_ACTION
from bot.services.clusters.reports import REPORT_ACTION
from tests.clusters.conftest import Network, person, shown


def make_cluster(network: Network, name: str = "Anti-rumours", cities: tuple[str, ...] = ("Lisbon", "Barcelona"),
                 coordinator: str | None = "joan") -> int:
    services = network.core.services
    ivana = services.members.find(person("ivana"))
    assert ivana is not None
    cluster = services.clusters.create(ClusterDraft(name=name, themes=["anti-rumours"], languages=["es", "pt"],
                                                    priorities=["Train new agents"]), by=ivana)
    for city in cities:
        services.clusters.join(cluster, network.city(city))
    if coordinator:
        member = services.members.find(person(coordinator))
        assert member is not None and member.id is not None and cluster.id is not None
        services.clusters.add_coordinator(cluster.id, member.id)
    assert cluster.id is not None
    return cluster.id


async def test_anyone_lists_and_reads_clusters(network: Network) -> None:
    make_cluster(network)
    listing = await network.say("giulia", "/cluster")
    assert "Anti-rumours (anti-rumours) — thematic, 2 cities" in listing
    about = await network.say("giulia", "/cluster info Anti-Rumours")  # a name in any case is found too
    assert "Cities: Barcelona, Lisbon" in about and "Cluster coordinators: Joan" in about
    assert "1. Train new agents" in about
    assert "Barcelona — Joan" in await network.say("giulia", "/cluster members anti-rumours")
    assert "There is no cluster called “antirumors”" in await network.say("giulia", "/cluster info antirumors")


async def test_joining_twice_and_leaving_a_cluster_you_are_not_in_change_nothing(network: Network) -> None:
    cluster_id = make_cluster(network, cities=("Barcelona",))
    clusters = network.core.services.clusters
    assert "Lisbon joined Anti-rumours." in await network.say("ana", "/cluster join anti-rumours")
    assert await network.say("ana", "/cluster join anti-rumours") == t("en", "{city} is already in {name}.",
                                                                       city="Lisbon", name="Anti-rumours")
    assert [c.name for c in clusters.cities(cluster_id)] == ["Barcelona", "Lisbon"]
    assert "Lisbon left Anti-rumours." in await network.say("ana", "/cluster leave anti-rumours")
    assert await network.say("ana", "/cluster leave anti-rumours") == t(
        "en", "{city} is not in {name}: there is nothing to leave.", city="Lisbon", name="Anti-rumours")
    assert [c.name for c in clusters.cities(cluster_id)] == ["Barcelona"]


async def test_a_coordinator_speaks_for_their_own_city_and_a_member_is_told_how_to_get_the_role(
        network: Network) -> None:
    cluster_id = make_cluster(network, cities=())
    answer = await network.say("ana", "/cluster join anti-rumours city:Barcelona")
    assert answer == t("en", "As a coordinator you speak for your own city only, not for {city}.", city="Barcelona")
    assert await network.say("giulia", "/cluster join anti-rumours") == refusal(Role.coordinator, "en")
    assert "/request-role coordinator" in refusal(Role.coordinator, "en")
    # The ICC team names the city.
    assert "Say which city" in await network.say("ivana", "/cluster join anti-rumours")
    assert "Paris joined Anti-rumours." in await network.say("ivana", "/cluster join anti-rumours city:Paris")
    assert [c.name for c in network.core.services.clusters.cities(cluster_id)] == ["Paris"]


async def test_a_coordinators_proposal_waits_for_the_icc_teams_button(network: Network) -> None:
    services = network.core.services
    form = await network.run("ana", "/cluster create")
    assert form.form is not None and "cities" not in [f.name for f in form.form.fields]
    answer = await network.submit("ana", "cluster-create", {
        "name": "Migrant entrepreneurs", "kind": "thematic", "description": "Cities supporting migrant businesses.",
        "languages": "pt, es", "themes": "business-and-diversity,employment",
        "priorities": "Map migrant-owned businesses\n• Mentoring programme"})
    assert "is proposed" in shown(answer)
    cluster = services.clusters.find("migrant-entrepreneurs")
    assert cluster is not None and cluster.status == ClusterStatus.proposed
    assert services.clusters.priorities(cluster.id or 0) == ["Map migrant-owned businesses", "Mentoring programme"]
    assert "proposed" in await network.say("joan", "/cluster join migrant-entrepreneurs")
    # The ICC team was told, with two buttons.
    report = services.delivery.report(f"cluster-proposal:{cluster.id}")
    assert report.total == 1
    # Someone else than the ICC team pressing Approve changes nothing.
    refused = await network.press("joan", DECIDE_ACTION, f"approve:{cluster.id}")
    assert shown(refused) == refusal(Role.icc_team, "en")
    assert services.clusters.find("migrant-entrepreneurs").status == ClusterStatus.proposed  # type: ignore[union-attr]
    approved = await network.press("ivana", DECIDE_ACTION, f"approve:{cluster.id}")
    assert "is approved" in shown(approved)
    again = await network.press("ivana", DECIDE_ACTION, f"decline:{cluster.id}")
    assert "was already decided" in shown(again)
    cluster = services.clusters.find("migrant-entrepreneurs")
    assert cluster is not None and cluster.status == ClusterStatus.active
    ana = services.members.find(person("ana"))
    assert ana is not None and services.clusters.is_coordinator(ana.id, cluster.id or 0)
    assert [c.name for c in services.clusters.cities(cluster.id or 0)] == ["Lisbon"]
    assert services.delivery.report(f"cluster-proposal:{cluster.id}:approve").total == 1


async def test_a_declined_proposal_frees_its_name(network: Network) -> None:
    services = network.core.services
    await network.submit("ana", "cluster-create", {"name": "Sport for all", "kind": "thematic"})
    cluster = services.clusters.find("sport-for-all")
    assert cluster is not None
    assert "is declined" in shown(await network.press("ivana", DECIDE_ACTION, f"decline:{cluster.id}"))
    assert services.clusters.find("sport-for-all") is None
    assert "is proposed" in shown(await network.submit("joan", "cluster-create", {"name": "Sport for all",
                                                                                  "kind": "thematic"}))


async def test_names_taken_or_not_allowed_as_channel_names_are_refused_and_nothing_is_made(network: Network) -> None:
    make_cluster(network)
    services = network.core.services
    before = len(services.clusters.all(include_waiting=True))
    taken = await network.submit("ivana", "cluster-create", {"name": "ANTI-RUMOURS", "kind": "thematic"})
    assert taken.errors["name"] == t("en", "There is already a cluster called “{name}”.", name="Anti-rumours")
    bad = await network.submit("ivana", "cluster-create", {"name": "Dialogue", "kind": "thematic",
                                                           "channel": "Dialogue Café"})
    assert "cannot be a channel name" in bad.errors["channel"]
    no_letters = await network.submit("ivana", "cluster-create", {"name": "🎉🎉", "kind": "thematic"})
    assert "no letter or digit" in no_letters.errors["name"]
    assert len(services.clusters.all(include_waiting=True)) == before


async def test_only_the_clusters_coordinators_and_the_icc_team_edit_it(network: Network) -> None:
    cluster_id = make_cluster(network)
    services = network.core.services
    refused = await network.say("ana", "/cluster edit anti-rumours")
    assert refused.startswith(t("en", "Only the coordinators of {name} and the ICC team can change it.",
                                name="Anti-rumours"))
    assert "/request-role cluster_coordinator cluster:anti-rumours" in refused
    forged = await network.submit("ana", "cluster-edit", {"name": "Mine now", "kind": "thematic"},
                                  state=str(cluster_id))
    assert "Only the coordinators of Anti-rumours" in shown(forged)
    assert services.clusters.get(cluster_id).name == "Anti-rumours"  # type: ignore[union-attr]
    opened = await network.run("joan", "/cluster edit anti-rumours")
    assert opened.form is not None and opened.form.field("priorities").initial == "Train new agents"
    saved = await network.submit("joan", "cluster-edit", {
        "name": "Anti-rumours", "kind": "thematic", "priorities": "Train new agents\nA campaign in May",
        "reactions": "yes"}, state=str(cluster_id))
    assert "is saved" in shown(saved)
    assert services.clusters.priorities(cluster_id) == ["Train new agents", "A campaign in May"]
    assert services.clusters.get(cluster_id).mirror_reactions  # type: ignore[union-attr]
    listed = await network.run("joan", "/cluster priorities anti-rumours")
    assert [b.label for b in listed.replies[0].buttons] == [t("en", "Edit the cluster and its priorities")]
    assert (await network.run("ana", "/cluster priorities anti-rumours")).replies[0].buttons == []


async def test_the_icc_team_names_cluster_coordinators(network: Network) -> None:
    make_cluster(network, coordinator=None)
    assert await network.say("joan", "/cluster coordinator anti-rumours ana") == refusal(Role.icc_team, "en")
    assert "Ana now coordinates Anti-rumours." in await network.say("ivana", "/cluster coordinator anti-rumours ana")
    assert "already coordinates" in await network.say("ivana", "/cluster coordinator anti-rumours ana")
    assert "no longer coordinates" in await network.say("ivana", "/cluster coordinator anti-rumours ana remove")
    assert "does not coordinate" in await network.say("ivana", "/cluster coordinator anti-rumours ana remove")


async def test_the_yearly_report_is_asked_once_and_the_icc_team_reads_them_in_one_place(network: Network,
                                                                                       ) -> None:
    cluster_id = make_cluster(network)
    services = network.core.services
    reports = services.cluster_reports
    assert reports.due_year(datetime(2026, 3, 1, tzinfo=UTC)) is None
    assert reports.due_year(datetime(2026, 11, 2, tzinfo=UTC)) == 2026
    reports.clock = services.clock = type("Clock", (), {"now": lambda self: datetime(2026, 11, 2, tzinfo=UTC)})()
    assert reports.prompt_due() == 1  # Joan, the cluster's coordinator
    assert reports.prompt_due() == 0  # never twice
    opened = await network.press("joan", REPORT_ACTION, f"{cluster_id}:2026")
    assert opened.form is not None and len(opened.form.fields) == 5
    assert "Only the coordinators" in shown(await network.press("ana", REPORT_ACTION, f"{cluster_id}:2026"))
    sent = await network.submit("joan", "cluster-report", {"achievements": "Forty agents trained.",
                                                           "activities": "Two campaigns."}, state=f"{cluster_id}:2026")
    assert "is with the ICC team" in shown(sent)
    assert reports.prompt_due() == 0
    seen = await network.say("ivana", "/cluster reports 2026")
    assert "Forty agents trained." in seen and "Anti-rumours" in seen
    assert await network.say("joan", "/cluster reports") == refusal(Role.icc_team, "en")
