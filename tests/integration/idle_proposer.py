"""One idle scanner and approver in its own process, for the multi-process store test.

    python -m tests.integration.idle_proposer URL NAME COUNT

Waits for the file `NAME.go`, then for each of COUNT machines in turn proposes its idle
episode (under an id of its own) and tries to approve whichever proposal the store kept;
prints the ids it inserted and the ids it moved, as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bot.domain.idle.proposals import ProposalState
from storage.db import create_store_engine, make_session_factory
from storage.repositories.idle import SqlIdleStore
from tests.idle_store_data import CONTROLLER, entry, new_proposal


def main() -> None:
    url, name, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    store = SqlIdleStore(make_session_factory(create_store_engine(url)))
    print("ready", flush=True)
    go = name.with_suffix(".go")
    while not go.exists():
        time.sleep(0.005)
    inserted: list[str] = []
    moved: list[str] = []
    for i in range(count):
        instance_id = f"i-{i:017d}"
        proposal = new_proposal(f"{name.stem}{i:06d}", instance_id)
        inserted += store.propose([proposal], [entry("idle.propose", proposal.key)])
        [kept] = store.proposals(controller=CONTROLLER, instance_id=instance_id)
        approve = entry("idle.approve", kept.key, actor=name.stem)
        if store.move(kept.id, ProposalState.PROPOSED, ProposalState.APPROVED, approve):
            moved.append(kept.id)
    print(json.dumps({"inserted": inserted, "moved": moved}), flush=True)


if __name__ == "__main__":
    main()
