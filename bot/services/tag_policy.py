"""`costbot tags report`: resources missing any of `allocation.required_tags`, per account."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from bot.domain.periods import Period
from bot.domain.tag_policy import TagPolicyReport, account_compliance
from bot.services.errors import UserFacingError
from bot.services.freshness import Freshness
from bot.services.tag_ports import TagStore

HOW_TO_REQUIRE = (
    "No required tags are configured, so there is no tag policy to check. Add them to "
    "costbot.yml, e.g.\n\nallocation:\n  required_tags: [project, team, owner]\n\n"
    "(keys are matched as allocation matches them: `Project` and `user:project` are `project`)."
)


class NoRequiredTagsError(UserFacingError):
    """`allocation.required_tags` is empty: the message says how to set it."""

    def __init__(self) -> None:
        super().__init__(HOW_TO_REQUIRE)


class TagPolicyService:
    def __init__(
        self,
        tags: TagStore,
        freshness: Freshness,
        *,
        required_tags: Sequence[str],
        cost_basis: str = "effective",
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self._tags = tags
        self._freshness = freshness
        self.required_tags = tuple(required_tags)
        self._basis = cost_basis
        self._today = today

    def report(self, period: Period) -> TagPolicyReport:
        """Each account's resources with cost in the period, and those missing a required tag."""
        if not self.required_tags:
            raise NoRequiredTagsError()
        lines = self._tags.billed_lines(period.start, period.end, self._basis, untagged_only=False)
        return TagPolicyReport(
            period=period,
            cost_basis=self._basis,
            required=self.required_tags,
            accounts=tuple(account_compliance(lines, self.required_tags)),
            data_through=self._freshness.data_through(self._today()),
        )
