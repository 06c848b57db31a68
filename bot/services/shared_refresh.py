"""Keep the stored shared-cost split in step with the stored cost: at start when the rules
changed, and after each ingest for the days it replaced."""

from __future__ import annotations

import logging
from datetime import date

from bot.services.ports import IngestRunRecord
from bot.services.shared import ReallocationReport, SharedCostService
from bot.services.shared_ports import UsageFileError

logger = logging.getLogger("costbot.shared")


def reallocate_if_needed(shared: SharedCostService) -> ReallocationReport | None:
    """Re-split every stored day when the split was made with other rules (or usage files);
    None when it is current. A usage file that cannot be read is logged; the split stays."""
    if not shared.needs_reallocation():
        return None
    try:
        report = shared.reallocate()
    except UsageFileError as error:
        logger.error("shared cost not re-split (the stored split is unchanged): %s", error)
        return None
    log_report("rules changed", report)
    return report


class ReallocateAfterIngest:
    """The ingest's after-publish step: re-split the days the ingest replaced (all days,
    when the rules changed since the last split). The ingest stands whatever happens here."""

    def __init__(self, shared: SharedCostService) -> None:
        self._shared = shared

    def __call__(self, run: IngestRunRecord) -> None:
        try:
            if self._shared.needs_reallocation():
                log_report("rules changed", self._shared.reallocate())
                return
            days = replaced_days(run)
            if not self._shared.rules or days is None:
                return
            log_report(f"ingest of {run.source}", self._shared.reallocate(*days))
        except UsageFileError as error:
            logger.error(
                "shared cost of the days %s replaced not re-split: %s; run `costbot "
                "reallocate` once the file is fixed",
                run.source,
                error,
            )
        except Exception:  # the data is stored; only its split is behind until the next one
            logger.exception(
                "shared cost of the days %s replaced not re-split; run `costbot reallocate`",
                run.source,
            )


def replaced_days(run: IngestRunRecord) -> tuple[date, date] | None:
    """The first and last day an ingest removed or added cost on; None when none."""
    days = [day for span in run.day_ranges for day in span]
    for partition in run.replaced.get("partitions", []):
        for start, end in partition.get("days", []):
            days += [date.fromisoformat(start), date.fromisoformat(end)]
    return (min(days), max(days)) if days else None


def log_report(why: str, report: ReallocationReport) -> None:
    moved = "; ".join(
        f"{rule} {', '.join(f'{currency} {amount:.2f}' for currency, amount in sorted(by.items()))}"
        for rule, by in sorted(report.moved.items())
    )
    logger.info(
        "shared cost re-split (%s): days %s..%s, %d rule(s), %d entries, moved %s, "
        "days without usage data %s, %.3f s, version %d",
        why,
        report.start,
        report.end,
        report.rules,
        report.entries,
        moved or "nothing",
        dict(sorted(report.fallback_days.items())) or "none",
        report.seconds,
        report.version,
    )
