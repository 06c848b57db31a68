"""Where an alert goes: its budget's channel, else its scope's, else the default.

Names are resolved to ids through the ChannelDirectory (cached `conversations.list`). When the
bot is not a member of the chosen channel (or Slack has no such channel), the alert goes to the
default channel and says so. Without a directory (no Slack token in this process) the
configured text is used as it is, with the default as the message's fallback channel: delivery
moves it there if Slack refuses the post.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from bot.services.alert_ports import ChannelDirectory
from bot.services.alert_rules import Finding

logger = logging.getLogger("costbot.alerts")


class ScopeChannels(Protocol):
    """The config's `channels:` (bot.settings_alerts.ChannelsConfig fits)."""

    default: str | None

    def for_scope(self, dimension: str | None, value: str | None) -> str | None: ...


@dataclass(frozen=True)
class Route:
    channel: str
    fallback_channel: str | None  # where delivery posts instead if `channel` refuses
    rerouted_from: str | None  # the channel that could not be used, when rerouted


class AlertRouter:
    def __init__(self, channels: ScopeChannels, directory: ChannelDirectory | None) -> None:
        self._channels = channels
        self._directory = directory

    def with_directory(self, directory: ChannelDirectory) -> AlertRouter:
        return AlertRouter(self._channels, directory)

    def route(self, finding: Finding) -> Route | None:
        """The route of one alert; None when no channel is configured at all."""
        wanted = (finding.budget.channel if finding.budget else None) or self._channels.for_scope(
            finding.dimension, finding.value
        )
        return self._route(wanted)

    def route_owner(self, team: str | None, project: str | None) -> Route | None:
        """The route of a message about something a team (else a project) owns: the team's
        channel, else the project's, else the default."""
        wanted = self._channels.for_scope("team", team) or self._channels.for_scope(
            "project", project
        )
        return self._route(wanted)

    def route_channel(self, channel: str) -> Route | None:
        """The route of a message asked for in `channel` (a report posted with --post)."""
        return self._route(channel)

    def _route(self, wanted: str | None) -> Route | None:
        default = self._channels.default
        target = wanted or default
        if target is None:
            return None
        if self._directory is None:
            fallback = default if default and default != target else None
            return Route(target, fallback, None)
        try:
            ref = self._directory.resolve(target)
            default_ref = self._directory.resolve(default) if default else None
        except Exception as error:  # Slack unreachable: route by the config, delivery falls back
            logger.warning("could not read Slack's channel list (%s); routing by the config", error)
            fallback = default if default and default != target else None
            return Route(target, fallback, None)
        default_id = default_ref.id if default_ref else default
        if ref is not None and ref.is_member:
            fallback = default_id if default_id and default_id != ref.id else None
            return Route(ref.id, fallback, None)
        if default_id is None or (ref is not None and ref.id == default_id):
            # Nowhere better: try the channel itself; delivery keeps it if Slack refuses.
            logger.warning("costbot is not in %s and no other default channel is set", target)
            return Route(ref.id if ref else target, None, None)
        return Route(default_id, None, _channel_name(target, ref))


def _channel_name(target: str, ref) -> str:
    if ref is not None:
        return f"#{ref.name}"
    return target if target.startswith("#") or target[:1] in "CG" else f"#{target}"
