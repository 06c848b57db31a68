"""Channel membership and user groups, driven by the real slack_sdk WebClient and the
channel directory the bot uses (bot/slack_directory.py)."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SandboxServer, SandboxState
from bot.slack_directory import SlackChannelDirectory, SlackUserGroups
from tests.sandbox.conftest import http

RESEARCH, FRAUD, ADA, BEN, CHEN = (
    "C0RESEARCH",
    "C0FRAUDDT1",
    "U0SANDBOX1",
    "U0SANDBOX2",
    "U0SANDBOX3",
)


def error_of(call, **kwargs) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value.response["error"]


def test_the_list_says_where_the_bot_is_a_member(client: WebClient) -> None:
    channels = {c["name"]: c for c in client.conversations_list()["channels"]}
    assert channels["research"]["is_member"] is False
    assert channels["research"]["purpose"]["value"] == "Research team"
    assert all(c["is_member"] for name, c in channels.items() if name != "research")
    assert client.conversations_info(channel=RESEARCH)["channel"]["is_member"] is False
    assert client.conversations_info(channel=FRAUD)["channel"]["is_member"] is True


def test_paging_types_and_archived_channels(client: WebClient, state: SandboxState) -> None:
    state.channels["C0OLDPROJ1"] = state.channels[FRAUD].__class__(
        "C0OLDPROJ1", "old-project", is_archived=True
    )
    every = [c["id"] for c in client.conversations_list(limit=1000)["channels"]]
    assert "C0OLDPROJ1" in every
    seen, cursor = [], None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=3, cursor=cursor
        )
        assert len(page["channels"]) <= 3
        seen += [c["id"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == [c for c in every if c != "C0OLDPROJ1"]
    assert client.conversations_list(types="private_channel")["channels"] == []
    assert error_of(client.conversations_list, types="public_channel,nonsense") == "unknown_type"
    assert error_of(client.conversations_list, cursor="not-a-cursor") == "invalid_cursor"


def test_posting_needs_membership(client: WebClient, state: SandboxState) -> None:
    assert error_of(client.chat_postMessage, channel=RESEARCH, text="hi") == "not_in_channel"
    assert error_of(client.chat_postMessage, channel="#research", text="hi") == "not_in_channel"
    assert error_of(client.chat_postMessage, channel="C0NOWHERE", text="hi") == "channel_not_found"
    assert error_of(client.chat_postEphemeral, channel=RESEARCH, user=ADA, text="hi") == (
        "not_in_channel"
    )
    assert state.messages(RESEARCH) == []
    assert client.chat_postMessage(channel=BEN, text="a DM always works")["ok"]
    joined = client.conversations_join(channel=RESEARCH)["channel"]
    assert joined["is_member"] is True
    posted = client.chat_postMessage(channel=RESEARCH, text="now I can")
    assert [m.text for m in state.messages(RESEARCH)] == ["now I can"] and posted["ok"]


def test_the_bots_directory_sees_membership(client: WebClient, state: SandboxState) -> None:
    directory = SlackChannelDirectory(client)
    research = directory.resolve("#research")
    assert research is not None and (research.id, research.is_member) == (RESEARCH, False)
    assert directory.resolve("cloud-costs").is_member is True
    state.set_member(RESEARCH)
    assert directory.resolve(RESEARCH).is_member is False  # cached until forgotten
    directory.forget()
    assert directory.resolve(RESEARCH).is_member is True


def test_user_groups(client: WebClient) -> None:
    [group] = client.usergroups_list()["usergroups"]
    assert (group["id"], group["handle"], group["is_usergroup"]) == (
        "S0BUDGET01",
        "budget-editors",
        True,
    )
    assert "users" not in group and "user_count" not in group
    [counted] = client.usergroups_list(include_users=True, include_count=True)["usergroups"]
    assert counted["users"] == [ADA] and counted["user_count"] == 1
    assert client.usergroups_users_list(usergroup="S0BUDGET01")["users"] == [ADA]
    assert error_of(client.usergroups_users_list, usergroup="S0NOPE0001") == "no_such_subteam"
    groups = SlackUserGroups(client)
    assert groups.groups_of(ADA, ["S0BUDGET01", "S0NOPE0001"]) == {"S0BUDGET01"}
    assert groups.groups_of(BEN, ["S0BUDGET01"]) == set() == groups.groups_of(CHEN, ["S0BUDGET01"])


def test_the_page_knows_membership_and_groups(sandbox: SandboxServer) -> None:
    status, body = http(f"{sandbox.url}/sandbox/api/workspace", headers=sandbox.ui_headers)
    assert status == 200
    workspace = json.loads(body)
    research = next(c for c in workspace["channels"] if c["id"] == RESEARCH)
    assert research["is_member"] is False
    assert workspace["usergroups"] == [
        {"id": "S0BUDGET01", "handle": "budget-editors", "name": "Budget editors", "users": [ADA]}
    ]
    assert workspace["sandbox_user"] == ADA


def test_a_failed_channel_read_is_not_repeated_for_every_alert(
    client: WebClient, state: SandboxState
) -> None:
    from slack_sdk.errors import SlackApiError

    from bot.slack_directory import FAILURE_SECONDS, SlackChannelDirectory

    now = [0.0]
    directory = SlackChannelDirectory(client, clock=lambda: now[0])
    state.fail_next("conversations.list", 500)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            directory.resolve("#general")
    assert len(state.calls("conversations.list")) == 1  # asked once, not once per alert
    now[0] += FAILURE_SECONDS + 1
    assert directory.resolve("#general") is not None


def test_user_groups_are_read_at_start_and_refreshed_behind_the_checks(
    client: WebClient, state: SandboxState
) -> None:
    now = [0.0]
    groups = SlackUserGroups(client, ttl=60, clock=lambda: now[0])
    groups.warm(["S0BUDGET01"])
    calls = len(state.calls("usergroups.users.list"))
    assert groups.groups_of(ADA, ["S0BUDGET01"]) == {"S0BUDGET01"}
    assert len(state.calls("usergroups.users.list")) == calls  # answered from what was read
    now[0] += 61
    assert groups.groups_of(ADA, ["S0BUDGET01"]) == {"S0BUDGET01"}  # at once, not after Slack
    deadline = time.monotonic() + 5
    while len(state.calls("usergroups.users.list")) == calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(state.calls("usergroups.users.list")) == calls + 1  # one refresh, behind it
