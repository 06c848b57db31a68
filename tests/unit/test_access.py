"""Who may change budgets: listed users and members of listed user groups, nobody by default."""

from __future__ import annotations

import pytest

from bot.domain.access import may_edit_budgets

EDITORS = frozenset({"U0ALICE", "S0FINOPS"})


@pytest.mark.parametrize(
    ("user", "groups", "allowed"),
    [
        ("U0ALICE", (), True),  # listed by user id
        ("U0BOB", ("S0FINOPS",), True),  # member of a listed group
        ("U0BOB", ["S0OTHER", "S0FINOPS"], True),
        ("U0BOB", (), False),
        ("U0BOB", ("S0OTHER",), False),
        ("", ("S0FINOPS",), False),  # no user id: never allowed
        ("S0FINOPS", (), True),  # ids are compared as given
    ],
)
def test_may_edit_budgets(user, groups, allowed):
    assert may_edit_budgets(user, groups, EDITORS) is allowed


def test_empty_editors_means_nobody():
    assert may_edit_budgets("U0ALICE", ("S0FINOPS",), frozenset()) is False


def test_an_empty_group_id_does_not_match_an_empty_editor_entry():
    assert may_edit_budgets("U0BOB", ("",), frozenset({"", "U0ALICE"})) is False


def test_groups_are_read_lazily_only_when_needed():
    def groups():
        raise AssertionError("a listed user needs no group lookup")
        yield  # pragma: no cover

    assert may_edit_budgets("U0ALICE", groups(), EDITORS) is True
