"""Asking for a role: a city's coordinator, a cluster's coordinator, the ICC team. The ICC team gets each request
with Approve and Decline buttons, the answer goes back to the person, and a flood of requests from one person is
refused politely (nothing sent, nobody told)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import ROLE_HINTS, UserError
from bot.i18n import N_, t
from bot.messages import Button, ButtonStyle, Identity, Reply
from bot.models import City, Cluster, Member, RequestedRole, RequestStatus, Role, RoleRequest
from bot.ports import Clock, SystemClock
from bot.services.clusters import ClusterService
from bot.services.delivery import DeliveryService
from bot.services.members import CityDirectory, MemberService

#: The buttons the ICC team gets with a request (value: `approve:<id>` or `decline:<id>`).
DECIDE_ACTION = "role-decide"
#: A button that opens the request form, for the role in its value (the welcome's "Ask for the coordinator role").
OPEN_ACTION = "role-request"
ABOUT_LIMIT = 500
#: A city or cluster deleted since the request.
UNKNOWN = "?"

REQUESTED_LABELS = {
    RequestedRole.coordinator: N_("coordinator of {city}"),
    RequestedRole.icc_team: N_("a member of the ICC team"),
    RequestedRole.cluster_coordinator: N_("coordinator of the cluster {cluster}"),
}


@dataclass(frozen=True)
class Decision:
    """What deciding a request came to: the request, whether this decided it, and whether it made the first
    coordinator of a city (a new city arrives)."""

    request: RoleRequest
    decided: bool
    new_city: City | None = None


def describe(request: RoleRequest, locale: str, *, city: City | None, cluster: Cluster | None) -> str:
    """The role asked for, in words ("coordinator of Lisbon")."""
    city_name = city.name if city else UNKNOWN
    cluster_name = cluster.name if cluster else UNKNOWN
    return t(locale, REQUESTED_LABELS[RequestedRole(request.role)], city=city_name, cluster=cluster_name)


def identity_of(member: Member) -> Identity:
    return Identity(member.platform, member.workspace_id, member.user_id)


class RoleRequests:
    """The requests for roles and the ICC team's decisions on them."""

    def __init__(self, engine: Engine, *, members: MemberService, cities: CityDirectory, clusters: ClusterService,
                 delivery: DeliveryService, clock: Clock | None = None, per_day: int = 3) -> None:
        self.engine = engine
        self.members = members
        self.cities = cities
        self.clusters = clusters
        self.delivery = delivery
        self.clock = clock or SystemClock()
        self.per_day = per_day
        #: Called with (the new coordinator, their city) when a city gets its first coordinator.
        self.on_new_city: list[Callable[[Member, City], None]] = []

    # ------------------------------------------------------------ asking

    def ask(self, member: Member, role: RequestedRole, *, city: City | None = None, cluster: Cluster | None = None,
            about: str = "") -> RoleRequest:
        """Record a request and tell the ICC team; a clear error (nothing sent) when it makes no sense or comes
        too often."""
        city, cluster = self._check(member, role, city, cluster)
        assert member.id is not None
        with session_scope(self.engine) as session:
            same_city = RoleRequest.city_id == city.id if city else col(RoleRequest.city_id).is_(None)
            same_cluster = RoleRequest.cluster_id == cluster.id if cluster else col(RoleRequest.cluster_id).is_(None)
            pending = session.exec(select(RoleRequest).where(
                RoleRequest.member_id == member.id, RoleRequest.role == role,
                RoleRequest.status == RequestStatus.pending, same_city, same_cluster)).first()
            if pending is not None:
                raise UserError("You already asked for this; the ICC team will answer soon, and I will tell you. "
                                "Nothing was sent again.")
            since = self.clock.now() - timedelta(days=1)
            today = session.exec(select(func.count()).select_from(RoleRequest).where(
                RoleRequest.member_id == member.id, col(RoleRequest.created_at) >= since)).one()
            if today >= self.per_day:
                raise UserError("You have sent {count} requests today: please wait for the ICC team's answers "
                                "before asking again. Nothing was sent.", count=today)
            request = RoleRequest(member_id=member.id, role=role, city_id=city.id if city else None,
                                  cluster_id=cluster.id if cluster else None, about=about.strip()[:ABOUT_LIMIT],
                                  created_at=self.clock.now())
            session.add(request)
            session.flush()
            session.refresh(request)
        self._tell_icc_team(request, member, city, cluster)
        return request

    def _check(self, member: Member, role: RequestedRole, city: City | None,
               cluster: Cluster | None) -> tuple[City | None, Cluster | None]:
        current = Role(member.role)
        if role is RequestedRole.coordinator:
            city = city or (self.cities.get(member.city_id) if member.city_id is not None else None)
            if city is None:
                raise UserError("Say which city you coordinate: /request-role coordinator city:<name>.",
                                field="city")
            if current is Role.coordinator and member.city_id == city.id:
                raise UserError("You already are a coordinator of {city}.", city=city.name)
            return city, None
        if role is RequestedRole.icc_team:
            if current is Role.icc_team:
                raise UserError("You already are on the ICC team.")
            return None, None
        if cluster is None:
            raise UserError("Say which cluster: /request-role cluster_coordinator cluster:<name>.", field="cluster")
        if self.clusters.is_coordinator(member.id, cluster.id or 0):
            raise UserError("You already coordinate {name}.", name=cluster.name)
        return None, cluster

    def _tell_icc_team(self, request: RoleRequest, member: Member, city: City | None, cluster: Cluster | None) -> None:
        who = member.display_name or member.user_id
        where = member.platform
        own_city = self.cities.get(member.city_id) if member.city_id is not None else None
        about = request.about

        def compose(locale: str) -> Reply:
            text = t(locale, "{person} ({platform}, {city}) asks to be {role}.", person=who, platform=where,
                     city=own_city.name if own_city else "—",
                     role=describe(request, locale, city=city, cluster=cluster))
            if about:
                text += "\n" + t(locale, "In their words: “{text}”", text=about)
            return Reply(text=text, ephemeral=False, buttons=[
                Button(DECIDE_ACTION, t(locale, "Approve"), f"approve:{request.id}", ButtonStyle.primary),
                Button(DECIDE_ACTION, t(locale, "Decline"), f"decline:{request.id}", ButtonStyle.danger),
            ])

        self.delivery.to_icc_team(f"role-request:{request.id}", compose)
        self.delivery.kick()

    # ------------------------------------------------------------ the ICC team's answer

    def get(self, request_id: int) -> RoleRequest | None:
        with session_scope(self.engine) as session:
            return session.get(RoleRequest, request_id)

    def waiting(self) -> list[RoleRequest]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(RoleRequest).where(RoleRequest.status == RequestStatus.pending)
                                     .order_by(col(RoleRequest.id))))

    def decide(self, request_id: int, *, approve: bool, by: Member) -> Decision:
        """Approve (the role is given) or decline a request; the person is told either way, once."""
        if Role(by.role) is not Role.icc_team:
            raise UserError("Only the ICC team can do this.", hint=ROLE_HINTS["icc_team"])
        with session_scope(self.engine) as session:
            request = session.get(RoleRequest, request_id)
            if request is None:
                raise UserError("This request no longer exists.")
            if RequestStatus(request.status) is not RequestStatus.pending:
                return Decision(request, False)
            if request.member_id == by.id:
                raise UserError("Someone else in the ICC team decides on your own request.")
            request.status = RequestStatus.approved if approve else RequestStatus.declined
            request.decided_by = by.id
            request.decided_at = self.clock.now()
            session.add(request)
            session.flush()
            session.refresh(request)
        member = self.members.get(request.member_id)
        assert member is not None
        city = self.cities.get(request.city_id) if request.city_id is not None else None
        cluster = self.clusters.get(request.cluster_id) if request.cluster_id is not None else None
        new_city = self._give(request, member, city, cluster) if approve else None
        self._answer(request, member, city, cluster, approve)
        if new_city is not None:
            fresh = self.members.get(member.id or 0) or member
            for hook in self.on_new_city:
                hook(fresh, new_city)
        return Decision(request, True, new_city)

    def _give(self, request: RoleRequest, member: Member, city: City | None, cluster: Cluster | None) -> City | None:
        """Give the role; returns the city when it had no coordinator before (its first one arrives)."""
        identity = identity_of(member)
        role = RequestedRole(request.role)
        if role is RequestedRole.coordinator and city is not None:
            first = not self.coordinators_of(city)
            self.members.set_city(identity, city.name)
            if Role(member.role) is not Role.icc_team:  # the ICC team keeps its own role
                self.members.set_role(identity, Role.coordinator)
            return city if first else None
        if role is RequestedRole.icc_team:
            self.members.set_role(identity, Role.icc_team)
        elif cluster is not None and member.id is not None:
            self.clusters.add_coordinator(cluster.id or 0, member.id)
        return None

    def coordinators_of(self, city: City) -> list[Member]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Member).where(Member.city_id == city.id,
                                                          Member.role == Role.coordinator)))

    def _answer(self, request: RoleRequest, member: Member, city: City | None, cluster: Cluster | None,
                approve: bool) -> None:
        def compose(locale: str) -> Reply:
            role = describe(request, locale, city=city, cluster=cluster)
            if approve:
                text = t(locale, "The ICC team approved your request: you are now {role}.", role=role)
            else:
                text = t(locale, "The ICC team declined your request to be {role}. Reply to them if you think it "
                                 "is a mistake.", role=role)
            return Reply(text=text, ephemeral=False)

        decision = "approve" if approve else "decline"
        self.delivery.to_person(f"role-request:{request.id}:{decision}", identity_of(member), compose)
        self.delivery.kick()
