"""New clusters: made at once by the ICC team, or proposed by a city coordinator and approved or declined by the
ICC team with a button; the proposer hears the answer, and an approved cluster gets its channels."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import t
from bot.messages import Button, ButtonStyle, Identity, Reply, Section
from bot.models import City, Cluster, ClusterStatus, Member, Role
from bot.services.clusters.channels import ChannelNote, ClusterChannels
from bot.services.clusters.names import slug_of
from bot.services.clusters.service import KIND_LABELS, ClusterDraft, ClusterService
from bot.services.delivery import DeliveryService
from bot.services.members import CityDirectory, MemberService

#: The buttons the ICC team gets with a proposal (value: `approve:<id>` or `decline:<id>`).
DECIDE_ACTION = "cluster-decide"


class ClusterProposals:
    """Creating clusters, and the ICC team's decision on proposed ones."""

    def __init__(self, *, clusters: ClusterService, channels: ClusterChannels, delivery: DeliveryService,
                 members: MemberService, cities: CityDirectory) -> None:
        self.clusters = clusters
        self.cities = cities
        self.channels = channels
        self.delivery = delivery
        self.members = members

    async def create(self, draft: ClusterDraft, *, by: Member, cities: Sequence[City] = ()) -> tuple[Cluster,
                                                                                                  list[ChannelNote]]:
        """Create a cluster (the ICC team) or propose it (a coordinator); returns it and its channels' notes.

        The channel name is checked on the platforms this process can look at before anything is written.
        """
        name = draft.channel_name or slug_of(draft.name)
        await self.channels.check_name_free(name)
        cluster = self.clusters.create(draft, by=by)
        assert cluster.id is not None
        if ClusterStatus(cluster.status) is ClusterStatus.proposed:
            self._tell_icc_team(cluster, by)
            return cluster, []
        for city in cities:
            if not self.clusters.includes(cluster.id, city.id):
                self.clusters.join(cluster, city)
        return cluster, await self.channels.provision(cluster)

    def _tell_icc_team(self, cluster: Cluster, by: Member) -> None:
        proposer = by.display_name or by.user_id
        city = self.members_city(by) or "—"
        priorities = self.clusters.priorities(cluster.id or 0)

        languages = ", ".join(cluster.language_list) or "—"
        description = cluster.description or "—"
        listed = "; ".join(priorities)

        def compose(locale: str) -> Reply:
            lines = [
                t(locale, "Kind: {kind}", kind=t(locale, KIND_LABELS[cluster.kind])),
                t(locale, "Description: {text}", text=description),
                t(locale, "Languages: {languages}", languages=languages),
            ]
            if priorities:
                lines.append(t(locale, "Priorities: {priorities}", priorities=listed))
            return Reply(
                text=t(locale, "{person} ({city}) proposes a new cluster: {name}.", person=proposer,
                       city=city, name=cluster.name),
                sections=[Section(text="\n".join(lines), title=cluster.name)],
                buttons=[
                    Button(DECIDE_ACTION, t(locale, "Approve"), f"approve:{cluster.id}", ButtonStyle.primary),
                    Button(DECIDE_ACTION, t(locale, "Decline"), f"decline:{cluster.id}", ButtonStyle.danger),
                ],
                ephemeral=False,
            )

        self.delivery.to_icc_team(f"cluster-proposal:{cluster.id}", compose)
        self.delivery.kick()

    def members_city(self, member: Member) -> str:
        city = self.cities.get(member.city_id) if member.city_id is not None else None
        return city.name if city else ""

    async def decide(self, cluster_id: int, *, approve: bool, by: Member) -> tuple[Cluster, bool,
                                                                                 list[ChannelNote]]:
        """Approve or decline a proposed cluster; returns it, whether this decided it, and its channels' notes."""
        cluster, decided = self.clusters.decide(cluster_id, approve=approve, by=by)
        if not decided:
            return cluster, False, []
        proposer = self.members.get(cluster.proposed_by) if cluster.proposed_by is not None else None
        if proposer is not None:
            decision = "approve" if approve else "decline"

            def compose(locale: str) -> Reply:
                if approve:
                    text = t(locale, "The ICC team approved your cluster {name}. You coordinate it: /cluster edit "
                                     "{slug} changes it, and its channels are being made.", name=cluster.name,
                             slug=cluster.slug)
                else:
                    text = t(locale, "The ICC team declined your proposed cluster {name}. Reply to them if you "
                                     "would like to talk it over.", name=cluster.name)
                return Reply(text=text, ephemeral=False)

            self.delivery.to_person(f"cluster-proposal:{cluster.id}:{decision}",
                                    Identity(proposer.platform, proposer.workspace_id, proposer.user_id), compose)
            self.delivery.kick()
        notes = await self.channels.provision(cluster) if approve else []
        return cluster, True, notes

    def may_decide(self, member: Member) -> bool:
        return Role(member.role) is Role.icc_team
