"""Read an allocation API answer: `{"code": 200, "data": [{name: allocation, ...}, ...]}`.

`data` holds one map per `step` (here one per day). OpenCost writes NaN and Infinity as null,
older versions omit fields newer ones have, and proxies have been seen to write numbers as
text: every number is optional, and only a shape that cannot be an answer is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from bot.services.snapshot_ports import SourceError

_CHECK_VERSION = "Check that `url` is an OpenCost API and its version answers /allocation/compute"


@dataclass(frozen=True)
class Allocation:
    """One allocation of one step: its name (the aggregate key), period and raw fields."""

    name: str
    start: datetime
    end: datetime
    fields: Mapping[str, object]

    @property
    def properties(self) -> Mapping[str, object]:
        properties = self.fields.get("properties")
        return properties if isinstance(properties, Mapping) else {}

    def number(self, field: str) -> Decimal | None:
        """A numeric field exactly as written; None when missing, null, NaN or infinite."""
        value = self.fields.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
            raise self._not_a_number(field, value)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                number = Decimal(value.strip())  # "NaN" and "Inf" read, then count as missing
            except InvalidOperation:
                raise self._not_a_number(field, value) from None
        else:
            # A float (from a caller that parsed without Decimal) via its shortest exact text.
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return number if number.is_finite() else None

    def _not_a_number(self, field: str, value: object) -> SourceError:
        return _malformed(f"allocation {self.name!r} has {field} = {value!r}, not a number")


def read_steps(payload: object, where: str) -> list[list[Allocation]]:
    """The allocations of each step, in the order OpenCost gave them.

    Raises:
        SourceError: the answer reports an error or is no allocation answer.
    """
    if not isinstance(payload, Mapping):
        raise _malformed(f"{where} answered a JSON {type(payload).__name__}, not an object")
    code = payload.get("code")
    if code is not None and code != 200:
        message = payload.get("message") or payload.get("status") or ""
        raise SourceError(
            f"OpenCost at {where} answered code {code}: {str(message)[:200]!r}. "
            f"{_CHECK_VERSION}, and that it accepts the window and aggregate given.",
            # A 5xx in the body is OpenCost failing inside (its Prometheus, say): it may pass.
            retryable=isinstance(code, int) and code >= 500,
        )
    if "data" not in payload:
        raise _malformed(f"{where} answered an object without `data` (keys: {sorted(payload)})")
    data = payload["data"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise _malformed(f"{where}: `data` is a {type(data).__name__}, not a list of steps")
    return [_read_step(step, index, where) for index, step in enumerate(data)]


def _read_step(step: object, index: int, where: str) -> list[Allocation]:
    if step is None:
        return []
    if not isinstance(step, Mapping):
        raise _malformed(f"{where}: step {index} is a {type(step).__name__}, not a map of names")
    return [_read_allocation(str(key), fields, where) for key, fields in step.items()]


def _read_allocation(key: str, fields: object, where: str) -> Allocation:
    if not isinstance(fields, Mapping):
        raise _malformed(f"{where}: allocation {key!r} is a {type(fields).__name__}, not an object")
    name = fields.get("name")
    name = name if isinstance(name, str) and name else key
    start, end = _period(name, fields)
    return Allocation(name=name, start=start, end=end, fields=fields)


def _period(name: str, fields: Mapping[str, object]) -> tuple[datetime, datetime]:
    """The step's window; the allocation's own start and end where the window is missing."""
    window = fields.get("window")
    if isinstance(window, Mapping):
        start, end = _time(window.get("start")), _time(window.get("end"))
        if start and end:
            return _ordered(name, start, end)
    start, end = _time(fields.get("start")), _time(fields.get("end"))
    if start and end:
        return _ordered(name, start, end)
    raise _malformed(f"allocation {name!r} has no readable window start and end: {window!r}")


def _ordered(name: str, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    if end <= start:
        raise _malformed(f"allocation {name!r} ends ({end:%Y-%m-%dT%H:%M:%SZ}) before it starts")
    return start, end


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None  # OpenCost writes an open window's end as the text "null"
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _malformed(what: str) -> SourceError:
    return SourceError(f"OpenCost's answer is malformed: {what}. {_CHECK_VERSION}.")
