"""The sandbox workspace: thread-safe, in memory. Everything the fake Slack knows lives here."""

from __future__ import annotations

import copy
import dataclasses
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.modals import ModalStore

RESPONSE_URL_TTL_SECONDS = 30 * 60  # Slack: a response_url works for 30 minutes...
RESPONSE_URL_MAX_USES = 5  # ...and up to five times.


@dataclass(frozen=True)
class User:
    id: str
    name: str
    real_name: str
    title: str = ""
    is_bot: bool = False
    email: str | None = None  # what users.lookupByEmail finds them by (bots have none)

    def to_slack(self, team_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "is_admin": False,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "title": self.title,
                **({"email": self.email} if self.email else {}),
                "team": team_id,
            },
        }


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    purpose: str = ""
    is_private: bool = False
    im_user: str | None = None  # set on direct-message channels
    is_member: bool = True  # whether the bot is in it (chat.postMessage needs that)
    is_archived: bool = False

    def to_slack(self, created: int) -> dict[str, Any]:
        if self.im_user:
            return {"id": self.id, "created": created, "is_im": True, "user": self.im_user}
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "created": created,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": self.is_member,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
        }


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    file_ids: list[str] = field(default_factory=list)
    thread_ts: str | None = None
    ephemeral_to: str | None = None  # the one user who sees it, for ephemeral messages
    bot_id: str | None = None
    edited_ts: str | None = None


