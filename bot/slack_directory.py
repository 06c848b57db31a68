"""Slack's channels, user groups and people, read with the Web API and cached.

Channel names in the config are resolved to ids once with `conversations.list` (every page),
and kept for `ttl` seconds; an id is looked up the same way, so whether the bot is a member
is known before anything is posted. User-group members come from `usergroups.users.list`;
the owner an idle machine's tag names, from the config or `users.lookupByEmail`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.alert_ports import ChannelRef

logger = logging.getLogger("costbot.slack")
CACHE_SECONDS = 600.0
# After a failed read, Slack is not asked again for this long: one evaluation routes many
# alerts, and each must not wait out the same outage again.
FAILURE_SECONDS = 60.0


class SlackChannelDirectory:
    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._channels: dict[str, ChannelRef] | None = None
        self._read_at = 0.0
        self._failed: tuple[float, Exception] | None = None

    def resolve(self, channel: str) -> ChannelRef | None:
        wanted = channel.strip()
        channels = self._all()
        if wanted in channels:
            return channels[wanted]
        name = wanted.removeprefix("#").lower()
        return next((c for c in channels.values() if c.name.lower() == name), None)

    def forget(self) -> None:
        """Read the channels again next time (after the bot was invited somewhere)."""
        with self._lock:
            self._channels = None

    def _all(self) -> dict[str, ChannelRef]:
        with self._lock:
            if self._channels is not None and self._clock() - self._read_at < self._ttl:
                return self._channels
            failed = self._failed
            if failed is not None and self._clock() - failed[0] < FAILURE_SECONDS:
                raise failed[1]
        try:
            channels = self._read()
        except Exception as error:
            with self._lock:
                self._failed = (self._clock(), error)
            raise
        with self._lock:
            self._channels, self._read_at, self._failed = channels, self._clock(), None
        return channels

    def _read(self) -> dict[str, ChannelRef]:
        channels: dict[str, ChannelRef] = {}
        cursor = None
        while True:
            page = self._client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for item in page.get("channels") or []:
                ref = ChannelRef(
                    item["id"], item.get("name") or item["id"], bool(item.get("is_member"))
                )
                channels[ref.id] = ref
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return channels


class SlackUserGroups:
    """Members of user groups, for access checks that run before a listener's ack.

    The first read of a group asks Slack; after `ttl` the members known are still answered at
    once while one background read refreshes them, so no ack waits on Slack once warm.
    `warm(groups)` reads them at start.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._refreshing: set[str] = set()

    def groups_of(self, user_id: str, groups: Sequence[str]) -> set[str]:
        return {group for group in groups if user_id in self._members_of(group)}

    def warm(self, groups: Sequence[str]) -> None:
        """Read the groups now (at start), so the first access check does not wait."""
        for group in groups:
            try:
                self._read(group)
            except SlackApiError as error:  # read again on first use
                logger.warning("could not read user group %s: %s", group, error)

    def _members_of(self, group: str) -> frozenset[str]:
        with self._lock:
            cached = self._members.get(group)
            stale = cached is not None and self._clock() - cached[0] >= self._ttl
            if stale and group not in self._refreshing:
                self._refreshing.add(group)
                threading.Thread(target=self._refresh, args=(group,), daemon=True).start()
        return cached[1] if cached is not None else self._read(group)

    def _refresh(self, group: str) -> None:
        try:
            self._read(group)
        except Exception as error:  # the members known stay; the next check tries again
            logger.warning("could not refresh user group %s: %s", group, error)
        finally:
            with self._lock:
                self._refreshing.discard(group)

    def _read(self, group: str) -> frozenset[str]:
        now = self._clock()
        try:
            users = self._client.usergroups_users_list(usergroup=group).get("users") or []
        except SlackApiError as error:
            if error.response.get("error") not in ("no_such_subteam", "invalid_usergroup"):
                raise
            users = []  # a group that no longer exists has no members: nobody gains access
        members = frozenset(u for u in users if isinstance(u, str))
        with self._lock:
            self._members[group] = (now, members)
        return members


# A Slack user id as a tag holds it (U0123ABCD, or the mention <@U0123ABCD>); ids always have
# a digit, so a word in capitals (UNKNOWN) is not taken for one.
_USER_ID = re.compile(r"<?@?(?P<id>[UW](?=[A-Z]*[0-9])[A-Z0-9]{2,})>?")
_EMAIL = re.compile(r"[^@\s<>|]+@[^@\s<>|]+\.[^@\s<>|.]+")


class SlackOwnerDirectory:
    """The Slack user an owner tag's value stands for (the OwnerDirectory port).

    - a Slack user id (`U0123ABCD`, or a mention `<@U0123ABCD>`) is that user;
    - a name (or an e-mail) configured in `idle.owners` is the user it maps to;
    - any other e-mail is looked up with `users.lookupByEmail` and cached, found or not: after
      `ttl` the answer known is still given at once while one background read refreshes it, so
      an access check before a listener's ack does not wait on Slack once warm.
    Never raises: an owner it cannot resolve (unknown, Slack down, no scope) is None, so only
    the configured approvers may decide, which is the safe side.
    """

    def __init__(
        self,
        client: WebClient,
        owners: Mapping[str, str] | None = None,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._owners = {name.strip().lower(): user for name, user in (owners or {}).items()}
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        # e-mail (lower case) -> (when read, the user id or None for "no such user")
        self._found: dict[str, tuple[float, str | None]] = {}
        self._failed: dict[str, float] = {}  # e-mail -> when a read last failed
        self._refreshing: set[str] = set()

    def user_for(self, owner: str) -> str | None:
        value = (owner or "").strip()
        if not value:
            return None
        configured = self._owners.get(value.lower())
        if configured is not None:
            return configured
        match = _USER_ID.fullmatch(value)
        if match:
            return match.group("id")
        email = value.removeprefix("mailto:").lower()
        if not _EMAIL.fullmatch(email):
            return None  # a name nobody configured: not a person costbot can find
        return self._owners.get(email) or self._user_by_email(email)

    def _user_by_email(self, email: str) -> str | None:
        with self._lock:
            cached = self._found.get(email)
            failed = self._failed.get(email)
            resting = failed is not None and self._clock() - failed < FAILURE_SECONDS
            stale = cached is None or self._clock() - cached[0] >= self._ttl
            if cached is not None:
                if stale and not resting and email not in self._refreshing:
                    self._refreshing.add(email)
                    threading.Thread(target=self._refresh, args=(email,), daemon=True).start()
                return cached[1]
            if resting:
                return None
        return self._read(email)

    def _refresh(self, email: str) -> None:
        try:
            self._read(email)
        finally:
            with self._lock:
                self._refreshing.discard(email)

    def _read(self, email: str) -> str | None:
        """Ask Slack; remember the answer (a miss too) or, on failure, that it failed."""
        now = self._clock()
        try:
            user = self._client.users_lookupByEmail(email=email).get("user") or {}
        except SlackApiError as error:
            if error.response.get("error") != "users_not_found":
                return self._failure(email, now, error)
            user = {}
        except Exception as error:  # the network, a timeout: None now, asked again later
            return self._failure(email, now, error)
        found = None
        if user.get("id") and not user.get("deleted") and not user.get("is_bot"):
            found = str(user["id"])
        with self._lock:
            self._found[email] = (now, found)
            self._failed.pop(email, None)
        return found

    def _failure(self, email: str, now: float, error: Exception) -> str | None:
        logger.warning("could not look up the Slack user of an owner e-mail: %s", error)
        with self._lock:
            self._failed[email] = now
            cached = self._found.get(email)
        return cached[1] if cached is not None else None
