"""EC2 list prices and GPU counts by instance type: the table shipped next to this module
(`prices.csv`), with the rows of an operator's `idle.price_file` replacing its own type by type.

Both files have the columns `instance_type,hourly,currency,gpus` (`gpus` may be left empty in a
price file: the shipped count, if any, stays); lines starting with `#` are comments. A bad row
is refused with its file and line, so a typo never becomes a wrong price in a message.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

SHIPPED_FILE = Path(__file__).with_name("prices.csv")
SHIPPED_SOURCE = "on-demand list price (price table)"
_COLUMNS = ("instance_type", "hourly", "currency", "gpus")
_REQUIRED = ("instance_type", "hourly", "currency")
_EXAMPLE = "g5.xlarge,1.006,USD,1"
_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Families whose machines hold NVIDIA GPUs. A type of one that no table lists still counts as
# a GPU machine, so it must show GPU metrics to be called idle (fail safe), never CPU alone.
_GPU_FAMILY = re.compile(r"^(g\d|gr\d|p\d)[a-z]*\.")


class PriceFileError(ValueError):
    """A price file that cannot be used, naming the file, the line and the fix."""


@dataclass(frozen=True)
class ListedPrice:
    instance_type: str
    hourly: Decimal
    currency: str
    gpus: int | None  # None: the file did not say
    source: str  # what a message says the price is


def read_price_file(path: Path, source: str) -> dict[str, ListedPrice]:
    """Every row of a price CSV by instance type; PriceFileError on the first bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PriceFileError(f"price file {path} does not exist; fix idle.price_file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceFileError(f"price file {path} cannot be read ({exc})") from None
    numbered = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise PriceFileError(f"{path} has no header; start it with {','.join(_COLUMNS)}")
    header_line, header = numbered[0]
    columns = [name.strip().lower() for name in next(csv.reader([header]))]
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise PriceFileError(
            f"{path}: line {header_line}: the header lacks {', '.join(missing)}; "
            f"write {','.join(_COLUMNS)}"
        )
    prices: dict[str, ListedPrice] = {}
    seen_at: dict[str, int] = {}
    for number, line in numbered[1:]:
        cells = next(csv.reader([line]))
        row = _row(dict(zip(columns, (c.strip() for c in cells), strict=False)), source)
        if isinstance(row, str):
            raise PriceFileError(f"{path}: line {number}: {row}; a row reads e.g. {_EXAMPLE}")
        if row.instance_type in prices:
            raise PriceFileError(
                f"{path}: line {number}: {row.instance_type} is listed again (first on line "
                f"{seen_at[row.instance_type]}); keep one row per instance type"
            )
        prices[row.instance_type] = row
        seen_at[row.instance_type] = number
    return prices


def _row(cells: dict[str, str], source: str) -> ListedPrice | str:
    """The row, or what is wrong with it."""
    instance_type = cells.get("instance_type", "")
    if not _TYPE.match(instance_type):
        return f"instance_type {instance_type!r} is not an EC2 instance type"
    try:
        hourly = Decimal(cells.get("hourly", ""))
    except InvalidOperation:
        return f"hourly {cells.get('hourly', '')!r} is not a number"
    if not hourly.is_finite() or hourly < 0:
        return f"hourly {cells.get('hourly')!r} is not a price per hour"
    currency = cells.get("currency", "")
    if not _CURRENCY.match(currency):
        return f"currency {currency!r} is not a three-letter code such as USD"
    gpus_text = cells.get("gpus", "")
    if gpus_text and not gpus_text.isdigit():
        return f"gpus {gpus_text!r} is not a whole number"
    return ListedPrice(
        instance_type, hourly, currency, int(gpus_text) if gpus_text else None, source
    )


@cache
def shipped_prices() -> dict[str, ListedPrice]:
    return read_price_file(SHIPPED_FILE, SHIPPED_SOURCE)


def _price_table(price_file: Path | None) -> dict[str, ListedPrice]:
    prices = dict(shipped_prices())
    if price_file is not None:
        for instance_type, row in read_price_file(price_file, _file_source(price_file)).items():
            shipped = prices.get(instance_type)
            gpus = row.gpus if row.gpus is not None else (shipped.gpus if shipped else None)
            prices[instance_type] = ListedPrice(
                instance_type, row.hourly, row.currency, gpus, row.source
            )
    return prices


def _file_source(price_file: Path) -> str:
    # The message keeps 40 characters of a source, so the file's name (any length) is left out.
    return "list price from idle.price_file"


class Ec2PriceTable:
    """The shipped table, overlaid by `price_file` (read once: an error shows at start)."""

    def __init__(self, price_file: Path | None = None) -> None:
        self._prices = _price_table(price_file)

    def hourly(self, instance_type: str) -> tuple[Decimal, str] | None:
        row = self._prices.get(instance_type)
        return None if row is None else (row.hourly, row.currency)

    def source(self, instance_type: str) -> str:
        row = self._prices.get(instance_type)
        return row.source if row is not None else SHIPPED_SOURCE

    def gpus(self, instance_type: str) -> int:
        """How many GPUs the type holds (a GPU family's unlisted type counts as one)."""
        row = self._prices.get(instance_type)
        if row is not None and row.gpus is not None:
            return row.gpus
        return 1 if _GPU_FAMILY.match(instance_type) else 0
