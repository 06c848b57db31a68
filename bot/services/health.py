"""What `/healthz` reports: the store answers and how fresh its data is, or why it does not."""

from __future__ import annotations

import logging
import threading

from bot.services.bounded_wait import BoundedWait, StoreTooSlowError
from bot.services.coverage import CoverageService
from bot.services.errors import StoreUnavailableError

logger = logging.getLogger("costbot.health")
# A load balancer's probe gives up after a few seconds; answer "unhealthy" before it does.
PROBE_SECONDS = 2.0


class HealthCheck:
    """Probe the store for each health request; log an outage once, not once per probe."""

    def __init__(self, coverage: CoverageService, *, wait_seconds: float = PROBE_SECONDS) -> None:
        self._coverage = coverage
        self._wait = BoundedWait(wait_seconds, threads=2, name="costbot-health")
        self._lock = threading.Lock()
        self._down = False

    def report(self) -> dict[str, object]:
        """{"ok": true, "data_through": ...}, or {"ok": false, "error": ...} when unhealthy."""
        try:
            through = self._wait.call(self._coverage.status).data_through
        except StoreTooSlowError as error:
            self._went_down(str(error), trace=False)
            return {"ok": False, "error": f"The cost store is not answering ({error})."}
        except StoreUnavailableError as error:
            self._went_down(error.reason or str(error), trace=False)
            return {"ok": False, "error": str(error)}
        except Exception as error:  # a health check answers, whatever broke
            self._went_down(f"{type(error).__name__}: {error}", trace=True)
            return {"ok": False, "error": f"The health check failed ({type(error).__name__})."}
        with self._lock:
            if self._down:
                logger.warning("the cost store answers again")
            self._down = False
        return {"ok": True, "data_through": through.isoformat() if through else None}

    def _went_down(self, reason: str, *, trace: bool) -> None:
        with self._lock:
            if self._down:
                return
            self._down = True
        logger.warning("health check failing: %s", reason, exc_info=trace)
