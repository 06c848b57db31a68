"""`costbot worker` keeps the store fresh by itself: a folder, an S3 prefix, Cost Explorer and
OpenCost, each against its stand-in on 127.0.0.1, on PostgreSQL; `costbot status` tells it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import FOCUS_FIXTURES, throwaway_postgres_database
from tests.e2e.bot_process import clean_env
from tests.opencost_server import Reply, opencost_server

COSTBOT = [sys.executable, "-c", "from bot.cli import main; main()"]
CE_PAGES = Path(__file__).parents[1] / "fixtures" / "cost_explorer"
TODAY = "2026-12-01"  # the Cost Explorer and OpenCost recordings end on this day


def _post(url: str, payload: object) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _config(tmp_path: Path, opencost_url: str) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "focus.csv").write_bytes((FOCUS_FIXTURES / "focus_sample_1.0.csv").read_bytes())
    config = tmp_path / "costbot.yml"
    config.write_text(
        f"""
sources:
  - {{name: local-focus, type: focus_export, path: "{folder}", schedule: {{every: 1h}}}}
  - {{name: s3-focus, type: focus_export, path: "s3://billing/focus", schedule: {{every: 6h}}}}
  - {{name: aws-ce, type: aws_cost_explorer, lookback_days: 4, schedule: {{cron: "15 * * * *"}}}}
  - {{name: k8s, type: opencost, url: "{opencost_url}", window: 3d, schedule: {{every: 30m}}}}
""",
        encoding="utf-8",
    )
    return config


def _status(env: dict[str, str], config: Path) -> dict[str, dict]:
    done = subprocess.run(
        [*COSTBOT, "status", "--json", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {s["name"]: s for s in json.loads(done.stdout)["sources"]}


def test_a_worker_runs_every_source_once_and_status_tells_the_truth(tmp_path, moto_url):
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket="billing")
    s3.upload_file(
        str(FOCUS_FIXTURES / "focus_1_3_cost_and_usage_aws.csv"), "billing", "focus/focus-1.3.csv"
    )
    pages = [json.loads((CE_PAGES / f"window_2026-11-28_page{n}.json").read_text()) for n in (1, 2)]
    _post(f"{moto_url}/moto-api/static/ce/cost-and-usage-results", {"results": pages})
    reply = Reply.fixture("allocation-3d-step1d-namespace-team.derived.json")
    with (
        throwaway_postgres_database("costbot_worker") as (_admin, url),
        opencost_server(reply) as opencost,
    ):
        config = _config(tmp_path, opencost.url)
        env = clean_env(
            tmp_path / "unused.db",
            COSTBOT_DATABASE_URL=url.render_as_string(hide_password=False),
            COSTBOT_TODAY=TODAY,
            AWS_ENDPOINT_URL=moto_url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [*COSTBOT, "worker", "--config", str(config)], env=env, stdout=log, stderr=log
        )
        try:
            deadline, statuses = time.monotonic() + 90, {}
            while time.monotonic() < deadline:
                time.sleep(2)
                statuses = _status(env, config)
                if all(s["last_attempt"] for s in statuses.values()):
                    break
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
            log.close()
        worker_log = (tmp_path / "worker.log").read_text()
        assert list(statuses) == ["local-focus", "s3-focus", "aws-ce", "k8s"], worker_log
        for name, status in statuses.items():
            assert status["last_success"] and status["consecutive_failures"] == 0, (
                name,
                status,
                worker_log,
            )
            assert status["next_run"].endswith("Z") and status["data_through"], name
        assert statuses["aws-ce"]["api_calls"] == 2  # two pages, one call each
        assert statuses["k8s"]["api_calls"] == 1
        assert statuses["aws-ce"]["data_through"] == TODAY
        assert statuses["local-focus"]["lag_days"] > 700  # a 2024 sample: honestly stale
        # Each source ran once: the catch-up ran each latest slot, and nothing ran it again.
        assert worker_log.count("source aws-ce: ok") == 1, worker_log
        assert [p for p, _q in opencost.requests] == ["/allocation/compute"]
