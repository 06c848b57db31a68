"""Alerts: evaluate every budget and cost series, claim each alert once, and act on its buttons.

One evaluation runs at a time across replicas (the named lock `alerts:evaluate`); within it the
claims and the evaluation state commit in one transaction of the ledger, each alert under its
unique key, so a restart, a retry or a second evaluator never tells an alert twice. Messages
wait in the outbox until delivery posts them: `evaluate` reports them `pending`; `refresh`
reads what became of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.services.alert_claims import Planned, ReportedAlert, Status, plan_claims
from bot.services.alert_facts import AlertDescriber
from bot.services.alert_ports import (
    AlertKind,
    AlertLedger,
    AlertRecord,
    AlertState,
    AuditEntry,
    ChannelDirectory,
)
from bot.services.alert_routing import AlertRouter
from bot.services.alert_rules import Finding
from bot.services.alert_rules.anomalies import AnomalyRule
from bot.services.alert_rules.forecasts import forecast_findings
from bot.services.alert_rules.history import BudgetHistory
from bot.services.alert_rules.thresholds import threshold_findings
from bot.services.budgets import BudgetLine, BudgetService
from bot.services.errors import AlreadyDecidedError, NotAuthorisedError, NotFoundError
from bot.services.job_ports import NamedLocks

EVALUATE_LOCK = "alerts:evaluate"
SNOOZE_DAYS = 7
# Days after a period ends that its late billing data is still judged against its thresholds.
LATE_DAYS = 7


@dataclass(frozen=True)
class EvaluationReport:
    alerts: list[ReportedAlert]
    dry_run: bool = False

    def json(self) -> dict[str, list[dict[str, str | None]]]:
        return {"alerts": [alert.json() for alert in self.alerts]}


@dataclass(frozen=True)
class AlertScope:
    """What an alert is about, for its "Show breakdown" button."""

    dimension: str | None  # None: all cost
    value: str | None
    start: date
    end: date
    label: str


class AlertService:
    def __init__(
        self,
        budgets: BudgetService,
        ledger: AlertLedger,
        locks: NamedLocks,
        router: AlertRouter,
        describe: AlertDescriber,
        *,
        anomalies: AnomalyRule | None,
        complete_through: Callable[[date], date | None],
        forecast_step: Decimal = Decimal(10),
        forecast_min_days: int = 5,
        max_per_channel: int = 5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._budgets = budgets
        self._ledger = ledger
        self._locks = locks
        self._router = router
        self._describe = describe
        self._anomalies = anomalies
        self._complete_through = complete_through
        self._step = forecast_step
        self._min_days = forecast_min_days
        self._max_per_channel = max_per_channel
        self._clock = clock

    def routed_through(self, directory: ChannelDirectory) -> AlertService:
        """The same service, resolving channels through `directory` (a Slack client known
        only after the service was built: the demo's sandbox)."""
        routed = copy(self)
        routed._router = self._router.with_directory(directory)
        return routed

    # -- evaluation -----------------------------------------------------------------------

    def evaluate(self, dry_run: bool = False) -> EvaluationReport:
        """Find every alert due now and claim it; `dry_run` claims and posts nothing."""
        with self._locks.hold(EVALUATE_LOCK):
            now = self._clock()
            findings, state = self._findings(self._budgets.today())
            planned, unclaimed = plan_claims(
                findings,
                self._router,
                self._describe,
                self._ledger.snoozes(now),
                self._max_per_channel,
            )
            if dry_run:
                return EvaluationReport(self._dry_run(planned) + unclaimed, dry_run=True)
            claimed = self._ledger.commit_evaluation([p.claim for p in planned], state, now)
        reported = [
            p.reported
            if p.claim.key in claimed
            else replace(p.reported, status=Status.ALREADY_SENT)
            for p in planned
            if p.reported is not None
        ]
        return EvaluationReport(reported + unclaimed)

    def refresh(self, report: EvaluationReport) -> EvaluationReport:
        """The report with each pending alert's status read again (posted once delivered)."""
        if report.dry_run:
            return report
        alerts = []
        for alert in report.alerts:
            if alert.status == Status.PENDING:
                record = self._ledger.record(alert.summary or alert.key)
                if record is not None and record.state is AlertState.POSTED:
                    alert = replace(alert, status=Status.POSTED)
            alerts.append(alert)
        return EvaluationReport(alerts)

    def _findings(self, today: date) -> tuple[list[Finding], dict]:
        lines = self._budgets.lines(today)
        closing = self._closing_lines(today)
        since = min((line.status.start for line in lines + closing), default=today)
        records = self._ledger.records(since, (AlertKind.THRESHOLD, AlertKind.FORECAST))
        history = BudgetHistory.from_records(records)
        # A period that just ended still gets its late days (billing data lags a day or two):
        # its thresholds are judged on them too; a forecast of it says nothing any more.
        findings = threshold_findings(closing, history) + threshold_findings(lines, history)
        findings += forecast_findings(
            lines, history, step_percent=self._step, min_days=self._min_days
        )
        state: dict = {}
        if self._anomalies is not None:
            by_scope = {line.budget.scope.key().lower(): line.budget for line in lines}
            outcome = self._anomalies.evaluate(
                self._complete_through(today),
                self._ledger.evaluation_state(),
                lambda scope: by_scope.get(scope.lower()),
            )
            findings += outcome.findings
            state.update(outcome.state)
        return findings, state

    def _closing_lines(self, today: date) -> list[BudgetLine]:
        """Each budget's previous period while its last days are still arriving: it ended at
        most LATE_DAYS ago and the complete days do not yet reach past it (the evaluation that
        sees its last day complete is the last to judge it)."""
        complete = self._complete_through(today)
        ends = set()
        for budget in self._budgets.budgets():
            end = budget.period_containing(today)[0] - timedelta(days=1)
            late = complete is None or complete <= end
            if late and (today - end).days <= LATE_DAYS:
                ends.add(end)
        closing = []
        for end in sorted(ends):
            closing += [
                line
                for line in self._budgets.lines(end)
                if line.status.end == end and line.budget.period_containing(today)[0] > end
            ]
        return closing

    def _dry_run(self, planned: Sequence[Planned]) -> list[ReportedAlert]:
        reported = []
        for item in planned:
            if item.reported is None:
                continue
            known = self._ledger.record(item.claim.key) is not None
            status = Status.ALREADY_SENT if known else Status.DRY_RUN
            reported.append(replace(item.reported, status=status))
        return reported

    # -- buttons --------------------------------------------------------------------------

    def alert(self, key: str) -> AlertRecord:
        record = self._ledger.record(key)
        if record is None:
            raise NotFoundError("That alert is no longer known to costbot.")
        return record

    def scope_of(self, key: str) -> AlertScope:
        """The scope and period an alert is about: its budget's period so far, or its day."""
        record = self.alert(key)
        dimension, _, value = record.scope.partition("=")
        today = self._budgets.today()
        period = record.detail.get("budget_period")
        if isinstance(period, str) and record.day is not None:
            start = record.day
            end = min(_period_end(self._budgets, record.scope, start) or today, today)
            label = f"{start:%B %Y}" if start.day == 1 else f"since {start.isoformat()}"
        else:
            start = end = record.day or today
            label = start.isoformat()
        if record.scope == "all" or not value:
            return AlertScope(None, None, start, end, label)
        return AlertScope(dimension, value, start, end, label)

    def may_snooze(self, key: str, user_id: str) -> bool:
        """Budget editors and whoever the alert mentions (its budget's mentions) may snooze."""
        record = self._ledger.record(key)
        if record is None:
            return True  # no such alert: `snooze` says so
        budget = next((b for b in self._budgets.budgets() if b.scope.key() == record.scope), None)
        return self._budgets.may_snooze(user_id, budget.mentions if budget else ())

    def snooze(self, key: str, actor: str, days: int = SNOOZE_DAYS) -> datetime:
        """Silence the alert's scope for `days`, audited; returns when the snooze ends."""
        if not self.may_snooze(key, actor):
            raise NotAuthorisedError(
                "Only budget editors and the people this alert mentions may snooze it; "
                "nothing was changed. Acknowledge it instead, or ask one of them."
            )
        record = self.alert(key)
        now = self._clock()
        until = now + timedelta(days=days)
        entry = AuditEntry(
            actor=actor,
            action="alert.snooze",
            subject=record.scope,
            at=now,
            after={"until": until.isoformat(), "alert": key},
        )
        self._ledger.snooze(record.scope, until, entry)
        return until

    def acknowledge(self, key: str, actor: str) -> AlertRecord:
        """Record who acknowledged the alert; AlreadyDecidedError names who was first."""
        record = self.alert(key)
        if record.acknowledged_by is None:
            entry = AuditEntry(
                actor=actor, action="alert.acknowledge", subject=key, at=self._clock()
            )
            record = self._ledger.acknowledge(key, entry) or record
            if record.acknowledged_by == actor:
                return record
        when = f" at {record.acknowledged_at:%Y-%m-%d %H:%M} UTC" if record.acknowledged_at else ""
        # Plain id, not a <@mention>: the one error handler escapes what it shows.
        raise AlreadyDecidedError(
            f"This alert was already acknowledged by {record.acknowledged_by}{when}."
        )


def _period_end(budgets: BudgetService, scope: str, start: date) -> date | None:
    budget = next((b for b in budgets.budgets() if b.scope.key() == scope), None)
    return budget.period_containing(start)[1] if budget else None
