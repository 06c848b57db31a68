"""Who may do what: pure rules over Slack user and user-group ids."""

from __future__ import annotations

from collections.abc import Iterable


def may_edit_budgets(
    user_id: str,
    user_groups_of_user: Iterable[str],
    editors: frozenset[str],
) -> bool:
    """True when the user, or one of the user groups they belong to, is among `editors`.

    `editors` holds Slack user ids and user-group ids (`alerts.budget_editors`). An empty set
    means nobody may change budgets: a missing setting must not open budgets to everyone, and
    budgets in the config file stay editable by whoever edits that file.
    """
    if not editors or not user_id:
        return False
    if user_id in editors:
        return True
    return any(group in editors for group in user_groups_of_user if group)


def may_snooze_alert(
    user_id: str,
    user_groups_of_user: Iterable[str],
    editors: frozenset[str],
    mentioned: frozenset[str],
) -> bool:
    """Budget editors, and whoever the alert names (its mentioned users and user groups), may
    silence it: a snooze decides what a whole channel hears for a week."""
    return may_edit_budgets(user_id, user_groups_of_user, editors | mentioned)


def may_decide_stop(
    user_id: str,
    user_groups_of_user: Iterable[str],
    owner: str | None,
    approvers: frozenset[str],
) -> bool:
    """The machine's owner, and the team's approvers (users and user groups), may approve,
    keep or start again a machine's stop; nobody else, whatever the message shows them."""
    if not user_id:
        return False
    if owner is not None and user_id == owner:
        return True
    return may_edit_budgets(user_id, user_groups_of_user, approvers)
