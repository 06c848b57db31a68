"""The simulated fleet: machines whose state changes only through stop and start (and the
test hooks), and whose utilisation is made up from the clock.

Utilisation is a pure function of (seed, machine, metric, time): a datapoint every
`period_seconds`, aligned to the epoch, for every period the machine was running; so any window
can be read again and gives the same numbers, and a machine idle since before the fleet started
has the history that proves it. Idle means low noise (CPU 0.2-2.5%, GPUs at 0%); busy means high
(CPU 35-95%, GPU 70-100%). Stopped machines report nothing, as CloudWatch does.

Every method holds one lock: the Slack listeners of two clicks call stop from two threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.cloud.simulated.config import SimulatedMachine
from bot.domain.idle.policy import Datapoint, Utilisation
from bot.services.idle_ports import ActionResult, CloudActionError, CloudErrorKind, CloudInstance

OPERATIONS = ("inventory", "utilisation", "describe", "stop", "start")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FAILURE_TEXT = {
    CloudErrorKind.THROTTLED: "Rate exceeded: the simulated cloud asks to slow down",
    CloudErrorKind.ACCESS_DENIED: "costbot's role is not authorized to perform {operation}",
    CloudErrorKind.NOT_FOUND: "the instance {instance} does not exist",
    CloudErrorKind.INVALID_STATE: "the instance {instance} is not in a state to {operation}",
    CloudErrorKind.OTHER: "the simulated cloud failed to {operation}",
}


@dataclass
class _Machine:
    spec: SimulatedMachine
    launched_at: datetime
    idle_from: datetime | None  # None: busy until a test says otherwise
    state: str
    # (since, running?) in time order: when it was running, so stopped spans report nothing.
    runs: list[tuple[datetime, bool]] = field(default_factory=list)
    # (since, busy?) set by make_busy, make_idle and a start: they override the profile.
    moods: list[tuple[datetime, bool]] = field(default_factory=list)
    gone: bool = False

    def running_at(self, at: datetime) -> bool:
        running = False
        for since, value in self.runs:
            if since > at:
                break
            running = value
        return running

    def busy_at(self, at: datetime) -> bool:
        busy = self.idle_from is None or at < self.idle_from
        for since, value in self.moods:
            if since > at:
                break
            busy = value
        return busy


class SimulatedFleet:
    """The machines of one `simulated` controller, shared by every controller built from the
    same config in this process (see `bot.cloud.simulated.fleet_for`)."""

    def __init__(
        self,
        machines: Iterable[SimulatedMachine],
        *,
        now: Callable[[], datetime],
        idle_after_minutes: int = 5,
        period_seconds: int = 60,
        seed: int = 7,
    ) -> None:
        self._lock = threading.RLock()
        self._now = now
        self.period_seconds = period_seconds
        self.seed = seed
        self.idle_after = timedelta(minutes=idle_after_minutes)
        self.started_at = now()
        self._machines: dict[str, _Machine] = {}
        for spec in machines:
            launched = self.started_at - timedelta(minutes=spec.launched_minutes_ago)
            if spec.busy:
                idle_from = None
            elif spec.idle_from_minutes is not None:
                idle_from = self.started_at + timedelta(minutes=spec.idle_from_minutes)
            else:
                idle_from = self.started_at + self.idle_after
            machine = _Machine(spec, launched, idle_from, spec.state)
            machine.runs.append((launched, spec.state == "running"))
            self._machines[spec.id] = machine
        self._failures: dict[str, list[tuple[CloudErrorKind, str | None]]] = {}
        self.calls: list[tuple[str, str]] = []  # (operation, instance id) of every stop/start
        self.stop_calls = 0
        self.start_calls = 0

    def use_clock(self, now: Callable[[], datetime]) -> None:
        """The clock test hooks and state changes are stamped with (the newest controller's)."""
        with self._lock:
            self._now = now

    # -- what a controller reads --------------------------------------------------------------

    def instances(self) -> list[CloudInstance]:
        with self._lock:
            self._maybe_fail("inventory", "")
            return [self._instance(m) for m in self._machines.values() if not m.gone]

    def describe(self, instance_id: str) -> CloudInstance | None:
        with self._lock:
            self._maybe_fail("describe", instance_id)
            machine = self._machines.get(instance_id)
            return None if machine is None or machine.gone else self._instance(machine)

    def utilisation(
        self, instance_ids: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, Utilisation]:
        with self._lock:
            self._maybe_fail("utilisation", ",".join(instance_ids))
            found = {}
            for instance_id in instance_ids:
                machine = self._machines.get(instance_id)
                if machine is None or machine.gone:
                    continue
                found[instance_id] = self._measure(machine, start, end)
            return found

    # -- what a controller changes --------------------------------------------------------------

    def stop(self, instance_id: str) -> ActionResult:
        with self._lock:
            self.stop_calls += 1
            self.calls.append(("stop", instance_id))
            self._maybe_fail("stop", instance_id)
            machine = self._present(instance_id, "stop")
            if machine.state != "running":
                raise self._error(CloudErrorKind.INVALID_STATE, "stop", instance_id)
            self._set_running(machine, False)
            return ActionResult(state=machine.state)

    def start(self, instance_id: str) -> ActionResult:
        with self._lock:
            self.start_calls += 1
            self.calls.append(("start", instance_id))
            self._maybe_fail("start", instance_id)
            machine = self._present(instance_id, "start")
            if machine.state != "stopped":
                raise self._error(CloudErrorKind.INVALID_STATE, "start", instance_id)
            self._set_running(machine, True)
            # A start is a new launch, as EC2's LaunchTime says; someone starts it to use it:
            # busy for a while, then idle again.
            now = self._now()
            machine.launched_at = now
            machine.moods += [(now, True), (now + self.idle_after, False)]
            machine.moods.sort(key=lambda mood: mood[0])
            return ActionResult(state=machine.state)

    # -- what tests (and the demo) do to it -----------------------------------------------------

    def make_busy(self, instance_id: str) -> None:
        """From now on the machine works hard (its next datapoints are high)."""
        self._mood(instance_id, True)

    def make_idle(self, instance_id: str) -> None:
        """From now on the machine idles (proven idle once the policy's window has passed)."""
        self._mood(instance_id, False)

    def terminate(self, instance_id: str) -> None:
        """The machine is gone: no longer listed or described, and stop and start say so."""
        with self._lock:
            machine = self._present(instance_id, "terminate")
            machine.gone = True
            machine.state = "terminated"

    def fail_next(self, operation: str, kind: CloudErrorKind, message: str | None = None) -> None:
        """The next `operation` call (inventory, utilisation, describe, stop, start) raises a
        CloudActionError of `kind`; queued failures are used up one call each."""
        if operation not in OPERATIONS:
            raise ValueError(f"operation {operation!r}: use one of {', '.join(OPERATIONS)}")
        with self._lock:
            self._failures.setdefault(operation, []).append((CloudErrorKind(kind), message))

    def state(self, instance_id: str) -> str:
        with self._lock:
            machine = self._machines.get(instance_id)
            if machine is None:
                raise KeyError(f"no machine {instance_id} in this fleet")
            return machine.state

    @property
    def ids(self) -> list[str]:
        with self._lock:
            return list(self._machines)

    # -- inside -------------------------------------------------------------------------------

    def _mood(self, instance_id: str, busy: bool) -> None:
        with self._lock:
            machine = self._present(instance_id, "change")
            now = self._now()
            machine.moods = [m for m in machine.moods if m[0] < now] + [(now, busy)]

    def _set_running(self, machine: _Machine, running: bool) -> None:
        now = self._now()
        machine.state = "running" if running else "stopped"
        machine.runs = [r for r in machine.runs if r[0] < now] + [(now, running)]

    def _present(self, instance_id: str, operation: str) -> _Machine:
        machine = self._machines.get(instance_id)
        if machine is None or machine.gone:
            raise self._error(CloudErrorKind.NOT_FOUND, operation, instance_id)
        return machine

    def _maybe_fail(self, operation: str, instance_id: str) -> None:
        queued = self._failures.get(operation)
        if queued:
            kind, message = queued.pop(0)
            raise self._error(kind, operation, instance_id, message)

    def _error(
        self, kind: CloudErrorKind, operation: str, instance_id: str, message: str | None = None
    ) -> CloudActionError:
        text = message or _FAILURE_TEXT[kind].format(operation=operation, instance=instance_id)
        return CloudActionError(kind, text)

    def _instance(self, machine: _Machine) -> CloudInstance:
        spec = machine.spec
        return CloudInstance(
            instance_id=spec.id,
            name=spec.name,
            type=spec.type,
            state=machine.state,
            tags=dict(spec.tags),
            gpus=spec.gpus,
            region=spec.region,
            launched_at=machine.launched_at,
            hourly_cost=spec.hourly_cost,
            currency=spec.currency,
        )

    def _measure(self, machine: _Machine, start: datetime, end: datetime) -> Utilisation:
        cpu: list[Datapoint] = []
        gpu: list[Datapoint] = []
        network: list[Datapoint] = []
        for at in self._periods(start, end):
            if at < machine.launched_at or not machine.running_at(at):
                continue
            busy = machine.busy_at(at)
            cpu.append(Datapoint(at, self._value(machine, "cpu", at, busy)))
            if machine.spec.gpus:
                gpu.append(Datapoint(at, self._value(machine, "gpu", at, busy)))
            network.append(Datapoint(at, self._value(machine, "network", at, busy)))
        return Utilisation(self.period_seconds, cpu, gpu, network)

    def _periods(self, start: datetime, end: datetime) -> Iterable[datetime]:
        step = self.period_seconds
        first = -(-int((start - _EPOCH).total_seconds()) // step) * step  # ceil to a period
        last = int((end - _EPOCH).total_seconds()) // step * step
        for seconds in range(first, last + 1, step):
            yield _EPOCH + timedelta(seconds=seconds)

    def _value(self, machine: _Machine, metric: str, at: datetime, busy: bool) -> Decimal:
        label = f"{self.seed}:{machine.spec.id}:{metric}:{int(at.timestamp())}"
        digest = hashlib.sha256(label.encode()).digest()
        unit = int.from_bytes(digest[:8], "big") / 2**64  # in [0, 1)
        low, high = _RANGES[metric][busy]
        return Decimal(str(round(low + (high - low) * unit, 1)))


# metric -> {busy?: (low, high)}: percent for CPU and GPU, bytes per period for network.
_RANGES = {
    "cpu": {False: (0.2, 2.5), True: (35.0, 95.0)},
    "gpu": {False: (0.0, 0.0), True: (70.0, 100.0)},
    "network": {False: (2_000.0, 40_000.0), True: (5_000_000.0, 80_000_000.0)},
}
