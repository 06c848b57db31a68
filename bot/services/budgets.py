"""Budgets: the config's and Slack's, their status today, and who may change them.

A config budget wins over a Slack budget of the same scope: the file is what the operator
reviewed. Changes from Slack are checked against `alerts.budget_editors` here (the Slack edge
checks first, in middleware; the service checks again) and audited with before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from bot.domain.access import may_edit_budgets, may_snooze_alert
from bot.domain.budget_records import budget_record
from bot.domain.budgets import Budget, BudgetScope, BudgetStatus, budget_status
from bot.domain.forecast import Projection, project_period_spend
from bot.services.alert_ports import AuditEntry, BudgetStore, UserGroups
from bot.services.errors import NotAuthorisedError, NotFoundError
from bot.services.spend import ScopeSpend, SpendReader

# Recent days sampled for a run rate (the forecast's own default), read before a period starts.
RECENT_DAYS = 14


@dataclass(frozen=True)
class BudgetLine:
    """One budget's state today: its status (spent, % used, projection) and where it is set."""

    status: BudgetStatus
    origin: Literal["config", "slack"]
    projection: Projection | None  # how `status.projected` was computed; None before min days
    updated_by: str | None = None  # who set a Slack budget last
    # A Slack budget of the same scope that this config budget hides.
    hides_slack_budget: bool = False
    # Shared cost (received under allocation.shared) that `status.spent` includes.
    shared: Decimal = Decimal(0)

    @property
    def budget(self) -> Budget:
        return self.status.budget


@dataclass(frozen=True)
class BudgetChange:
    """What a set or delete did."""

    before: Budget | None
    after: Budget | None
    # The scope has a config budget, which keeps applying whatever Slack stores.
    config_budget: Budget | None


