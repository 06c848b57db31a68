"""Read a usage file (CSV or Parquet): a measured quantity per receiver and day, such as GPU
hours per team exported from a job scheduler, for `split: usage` rules.

Every value is checked before any is used: a file that cannot be read whole stops the
re-split, and the stored split stays as it was.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from bot.services.shared_ports import UsageDay, UsageFileError

_PARQUET_SUFFIXES = (".parquet", ".pq")


class PandasUsageFileReader:
    """The UsageFileReader port: days as ISO dates (UTC), receivers folded to lower case,
    quantities as exact decimals, none negative."""

    def read(
        self, path: str, day_column: str, receiver_column: str, quantity_column: str
    ) -> list[UsageDay]:
        frame, parquet = _load(path)
        wanted = {"day": day_column, "receiver": receiver_column, "quantity": quantity_column}
        for role, column in wanted.items():
            if column not in frame.columns:
                has = ", ".join(map(str, frame.columns)) or "none"
                raise UsageFileError(
                    f"usage file {path}: no column {column!r} for the {role} (its columns: "
                    f"{has}); name the right one in the rule's usage.columns.{role}, "
                    "or add the column to the file"
                )
        rows = []
        for index, (day, receiver, quantity) in enumerate(
            zip(frame[day_column], frame[receiver_column], frame[quantity_column], strict=True)
        ):
            where = f"usage file {path}, {_row_name(index, parquet)}"
            rows.append(
                UsageDay(_day(day, where), _receiver(receiver, where), _quantity(quantity, where))
            )
        return rows


def _load(path: str) -> tuple[pd.DataFrame, bool]:
    file = Path(path)
    parquet = file.suffix.lower() in _PARQUET_SUFFIXES
    if not file.is_file():
        raise UsageFileError(
            f"usage file {path}: not found; write it there (CSV or Parquet with day, receiver "
            "and quantity columns) or fix usage.file in allocation.shared"
        )
    try:
        if parquet:
            return pd.read_parquet(file), True
        return pd.read_csv(file, dtype=str, keep_default_na=False), False
    except Exception as exc:  # pandas raises many types; each one means "not readable as this"
        kind = "Parquet" if parquet else "CSV"
        raise UsageFileError(
            f"usage file {path}: cannot be read as {kind} ({type(exc).__name__}: {exc}); "
            "export it again as CSV with a header row, or as Parquet (.parquet)"
        ) from None


def _row_name(index: int, parquet: bool) -> str:
    # CSV: the line a person sees in an editor (the header is line 1).
    return f"row {index + 1}" if parquet else f"line {index + 2}"


def _day(value: object, where: str) -> date:
    if isinstance(value, datetime):  # pandas' Timestamp is one too
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip() if value is not None else ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageFileError(
            f"{where}: day {text!r} is not a date; write it as YYYY-MM-DD (UTC)"
        ) from None
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def _receiver(value: object, where: str) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    folded = text.strip().lower()
    if not folded:
        raise UsageFileError(f"{where}: the receiver is empty; name who used the quantity")
    return folded


def _quantity(value: object, where: str) -> Decimal:
    text = "" if value is None else str(value).strip()
    try:
        quantity = Decimal(text)
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise UsageFileError(f"{where}: quantity {text!r} is not a number; fix or remove the row")
    if quantity < 0:
        raise UsageFileError(
            f"{where}: quantity {text} is negative; usage is zero or more, fix the row"
        )
    return quantity