@dataclass
class StoredFile:
    id: str
    name: str
    length: int
    user: str
    created: int
    title: str = ""
    alt_txt: str | None = None
    content: bytes | None = None  # None until the bytes are uploaded
    channels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as the fake received it (for assertions in tests)."""

    method: str
    params: dict[str, Any]
    time: float
    ok: bool
    error: str | None = None


@dataclass
class ResponseUrl:
    token: str
    channel_id: str
    user_id: str
    created: float
    message_ts: str | None = None  # the message a block action came from, if any
    uses: int = 0


@dataclass(frozen=True)
class Fault:
    """One injected failure of a Web API call."""

    status: int
    retry_after: int | None = None

    @property
    def error(self) -> str:
        return "ratelimited" if self.status == 429 else "internal_error"


DEFAULT_USERS = (
    User("U0SANDBOX1", "ada", "Ada Park", "ML platform lead", email="ada@example.com"),
    User("U0SANDBOX2", "ben", "Ben Okafor", "Fraud detection engineer", email="ben@example.com"),
    User(
        "U0SANDBOX3",
        "chen",
        "Chen Wei",
        "Recommender systems engineer",
        email="chen@example.com",
    ),
)
SLACKBOT = User("USLACKBOT", "slackbot", "Slackbot", is_bot=True)
DEFAULT_CHANNELS = (
    Channel("C0GENERAL1", "general", "Company-wide announcements"),
    Channel("C0MLPLATF1", "ml-platform", "Shared GPUs, clusters and tooling"),
    Channel("C0FRAUDDT1", "fraud-detection", "Fraud models team"),
    Channel("C0RECSYS01", "recsys", "Recommendations team"),
    Channel("C0COSTS001", "cloud-costs", "Where costbot posts digests and alerts"),
    Channel("C0COSTOPS1", "costbot-ops", "Where costbot says a billing source stopped arriving"),
    # The one channel costbot has not been invited to: posting there answers not_in_channel.
    Channel("C0RESEARCH", "research", "Research team", is_member=False),
)


@dataclass(frozen=True)
class UserGroup:
    """A Slack user group ("subteam"), mentioned in mrkdwn as ``<!subteam^S...>``."""

    id: str
    handle: str
    name: str
    description: str = ""
    users: tuple[str, ...] = ()

    def to_slack(self, team_id: str, created: int, *, include_users: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": created,
            "date_update": created,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "USLACKBOT",
            "updated_by": "USLACKBOT",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            out["users"] = list(self.users)
        return out


# @budget-editors holds Ada, the user the page acts as by default, so the demo user may edit
# budgets; Ben and Chen are outside it (switch "Acting as" to see a refusal).
DEFAULT_USERGROUPS = (
    UserGroup(
        "S0BUDGET01",
        "budget-editors",
        "Budget editors",
        "May set and delete budgets",
        ("U0SANDBOX1",),
    ),
)


class SandboxState:
    """Users, channels, messages, files, home views and the calls made, behind one lock."""

    def __init__(
        self,
        *,
        team_id: str = "T0SANDBOX1",
        team_domain: str = "costbot-sandbox",
        team_name: str = "Costbot Sandbox",
        users: Iterable[User] = DEFAULT_USERS,
        channels: Iterable[Channel] = DEFAULT_CHANNELS,
        usergroups: Iterable[UserGroup] = DEFAULT_USERGROUPS,
        bot_user: User | None = None,
        bot_id: str = "B0COSTBOT1",
        app_id: str = "A0COSTBOT1",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.team_id, self.team_domain, self.team_name = team_id, team_domain, team_name
        self.bot_user = bot_user or User("U0COSTBOT1", "costbot", "costbot", is_bot=True)
        self.bot_id, self.app_id = bot_id, app_id
        self.users: dict[str, User] = {u.id: u for u in (*users, self.bot_user, SLACKBOT)}
        self.sandbox_user_id = next(u.id for u in self.users.values() if not u.is_bot)
        self.channels: dict[str, Channel] = {c.id: c for c in channels}
        self.usergroups: dict[str, UserGroup] = {g.id: g for g in usergroups}
        self.created = int(clock())
        self.base_url = "http://127.0.0.1"  # set by the server once it knows its port
        self.bot_url: str | None = None  # where slash commands and interactions are sent
        self.socket_mode_url: str | None = None  # what apps.connections.open answers
        self._messages: dict[str, list[Message]] = {c: [] for c in self.channels}
        self._files: dict[str, StoredFile] = {}
        self._uploads: dict[str, str] = {}  # upload token -> file id
        self._home_views: dict[str, dict[str, Any]] = {}
        self._calls: list[ApiCall] = []
        self._faults: dict[str, list[Fault]] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
        self._last_micros = 0
        self.modals = ModalStore(self)  # trigger ids and each user's open modal (modals.py)

    # -- ids and timestamps ------------------------------------------------------------
    def next_ts(self) -> str:
        """A message ts like Slack's ("1700000000.000100"), strictly increasing."""
        with self.lock:
            micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
            self._last_micros = micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    @staticmethod
    def new_id(prefix: str) -> str:
        return prefix + secrets.token_hex(5).upper()

    # -- users and channels ------------------------------------------------------------
    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def find_channel(self, ref: str | None) -> Channel | None:
        """A channel by id, by name ("general" or "#general"), or a user's DM by user id."""
        if not ref:
            return None
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            name = ref.removeprefix("#")
            for channel in self.channels.values():
                if channel.name == name and not channel.im_user:
                    return channel
            if ref in self.users:
                return self.open_dm(ref)
            return None

    def set_member(self, channel_id: str, is_member: bool = True) -> Channel:
        """Invite the bot to a channel (or remove it), as /invite @costbot would."""
        with self.lock:
            channel = dataclasses.replace(self.channels[channel_id], is_member=is_member)
            self.channels[channel_id] = channel
            return channel

    def user_by_email(self, email: str) -> User | None:
        """The person with this e-mail (matched without regard to case, as Slack does)."""
        wanted = email.strip().lower()
        with self.lock:
            return next(
                (u for u in self.users.values() if u.email and u.email.lower() == wanted), None
            )

    def usergroup(self, group_id: str) -> UserGroup | None:
        return self.usergroups.get(group_id)

    def open_dm(self, user_id: str) -> Channel:
        with self.lock:
            for channel in self.channels.values():
                if channel.im_user == user_id:
                    return channel
            channel = Channel("D" + user_id[1:], f"dm-{self.users[user_id].name}", im_user=user_id)
            self.channels[channel.id] = channel
            self._messages[channel.id] = []
            return channel

    # -- messages ------------------------------------------------------------------------
    def add_message(self, message: Message) -> Message:
        with self.lock:
            self._messages.setdefault(message.channel, []).append(message)
            return copy.deepcopy(message)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        with self.lock:
            for message in self._messages.get(channel_id, []):
                if message.ts == ts:
                    return copy.deepcopy(message)
            return None

    def update_message(self, channel_id: str, ts: str, **changes: Any) -> Message | None:
        with self.lock:
            for message in self._messages.get(channel_id, []):
                if message.ts == ts:
                    for key, value in changes.items():
                        setattr(message, key, value)
                    message.edited_ts = self.next_ts()
                    return copy.deepcopy(message)
            return None

    def delete_message(self, channel_id: str, ts: str) -> bool:
        with self.lock:
            kept = [m for m in self._messages.get(channel_id, []) if m.ts != ts]
            found = len(kept) != len(self._messages.get(channel_id, []))
            self._messages[channel_id] = kept
            return found

    def messages(self, channel_id: str, *, visible_to: str | None = None) -> list[Message]:
        """A channel's messages, oldest first; with visible_to, only the ephemerals for them."""
        with self.lock:
            found = self._messages.get(channel_id, [])
            if visible_to is not None:
                found = [m for m in found if m.ephemeral_to in (None, visible_to)]
            return copy.deepcopy(found)

    def ephemeral_messages(self, user_id: str | None = None) -> list[Message]:
        with self.lock:
            return [
                copy.deepcopy(m)
                for channel in self._messages.values()
                for m in channel
                if m.ephemeral_to and user_id in (None, m.ephemeral_to)
            ]

    def message_json(self, message: Message) -> dict[str, Any]:
        """The message as Slack's API shows it."""
        out: dict[str, Any] = {"type": "message", "ts": message.ts, "user": message.user}
        out.update({"text": message.text, "team": self.team_id})
        if message.bot_id:
            out.update({"bot_id": message.bot_id, "app_id": self.app_id})
        if message.blocks:
            out["blocks"] = copy.deepcopy(message.blocks)
        if message.file_ids:
            with self.lock:
                out["files"] = [self.file_json(f) for f in message.file_ids if f in self._files]
            out["upload"] = True
        if message.thread_ts:
            out["thread_ts"] = message.thread_ts
        if message.edited_ts:
            out["edited"] = {"user": message.user, "ts": message.edited_ts}
        return out

    # -- files ---------------------------------------------------------------------------
    def new_upload(self, name: str, length: int, user: str, alt_txt: str | None) -> tuple[str, str]:
        """Start an external upload: (file id, upload token)."""
        with self.lock:
            file = StoredFile(self.new_id("F"), name, length, user, int(self.clock()))
            file.alt_txt = alt_txt
            token = secrets.token_urlsafe(16)
            self._files[file.id] = file
            self._uploads[token] = file.id
            return file.id, token

    def receive_upload(self, token: str, content: bytes) -> bool:
        with self.lock:
            file_id = self._uploads.pop(token, None)
            if file_id is None:
                return False
            self._files[file_id].content = content
            return True

    def file(self, file_id: str) -> StoredFile | None:
        with self.lock:
            found = self._files.get(file_id)
            return copy.deepcopy(found) if found else None

    def complete_file(self, file_id: str, title: str | None, channel_id: str | None) -> None:
        with self.lock:
            file = self._files[file_id]
            file.title = title or file.title or file.name
            if channel_id and channel_id not in file.channels:
                file.channels.append(channel_id)

    def files(self) -> list[StoredFile]:
        with self.lock:
            return copy.deepcopy(list(self._files.values()))

    def file_json(self, file_id: str) -> dict[str, Any]:
        from bot.sandbox.files import file_object  # local import: files.py renders, state stores

        with self.lock:
            return file_object(self, self._files[file_id])

    # -- home views ----------------------------------------------------------------------
    def publish_home(self, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            previous = self._home_views.get(user_id)
            published = {
                **copy.deepcopy(view),
                "id": previous["id"] if previous else self.new_id("V"),
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
                "hash": f"{int(self.clock())}.{secrets.token_hex(4)}",
                "state": {"values": {}},
            }
            published.setdefault("private_metadata", "")
            published.setdefault("callback_id", "")
            self._home_views[user_id] = published
            return copy.deepcopy(published)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self.lock:
            view = self._home_views.get(user_id)
            return copy.deepcopy(view) if view else None

    # -- faults, as Slack has them (rate limits, outages) ---------------------------------
    def fail_next(
        self, method: str, status: int, *, retry_after: int | None = None, count: int = 1
    ) -> None:
        """Answer the next `count` calls of `method` with HTTP `status` (429 with Retry-After,
        5xx); `method` "*" is any method."""
        with self.lock:
            self._faults.setdefault(method, []).extend([Fault(status, retry_after)] * count)

    def rate_limit(self, method: str, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` calls of `method` answer 429 with `Retry-After: retry_after`."""
        self.fail_next(method, 429, retry_after=retry_after, count=count)

    def pending_faults(self) -> dict[str, int]:
        """How many injected failures each method still has queued."""
        with self.lock:
            return {m: len(q) for m, q in self._faults.items() if q}

    def take_fault(self, method: str) -> Fault | None:
        with self.lock:
            for key in (method, "*"):
                queued = self._faults.get(key)
                if queued:
                    return queued.pop(0)
            return None

    # -- recorded calls ------------------------------------------------------------------
    def record_call(self, method: str, params: dict[str, Any], error: str | None) -> None:
        call = ApiCall(method, copy.deepcopy(params), self.clock(), error is None, error)
        with self.lock:
            self._calls.append(call)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self.lock:
            return [c for c in self._calls if method in (None, c.method)]

    # -- response_url --------------------------------------------------------------------
    def new_response_url(
        self, channel_id: str, user_id: str, *, message_ts: str | None = None
    ) -> str:
        """A response_url bound to a channel and user (and the message an action came from)."""
        token = secrets.token_urlsafe(18)
        with self.lock:
            self._response_urls[token] = ResponseUrl(
                token, channel_id, user_id, self.clock(), message_ts
            )
            return f"{self.base_url}/response/{token}"

    def use_response_url(self, token: str) -> ResponseUrl | str:
        """Spend one use of a response_url: the ResponseUrl, or the reason it can't be used."""
        with self.lock:
            found = self._response_urls.get(token)
            if found is None:
                return "no_active_hooks"
            expired = self.clock() - found.created > RESPONSE_URL_TTL_SECONDS
            if expired or found.uses >= RESPONSE_URL_MAX_USES:
                return "expired_url"
            found.uses += 1
            return copy.deepcopy(found)