class BudgetService:
    def __init__(
        self,
        config_budgets: Sequence[Budget],
        store: BudgetStore,
        spend: SpendReader,
        *,
        today: Callable[[], date],
        complete_through: Callable[[date], date | None],
        editors: frozenset[str],
        groups: UserGroups | None = None,
        forecast_min_days: int = 5,
        default_currency: str = "USD",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = {budget.scope.key(): budget for budget in config_budgets}
        self._store = store
        self._spend = spend
        self.today = today
        self._complete_through = complete_through
        self._editors = editors
        self._groups = groups
        self._min_days = forecast_min_days
        self._clock = clock
        # A budget set from Slack without a currency, and no earlier one to keep, takes this.
        self.default_currency = default_currency

    def use_user_groups(self, groups: UserGroups) -> None:
        """Look editors' user groups up through `groups` (Slack's, known once the app is)."""
        self._groups = groups

    # -- reading --------------------------------------------------------------------------

    def lines(self, day: date | None = None) -> list[BudgetLine]:
        """Every budget in force on `day` (default today), config ones first, then by scope."""
        day = day or self.today()
        stored = {s.budget.scope.key(): s for s in self._store.stored_budgets()}
        chosen: list[tuple[Budget, Literal["config", "slack"], str | None, bool]] = [
            (budget, "config", None, key in stored) for key, budget in self._config.items()
        ]
        chosen += [
            (s.budget, "slack", s.updated_by, False)
            for key, s in stored.items()
            if key not in self._config
        ]
        spend = self._read(budget for budget, *_ in chosen)(day)
        # Once for all budgets: each reading asks the store for its data version.
        through = self._complete_through(day)
        return [self._line(*choice, spend, day, through) for choice in chosen]

    def budgets(self) -> list[Budget]:
        """Every budget in force (without reading any cost)."""
        stored = [s.budget for s in self._store.stored_budgets()]
        return [*self._config.values(), *(b for b in stored if b.scope.key() not in self._config)]

    def line(self, scope: BudgetScope, day: date | None = None) -> BudgetLine:
        """One scope's budget in force; NotFoundError when it has none."""
        for line in self.lines(day):
            if line.budget.scope.key() == scope.key():
                return line
        raise NotFoundError(f"There is no budget for {scope}. Set one with /cost budget set.")

    def _read(self, budgets) -> Callable[[date], ScopeSpend]:
        budgets = list(budgets)

        def read(day: date) -> ScopeSpend:
            starts = [b.period_containing(day)[0] for b in budgets] or [day]
            first = min(starts) - timedelta(days=RECENT_DAYS)
            dimensions = {b.scope.dimension for b in budgets}
            return self._spend.read(dimensions, first, day)

        return read

    def _line(
        self,
        budget: Budget,
        origin: Literal["config", "slack"],
        updated_by: str | None,
        hides: bool,
        spend: ScopeSpend,
        day: date,
        through: date | None,
    ) -> BudgetLine:
        start, end = budget.period_containing(day)
        projection = None
        if through is not None and through >= start:
            projection = project_period_spend(
                spend.series(budget.scope, budget.currency),
                start,
                end,
                through,
                recent_days=RECENT_DAYS,
                min_days=self._min_days,
            )
        status = budget_status(
            budget,
            day,
            spend.totals(budget.scope, start, day),
            projection.projected if projection else None,
        )
        shared = spend.received(budget.scope, start, day).get(budget.currency, Decimal(0))
        return BudgetLine(status, origin, projection, updated_by, hides, shared)

    # -- changing -------------------------------------------------------------------------

    def may_edit(self, user_id: str) -> bool:
        """The pure rule, with the user's groups among the editors looked up in Slack."""
        groups: set[str] = set()
        wanted = [editor for editor in self._editors if editor.startswith("S")]
        if wanted and self._groups is not None and user_id not in self._editors:
            groups = self._groups.groups_of(user_id, wanted)
        return may_edit_budgets(user_id, groups, self._editors)

    def may_snooze(self, user_id: str, mentioned: Sequence[str]) -> bool:
        """Budget editors and the users and groups an alert mentions may snooze it."""
        named = frozenset(mentioned)
        wanted = [g for g in self._editors | named if g.startswith("S")]
        groups: set[str] = set()
        if wanted and self._groups is not None and user_id not in self._editors | named:
            groups = self._groups.groups_of(user_id, wanted)
        return may_snooze_alert(user_id, groups, self._editors, named)

    def check_may_edit(self, user_id: str) -> None:
        if not self.may_edit(user_id):
            raise NotAuthorisedError(self.who_may_edit())

    def who_may_edit(self) -> str:
        if not self._editors:
            return (
                "Budgets cannot be changed from Slack here: nobody is listed in "
                "alerts.budget_editors. Ask whoever runs costbot to add you, or to change "
                "the budget in the config file."
            )
        names = ", ".join(
            f"<!subteam^{e}>" if e.startswith("S") else f"<@{e}>" for e in sorted(self._editors)
        )
        return f"Sorry, only budget editors may change budgets: ask {names}. Nothing was changed."

    def set_budget(self, actor: str, budget: Budget) -> BudgetChange:
        """Store `budget` for its scope (replacing Slack's previous one), audited."""
        self.check_may_edit(actor)
        before = self._stored(budget.scope)
        entry = AuditEntry(
            actor=actor,
            action="budget.set",
            subject=budget.scope.key(),
            at=self._clock(),
            before=budget_record(before) if before else None,
            after=budget_record(budget),
        )
        replaced = self._store.put_budget(budget, entry)
        return BudgetChange(
            replaced.budget if replaced else None, budget, self._config.get(budget.scope.key())
        )

    def delete_budget(self, actor: str, scope: BudgetScope) -> BudgetChange:
        """Delete the Slack budget of `scope`, audited; NotFoundError when Slack set none."""
        self.check_may_edit(actor)
        before = self._stored(scope)
        config_budget = self._config.get(scope.key())
        if before is None:
            where = " (its budget is set in the config file)" if config_budget else ""
            raise NotFoundError(f"No budget for {scope} was set from Slack{where}.")
        entry = AuditEntry(
            actor=actor,
            action="budget.delete",
            subject=scope.key(),
            at=self._clock(),
            before=budget_record(before),
        )
        removed = self._store.remove_budget(scope, entry)
        if removed is None:
            raise NotFoundError(f"No budget for {scope} was set from Slack.")
        return BudgetChange(removed.budget, None, config_budget)

    def history(self, scope: BudgetScope, limit: int = 100) -> list[AuditEntry]:
        """The audit log of `scope`'s budget, newest first: who changed it, when, from what."""
        return self._store.audit_log(scope.key(), limit)

    def stored_budget(self, scope: BudgetScope) -> Budget | None:
        """The budget Slack set for `scope`, if any (whether or not a config budget hides it)."""
        return self._stored(scope)

    def config_budget(self, scope: BudgetScope) -> Budget | None:
        """The config file's budget for `scope`, if any: it wins over Slack's."""
        return self._config.get(scope.key())

    def _stored(self, scope: BudgetScope) -> Budget | None:
        key = scope.key()
        stored = self._store.stored_budgets()
        return next((s.budget for s in stored if s.budget.scope.key() == key), None)
