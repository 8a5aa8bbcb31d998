"""Clusters: the service that reads and changes them (`ClusterService`), their channels on every platform
(`ClusterChannels`) and their annual reports (`ClusterReports`)."""

from bot.services.clusters.service import ClusterDraft, ClusterService

__all__ = ["ClusterDraft", "ClusterService"]
