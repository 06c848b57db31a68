"""usergroups.list and usergroups.users.list: the sandbox's user groups, as Slack lists them."""

from __future__ import annotations

from typing import Any

from bot.sandbox.web_api import TRUE, ApiError, MethodCall, method


@method("usergroups.list")
def usergroups_list(call: MethodCall) -> dict[str, Any]:
    state = call.state
    include_users = call.get("include_users") in TRUE
    with state.lock:
        groups = list(state.usergroups.values())
    listed = [g.to_slack(state.team_id, state.created, include_users=include_users) for g in groups]
    if call.get("include_count") not in TRUE:
        for group in listed:
            group.pop("user_count")
    return {"usergroups": listed}


@method("usergroups.users.list")
def usergroups_users_list(call: MethodCall) -> dict[str, Any]:
    group = call.state.usergroup(call.require("usergroup"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}
