"""The shared-cost split made from real ingested cost and stored, on SQLite and PostgreSQL:
each method end to end, totals kept to the cent, rules in order, rules changed, usage files."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import text

from bot.services.shared_ports import UsageFileError
from tests.integration.shared_data import (
    FIRST_DAY,
    PROJECTS,
    allocated,
    day_totals,
    pandas_day_totals,
    split_rows,
    split_snapshot,
    write_config,
    write_org,
)

PLATFORM = {"name": "platform", "match": {"project": "shared-platform"}}
DAY_2, DAY_3 = date(2024, 9, 2), date(2024, 9, 3)


@pytest.fixture
def org(store, tmp_path):
    path = write_org(tmp_path / "org.csv")
    store.services.ingest.ingest([path])
    return path


def services_with(store, tmp_path, shared, name="costbot.yml", **extra):
    return store.build(write_config(tmp_path / name, shared, **extra))


def received(services, rule=None):
    """IN per (day, currency, receiver), of one rule or all."""
    totals = defaultdict(Decimal)
    for row in split_rows(services):
        if row.role == "in" and (rule is None or row.rule == rule):
            totals[(row.day, row.currency, row.value)] += row.effective_cost
    return dict(totals)


def write_usage(path, rows, fmt):
    frame = pd.DataFrame(rows, columns=["date", "team_name", "gpu_hours"])
    if fmt == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "rule",
    [
        {"split": "even"},
        {"split": "proportional"},
        {"split": "fixed", "weights": {"fraud-detection": 3, "recsys": 1}},
    ],
    ids=["even", "proportional", "fixed"],
)
def test_each_method_moves_the_shared_cost_and_keeps_every_day_total(store, tmp_path, org, rule):
    services = services_with(store, tmp_path, [PLATFORM | rule])
    report = services.shared.reallocate()

    assert (report.start, report.end) == (FIRST_DAY, DAY_3)
    after = allocated(services)
    assert day_totals(after) == pandas_day_totals(org)  # exact, so to the cent
    # The shared platform gave all of it away, in each currency; what it had is what moved.
    assert all(cost == 0 for (_, _, value), cost in after.items() if value == "shared-platform")
    platform_usd = Decimal("12.500000001") * 3
    assert report.moved["platform"]["USD"] == platform_usd
    assert report.moved["platform"]["EUR"] == Decimal("5.55") * 3
    shares = received(services, "platform")
    if rule["split"] == "fixed":
        # Weights 3:1, shown normalised.
        day_1 = Decimal("12.500000001")
        assert shares[(FIRST_DAY, "USD", "fraud-detection")] == Decimal("9.375000001")
        assert shares[(FIRST_DAY, "USD", "recsys")] == day_1 - Decimal("9.375000001")
        assert {r.method for r in split_rows(services)} == {
            "fixed: fraud-detection 75%, recsys 25%"
        }
    elif rule["split"] == "even":
        # Only recsys has direct EUR cost: it takes the whole EUR platform share.
        assert shares[(FIRST_DAY, "EUR", "recsys")] == Decimal("5.55")
        assert (FIRST_DAY, "EUR", "fraud-detection") not in shares
        # The remainder of an odd split goes to the largest receiver (the first among equals).
        assert shares[(FIRST_DAY, "USD", "fraud-detection")] == Decimal("6.250000001")
        assert shares[(FIRST_DAY, "USD", "recsys")] == Decimal("6.250000000")
    else:
        direct = {p: Decimal(a) for p, a in PROJECTS.items()}
        whole = sum(direct.values())
        for project, amount in direct.items():
            share = shares[(FIRST_DAY, "USD", project)]
            assert abs(share - Decimal("12.500000001") * amount / whole) <= Decimal("1e-9")
    # Every OUT line is matched by its receivers' lines, per piece.
    by_piece = defaultdict(Decimal)
    for row in split_rows(services):
        if row.role != "kept":
            by_piece[(row.day, row.currency, row.origin, row.service_name)] += row.billed_cost
    assert set(by_piece.values()) == {Decimal(0)}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_usage_file_splits_by_its_quantities_and_a_day_without_data_falls_back(
    store, tmp_path, org, fmt
):
    usage = write_usage(
        tmp_path / f"gpu.{fmt}",
        [
            ["2024-09-01", "Fraud-Detection ", "3"],
            ["2024-09-01", "recsys", "1"],
            ["2024-09-03", "fraud-detection", "0"],
            ["2024-09-03", "recsys", "2.5"],
        ],
        fmt,
    )
    rule = {
        "split": "usage",
        "usage": {
            "file": str(usage),
            "columns": {"day": "date", "receiver": "team_name", "quantity": "gpu_hours"},
            "label": "GPU hours",
        },
    }
    services = services_with(store, tmp_path, [PLATFORM | rule])
    report = services.shared.reallocate()

    assert day_totals(allocated(services)) == pandas_day_totals(org)
    shares = received(services, "platform")
    assert shares[(FIRST_DAY, "USD", "fraud-detection")] == Decimal("9.375000001")
    assert shares[(FIRST_DAY, "EUR", "recsys")] == Decimal("1.3875")
    assert shares[(DAY_3, "USD", "recsys")] == Decimal("12.500000001")
    assert (DAY_3, "USD", "fraud-detection") not in shares
    # 2024-09-02 has no usage data: proportional to direct cost, and the lines say so.
    day_2 = {r.method for r in split_rows(services) if r.day == DAY_2}
    assert day_2 == {"proportional: no usage data that day"}
    assert {r.method for r in split_rows(services) if r.day == FIRST_DAY} == {"usage: GPU hours"}
    assert report.fallback_days == {"platform": 1}  # one day, USD and EUR alike


def test_two_rules_in_order_the_first_takes_a_cost_both_match(store, tmp_path, org):
    rules = [
        {"name": "storage", "match": {"service": "amazon s3"}, "split": "even",
         "among": ["fraud-detection"]},
        PLATFORM | {"split": "fixed", "weights": {"recsys": 1}},
    ]  # fmt: skip
    services = services_with(store, tmp_path, rules)
    report = services.shared.reallocate()

    assert report.moved["storage"] == {"USD": Decimal("7.5")}
    assert report.moved["platform"] == {"USD": Decimal("30.000000003"), "EUR": Decimal("16.65")}
    storage = received(services, "storage")
    assert set(storage.values()) == {Decimal("2.5")}
    assert {value for _, _, value in storage} == {"fraud-detection"}
    assert {value for _, _, value in received(services, "platform")} == {"recsys"}
    assert day_totals(allocated(services)) == pandas_day_totals(org)


def test_changing_the_rules_and_reallocating_changes_the_stored_split(store, tmp_path, org):
    first = services_with(
        store, tmp_path, [PLATFORM | {"split": "fixed", "weights": {"recsys": 1}}]
    )
    assert first.shared.needs_reallocation()
    one = first.shared.reallocate()
    assert not first.shared.needs_reallocation()
    before = split_snapshot(first)

    second = services_with(
        store, tmp_path, [PLATFORM | {"split": "fixed", "weights": {"fraud-detection": 1}}], "b.yml"
    )
    assert second.shared.needs_reallocation()
    two = second.shared.reallocate()
    assert two.version == one.version + 1
    assert split_snapshot(second) != before
    assert {v for _, _, v in received(second)} == {"fraud-detection"}

    # No rules at all: the split is cleared, and that is recorded too.
    none = store.build(write_config(tmp_path / "none.yml", []))
    assert none.shared.needs_reallocation()
    none.shared.reallocate()
    assert split_rows(none) == []
    assert not none.shared.needs_reallocation()


def test_an_ingest_re_splits_the_days_it_replaced(store, tmp_path):
    services = services_with(store, tmp_path, [PLATFORM | {"split": "even"}])
    path = write_org(tmp_path / "org.csv")
    services.ingest.ingest([path])
    assert day_totals(allocated(services)) == pandas_day_totals(path)
    assert not services.shared.needs_reallocation()

    # The same days again with recsys gone from day 3: its share of that day moves.
    rows = [r for r in pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")]
    changed = [
        r
        for r in rows
        if not (r["ChargePeriodStart"].startswith("2024-09-03") and "recsys" in r["Tags"])
    ]
    again = tmp_path / "again.csv"
    pd.DataFrame(changed).to_csv(again, index=False)
    services.ingest.ingest([again])
    assert {v for d, c, v in received(services) if d == DAY_3 and c == "USD"} == {"fraud-detection"}
    assert day_totals(allocated(services)) == pandas_day_totals(again)


def test_other_criteria_select_their_cost_in_sql(store, tmp_path, org):
    """Account (name or id), resource, service, unallocated, tags (value in any case)."""
    engine = store.services.engine
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE cost_keys SET tags = :tags WHERE resource_id = 'i-recsys'"),
            {"tags": '{"cost-center": "Platform", "project": "recsys"}'},
        )
    rules = [
        {"name": "support", "match": {"account": "PAYER"}, "split": "even"},
        {"name": "bucket", "match": {"resource": "bucket-platform"}, "split": "even"},
        {"name": "tagged", "match": {"tag": {"Cost-Center": "platform"}}, "split": "fixed",
         "weights": {"fraud-detection": 1}},
    ]  # fmt: skip
    services = services_with(store, tmp_path, rules)
    report = services.shared.reallocate()
    assert report.moved["support"] == {"USD": Decimal("2.31")}
    assert report.moved["bucket"] == {"USD": Decimal("7.5")}
    assert report.moved["tagged"] == {"USD": Decimal("1.111111111") * 6}
    # The support fee is unallocated: the unallocated value gave it away.
    assert all(r.origin is None for r in split_rows(services) if r.rule == "support")

    unallocated = services_with(
        store,
        tmp_path,
        [{"name": "untagged", "match": {"project": "(unallocated)"}, "split": "even"}],
        "u.yml",
    )
    assert unallocated.shared.reallocate().moved["untagged"] == {"USD": Decimal("2.31")}
    assert day_totals(allocated(unallocated)) == pandas_day_totals(org)


def test_a_day_nobody_qualifies_for_keeps_its_cost_as_a_named_line(store, tmp_path, org):
    rule = PLATFORM | {"split": "even", "among": ["nobody-here"]}
    services = services_with(store, tmp_path, [rule])
    report = services.shared.reallocate()
    assert report.moved == {}
    assert report.kept["platform"]["USD"] == Decimal("37.500000003")
    kept = [r for r in split_rows(services) if r.role == "kept"]
    assert kept and all(r.value == "shared-platform" for r in kept)
    assert day_totals(allocated(services)) == pandas_day_totals(org)


def test_a_bad_usage_file_says_what_to_fix_and_leaves_the_split_as_it_was(store, tmp_path, org):
    good = services_with(store, tmp_path, [PLATFORM | {"split": "even"}])
    good.shared.reallocate()
    before, state = split_snapshot(good), good.shared.needs_reallocation()
    usage = tmp_path / "gpu.csv"
    usage.write_text("day,receiver,quantity\n2024-09-01,recsys,-2\n")
    bad = services_with(
        store, tmp_path, [PLATFORM | {"split": "usage", "usage": {"file": str(usage)}}], "bad.yml"
    )
    with pytest.raises(UsageFileError, match=r"gpu.csv, line 2: quantity -2 is negative"):
        bad.shared.reallocate()
    assert split_snapshot(bad) == before
    assert bad.shared.needs_reallocation() and not state


def test_opencost_idle_is_shared_by_the_gpu_hours_stored_with_the_opencost_rows(
    store, tmp_path, monkeypatch
):
    from tests.integration.test_opencost_source import build_source, ingest, recorded
    from tests.opencost_server import Reply, opencost_server

    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    fixture = "allocation-1h-pod-gpu-workloads.derived.json"
    rule = {"name": "gpu-idle", "match": {"opencost": "__idle__"}, "split": "usage",
            "usage": "gpu_hours"}  # fmt: skip
    services = services_with(store, tmp_path, [rule])
    with opencost_server(Reply.fixture(fixture)) as server:
        source, _ = build_source(server.url, aggregate="pod", dimensions={"project": "namespace"})
        ingest(store, source)
    services.shared.reallocate()

    # Read independently: the idle allocation's total, and GPU hours per namespace.
    allocations = [f for step in recorded(fixture)["data"] for f in step.values()]
    idle = sum(Decimal(f["totalCost"]) for f in allocations if f["name"] == "__idle__")
    hours = defaultdict(Decimal)
    for fields in allocations:
        if fields["name"] != "__idle__" and fields.get("gpuHours"):
            hours[fields["properties"]["namespace"]] += Decimal(fields["gpuHours"])
    hours = {namespace: h for namespace, h in hours.items() if h}
    assert set(hours) == {"ml", "research"}
    shares = defaultdict(Decimal)
    for (_day, _currency, value), cost in received(services, "gpu-idle").items():
        shares[value] += cost
    # Idle capacity is nobody's usage: none of it comes back to __idle__.
    assert set(shares) == set(hours)
    assert sum(shares.values()) == idle > 0
    whole = sum(hours.values())
    for namespace, share in shares.items():
        assert abs(share - idle * hours[namespace] / whole) <= Decimal("1e-8")
    methods = {r.method for r in split_rows(services) if r.rule == "gpu-idle"}
    assert methods == {"usage: GPU hours"}
    after = allocated(services)
    assert sum(c for (_, _, v), c in after.items() if v == "__idle__") == 0


# PostgreSQL only: SQLite admits one writer at a time by itself.
@pytest.mark.parametrize(
    "store", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
@pytest.mark.parametrize("outer_lock", [True, False], ids=["service-lock", "store-lock-only"])
def test_two_concurrent_reallocations_leave_one_consistent_split(store, tmp_path, org, outer_lock):
    from bot.services.shared import SharedCostService
    from storage.db import make_session_factory
    from storage.repositories.shared import SqlSharedCostStore

    rules = [PLATFORM | {"split": "proportional"}, {"name": "support",
             "match": {"service": "AWS Support"}, "split": "even"}]  # fmt: skip
    replicas = [services_with(store, tmp_path, rules, f"r{i}.yml") for i in range(2)]
    if not outer_lock:  # only replace_allocations' own lock stands between them
        shared = [
            SharedCostService(SqlSharedCostStore(make_session_factory(s.engine)), s.shared.rules)
            for s in replicas
        ]
    else:
        shared = [s.shared for s in replicas]
    for round_ in range(3):
        barrier = threading.Barrier(2)
        reports = []

        def run(service, barrier=barrier, reports=reports):
            barrier.wait()
            reports.append(service.reallocate())

        threads = [threading.Thread(target=run, args=(s,)) for s in shared]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(reports) == 2
        assert {r.entries for r in reports} == {len(split_rows(replicas[0]))}
        assert sorted(r.version for r in reports) == [2 * round_ + 1, 2 * round_ + 2]
        lines = [
            (r.day, r.rule, r.currency, r.origin, r.service_name, r.value, r.role)
            for r in split_rows(replicas[0])
        ]
        assert len(lines) == len(set(lines))
        assert day_totals(allocated(replicas[0])) == pandas_day_totals(org)


def test_an_ingest_stands_when_its_re_split_cannot_read_a_usage_file(store, tmp_path, caplog):
    from bot.services.shared_refresh import reallocate_if_needed

    missing = tmp_path / "missing.csv"
    rule = PLATFORM | {"split": "usage", "usage": {"file": str(missing)}}
    services = services_with(store, tmp_path, [rule])
    path = write_org(tmp_path / "org.csv")
    summary = services.ingest.ingest([path])

    assert summary.record.status == "succeeded"
    assert day_totals(allocated(services)) == pandas_day_totals(path)
    assert split_rows(services) == []
    assert "missing.csv: not found" in caplog.text
    caplog.clear()
    assert reallocate_if_needed(services.shared) is None  # at start: logged, split unchanged
    assert "stored split is unchanged" in caplog.text and "missing.csv" in caplog.text

    missing.write_text("day,receiver,quantity\n2024-09-01,recsys,1\n")
    report = reallocate_if_needed(services.shared)
    assert report is not None and report.fallback_days == {"platform": 2}  # Sep 2 and 3
    assert reallocate_if_needed(services.shared) is None  # current now


def test_matches_read_from_the_rollup_equal_those_read_from_the_facts(store, org):
    from bot.domain.shared.rules import SharedMatch
    from storage.db import make_session_factory
    from storage.repositories.shared import SqlSharedCostStore, _in_rollup

    shared = SqlSharedCostStore(make_session_factory(store.services.engine))
    platform = SharedMatch(dimensions={"project": "shared-platform"})
    cases = [
        (platform, ()),
        (SharedMatch(service="AMAZON S3"), ()),
        (SharedMatch(dimensions={"project": None}), (platform,)),
        (SharedMatch(dimensions={"project": "shared-platform"}, service="Amazon EC2"), ()),
        (SharedMatch(service="Amazon EC2"), (platform, SharedMatch(service="amazon s3"))),
    ]
    days = (FIRST_DAY, DAY_3)
    for match, exclude in cases:
        assert _in_rollup(match, "project")
        rollup = shared._matched_rollups(match, "project", *days, exclude)
        facts = shared._matched_facts(match, "project", *days, exclude)
        assert rollup and sorted(rollup, key=repr) == sorted(facts, key=repr)
    assert not _in_rollup(SharedMatch(dimensions={"team": "x"}), "project")
    assert not _in_rollup(SharedMatch(account="payer"), "project")


def test_fixed_weights_among_many_receivers_are_stored_within_the_method_column(
    store, tmp_path, org
):
    weights = {f"team-with-a-long-name-{n:02d}": 1 for n in range(30)} | {"recsys": 1}
    rule = PLATFORM | {"split": "fixed", "weights": weights}
    services = services_with(store, tmp_path, [rule])
    services.shared.reallocate()
    methods = {r.method for r in split_rows(services)}
    assert len(methods) == 1
    (method,) = methods
    assert len(method) <= 300 and method.startswith("fixed: ") and method.endswith(" more")
    assert day_totals(allocated(services)) == pandas_day_totals(org)


@pytest.mark.parametrize(
    "store", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_re_split_leaves_its_rows_readable_from_the_index_alone(store, tmp_path, org):
    # Without a VACUUM after the split, every answer's read of one value fetches each row
    # from the heap too, until autovacuum happens to come by.
    services = services_with(store, tmp_path, [PLATFORM | {"split": "proportional"}])
    services.shared.reallocate()

    with services.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off; SET enable_bitmapscan = off")
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT role, effective_cost FROM cost_shared_daily "
            "WHERE dimension = 'project' AND value = 'fraud-detection' "
            "AND day BETWEEN '2024-09-01' AND '2024-09-03'"
        ).scalar_one()
    scan = plan[0]["Plan"]
    while scan.get("Plans") and scan["Node Type"] != "Index Only Scan":
        scan = scan["Plans"][0]
    assert scan["Node Type"] == "Index Only Scan"
    assert scan["Actual Rows"] > 0
    assert scan["Heap Fetches"] == 0


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_re_split_leaves_sqlite_statistics_of_the_split(store, tmp_path, org):
    # Without them SQLite's planner may lead a read of every value by the wrong index.
    services = services_with(store, tmp_path, [PLATFORM | {"split": "proportional"}])
    services.shared.reallocate()

    with services.engine.connect() as connection:
        indexes = connection.exec_driver_sql(
            "SELECT idx FROM sqlite_stat1 WHERE tbl = 'cost_shared_daily'"
        ).scalars()
        assert {"ix_cost_shared_value_day", "ix_cost_shared_day"} <= set(indexes)
