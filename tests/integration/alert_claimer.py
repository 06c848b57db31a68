"""One alert evaluator in its own process, for the multi-process claim test.

    python -m tests.integration.alert_claimer URL KEYS_FILE

Waits for the file `KEYS_FILE.go`, claims every key of KEYS_FILE (one a line) with a message,
then prints the keys it won as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bot.services.alert_ports import AlertClaim, AlertKind, AlertState
from bot.services.snapshot_state import OutboxItem
from storage.db import create_store_engine, make_session_factory
from storage.repositories.alerts import SqlAlertLedger


def main() -> None:
    url, keys_file = sys.argv[1], Path(sys.argv[2])
    keys = keys_file.read_text().splitlines()
    ledger = SqlAlertLedger(make_session_factory(create_store_engine(url)))
    claims = [
        AlertClaim(
            key,
            AlertKind.ANOMALY,
            "all",
            AlertState.PENDING,
            "C0COSTS001",
            date(2026, 11, 19),
            message=OutboxItem(key, "C0COSTS001", f"alert {key}"),
        )
        for key in keys
    ]
    print("ready", flush=True)
    go = keys_file.with_suffix(".go")
    while not go.exists():
        time.sleep(0.005)
    won = ledger.commit_evaluation(claims, {}, datetime.now(UTC))
    print(json.dumps(sorted(won)), flush=True)


if __name__ == "__main__":
    main()
