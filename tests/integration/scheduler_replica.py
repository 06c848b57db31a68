"""One scheduler replica in its own process, for the multi-process tests.

    python -m tests.integration.scheduler_replica URL --every SECONDS --hold SECONDS

Runs the job `tick` every SECONDS; each run writes ("start", slot, pid), holds for SECONDS,
then writes ("end", slot, pid) to the table `replica_runs`. SIGTERM stops it as
`costbot worker` stops.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from datetime import timedelta

from sqlalchemy import text

from bot.domain.schedules import Schedule
from bot.scheduler import JobSpec, build_scheduler, run_until_stopped
from storage.db import create_store_engine, make_session_factory
from storage.locks import SqlJobClaims


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--every", type=float, required=True)
    parser.add_argument("--hold", type=float, default=0.0)
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--catch-up", type=float, default=0.2)
    options = parser.parse_args()
    engine = create_store_engine(options.url)

    def record(event: str, slot: str) -> None:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO replica_runs (event, slot, pid) VALUES (:e, :s, :p)"),
                {"e": event, "s": slot, "p": os.getpid()},
            )

    def tick(slot: str) -> None:
        record("start", slot)
        time.sleep(options.hold)
        record("end", slot)

    schedule = Schedule(every=timedelta(seconds=options.every))
    scheduler = build_scheduler(
        [JobSpec("tick", schedule, tick)],
        SqlJobClaims(make_session_factory(engine)),
        lease=timedelta(seconds=options.lease),
        catch_up_every=timedelta(seconds=options.catch_up),
    )
    signal.signal(signal.SIGTERM, _interrupt)
    print("ready", flush=True)
    run_until_stopped(scheduler)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
