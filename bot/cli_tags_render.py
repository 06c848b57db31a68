"""Plain-text answers of `costbot untagged` and `costbot tags report`."""

from __future__ import annotations

from collections.abc import Mapping

from bot.cli_render import money
from bot.domain.reports import CurrencyCoverage, UntaggedReport
from bot.domain.tag_policy import AccountCompliance, TagPolicyReport
from bot.domain.untagged_json import UNTAGGED_MEANS

# Non-compliant resources listed per account; the rest are counted (--json lists them all).
RESOURCES_SHOWN = 20


def _percent(value: object) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def tags_text(tags: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in tags.items()) or "none"


def render_untagged_report(report: UntaggedReport) -> str:
    period = report.period
    lines = [f"untagged cost: {period.label} ({period.start} .. {period.end})"]
    for part in report.currencies:
        lines.extend(_coverage_lines(part))
    lines.append(
        f"{report.cost_basis} cost · untagged = {UNTAGGED_MEANS} · data through "
        f"{report.data_through or 'nothing yet'}"
    )
    return "\n".join(lines)


def _coverage_lines(part: CurrencyCoverage) -> list[str]:
    currency = part.currency
    lines = [
        f"  {currency}: {money(part.untagged, currency)} untagged of {money(part.total, currency)}"
        f" · tag coverage {_percent(part.coverage_percent)}",
    ]
    if part.weekly:
        lines.append("  coverage by week")
        lines.extend(
            f"    {w.week}  {_percent(w.coverage_percent):>6}  ({w.start} .. {w.end})"
            for w in part.weekly
        )
    if part.tag_first:
        lines.append(f"  tag these first ({part.untagged_resources} untagged resources in all)")
        for r in part.tag_first:
            name = (
                f" ({r.resource_name})"
                if r.resource_name and r.resource_name != r.resource_id
                else ""
            )
            lines.append(f"    {money(r.cost, currency):>18}  {r.resource_id}{name}")
            lines.append(f"{'':24}account {r.account or '-'} · tags: {tags_text(r.tags)}")
            lines.extend(f"{'':24}hint: {h.text}" for h in r.hints)
    if part.untaggable:
        lines.append("  untaggable (no tag can allocate it)")
        lines.extend(
            f"    {money(c.cost, currency):>18}  {c.label} · {c.service or 'no service name'}"
            for c in part.untaggable
        )
    return lines


def render_tag_policy_report(report: TagPolicyReport) -> str:
    period = report.period
    lines = [
        f"tag policy: {period.label} ({period.start} .. {period.end}) · required: "
        + ", ".join(report.required)
    ]
    if not report.accounts:
        lines.append("  no resources with cost in this period")
    for account in report.accounts:
        lines.extend(_account_lines(account))
    lines.append(
        f"{report.cost_basis} cost · a tag is present when the resource's own tags carry it "
        f"(fallbacks do not count) · data through {report.data_through or 'nothing yet'}"
    )
    return "\n".join(lines)


def _account_lines(account: AccountCompliance) -> list[str]:
    currency = account.currency
    missing = ", ".join(f"{tag} {count}" for tag, count in account.missing_counts.items() if count)
    lines = [
        f"  account {account.account} ({currency}): {len(account.noncompliant)} of "
        f"{account.resources} resources miss a required tag, "
        f"{money(account.noncompliant_cost, currency)} of {money(account.cost, currency)}"
        + (f" · missing: {missing}" if missing else "")
    ]
    for r in account.noncompliant[:RESOURCES_SHOWN]:
        lines.append(
            f"    {money(r.cost, currency):>18}  {r.resource_id}  missing {', '.join(r.missing)}"
        )
    hidden = len(account.noncompliant) - RESOURCES_SHOWN
    if hidden > 0:
        lines.append(f"    ... and {hidden} more (--json lists them all)")
    return lines
