"""The unit-of-work port: writes that span tables commit together or not at all."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self


class UnitOfWork(Protocol):
    """`with uow: ...; uow.commit()`: what is not committed when the block ends is rolled back.

    Repositories write through the unit of work and never commit themselves.
    """

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def lock(self, name: str) -> None:
        """Hold the named lock until this unit of work commits or rolls back."""
        ...
