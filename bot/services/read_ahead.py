"""Run an iterator one step ahead in a thread, so reading, parsing and writing overlap."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield `items` while a worker thread already produces the next `depth` of them.

    Parsing CSV and Arrow compute release the GIL, so the stages of an ingest really run in
    parallel. The queue is bounded: memory stays at `depth` items whatever the file's size.
    An error in the worker is raised here; stopping early stops the worker.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not _put(buffer, item, stop):
                    close = getattr(iterator, "close", None)
                    if close is not None:
                        close()  # a generator's `finally` (open files) runs now, not at GC
                    return
            _put(buffer, _DONE, stop)
        except BaseException as error:  # handed to the consumer, which re-raises it
            _put(buffer, _Failure(error), stop)

    worker = threading.Thread(target=produce, name="costbot-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def _put(buffer: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            buffer.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
