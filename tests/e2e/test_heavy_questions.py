"""The real `costbot run`: the biggest question allowed never stalls health checks or acks,
is answered (or called too big) within its budget, and a full pool says "busy"."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from bot.app import build_services
from bot.domain.periods import MAX_DAYS
from bot.settings import Settings
from bot.sources.demo import write_demo_data
from handlers.errors import BUSY
from tests.e2e.conftest import texts
from tests.e2e.running_bot import RunningBot, get_health, running_bot

TODAY = date(2026, 11, 27)
BUDGET_SECONDS = 20
SLACK_SECONDS = 5  # thread start, the chart upload and the reply on a busy 2-core machine
PROBE_LIMIT_SECONDS = 1.0
TOO_BIG = "too big to answer in time"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("heavy")
    url = f"sqlite:///{folder / 'costbot.db'}"
    write_demo_data(folder / "data", days=60, seed=7, end=TODAY)
    services = build_services(Settings(database_url=url, today=TODAY))
    services.ingest.ingest([folder / "data"], source="focus")
    services.engine.dispose()
    return url


def _longest_range(days_back: int = 0) -> str:
    end = TODAY - timedelta(days=days_back)
    return f"{end - timedelta(days=MAX_DAYS - 1)}..{end}"


class Prober:
    """GET /healthz over and over on a thread, keeping each probe's latency."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot, self.latencies = bot, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        for _ in range(2000):  # bounded: 2000 probes at most
            if self._stop.is_set():
                return
            started = time.monotonic()
            status, body = get_health(self.bot.url, timeout=5)
            self.latencies.append(time.monotonic() - started)
            assert (status, body["ok"]) == (200, True)
            time.sleep(0.05)


def test_the_biggest_question_allowed_leaves_health_and_acks_responsive(demo_store, tmp_path):
    with running_bot(
        tmp_path, demo_store, COSTBOT_TODAY=TODAY.isoformat(), COSTBOT_ANSWER_WORKERS="1"
    ) as bot:
        rss_before = bot.memory_mb()
        with Prober(bot) as prober:
            time.sleep(0.3)
            asked = time.monotonic()
            reply = bot.command(f"trend project fraud-detection {_longest_range()}")
            assert reply.status == 200, reply
            [answer] = bot.wait_for_answers(1, BUDGET_SECONDS + SLACK_SECONDS)
            answered = time.monotonic() - asked
            time.sleep(0.3)
        said = texts(answer)
        assert "Daily cost of fraud-detection" in said or TOO_BIG in said, said
        assert len(prober.latencies) >= 5
        worst = max(prober.latencies)
        assert worst < PROBE_LIMIT_SECONDS, prober.latencies
        print(
            f"\nbiggest trend ({MAX_DAYS} days): answered in {answered:.2f} s; "
            f"{len(prober.latencies)} health probes, worst {worst * 1000:.0f} ms; "
            f"RSS {rss_before:.0f} MB before, peak {bot.memory_mb('VmHWM'):.0f} MB"
        )
        assert "Traceback" not in bot.log_text()


def test_a_full_pool_says_busy_instead_of_queueing(demo_store, tmp_path):
    with running_bot(
        tmp_path, demo_store, COSTBOT_TODAY=TODAY.isoformat(), COSTBOT_ANSWER_WORKERS="1"
    ) as bot:
        # One worker and one waiting place: of six big questions sent at once, some must wait
        # for nobody. Each period differs so no answer comes from the cache.
        asked = 6
        for days_back in range(asked):
            started = time.monotonic()
            reply = bot.command(f"trend project fraud-detection {_longest_range(days_back)}")
            assert reply.status == 200, reply
            assert time.monotonic() - started < PROBE_LIMIT_SECONDS  # acks never wait
        answers = bot.wait_for_answers(asked, 2 * (BUDGET_SECONDS + SLACK_SECONDS))
        said = [texts(answer) for answer in answers]
        busy = [text for text in said if BUSY in text]
        answered = [text for text in said if "Daily cost of" in text or TOO_BIG in text]
        assert busy and answered and len(busy) + len(answered) == asked, said
        assert "Traceback" not in bot.log_text()


def test_a_question_past_its_budget_is_told_to_ask_something_smaller(demo_store, tmp_path):
    budget = 0.001  # spent before the chart is drawn, whatever the machine
    with running_bot(
        tmp_path, demo_store, COSTBOT_TODAY=TODAY.isoformat(), COSTBOT_ANSWER_SECONDS=str(budget)
    ) as bot:
        asked = time.monotonic()
        assert bot.command(f"trend project fraud-detection {_longest_range()}").status == 200
        [answer] = bot.wait_for_answers(1, SLACK_SECONDS)
        said = texts(answer)
        assert TOO_BIG in said and "shorter period" in said, said
        assert "error id" not in said.lower()
        assert answer.ephemeral_to is not None
        assert time.monotonic() - asked < budget + SLACK_SECONDS
        # A small question is still answered: the budget applies to each answer on its own.
        assert bot.command("help").status == 200
        [_, helped] = bot.wait_for_answers(2, SLACK_SECONDS)
        assert "/cost top team mtd" in texts(helped)
        assert "Traceback" not in bot.log_text()


def test_distinct_big_answers_keep_the_process_memory_bounded(demo_store, tmp_path):
    questions, cache_mb = 40, 4
    with running_bot(
        tmp_path,
        demo_store,
        COSTBOT_TODAY=TODAY.isoformat(),
        COSTBOT_ANSWER_CACHE_MB=str(cache_mb),
    ) as bot:
        bot.command(f"project fraud-detection {_longest_range(questions)}")  # warm up
        bot.wait_for_answers(1, BUDGET_SECONDS + SLACK_SECONDS)
        rss_before = bot.memory_mb()
        for days_back in range(questions):  # one at a time: each a new ten-year answer
            assert bot.command(f"project fraud-detection {_longest_range(days_back)}").status == 200
            bot.wait_for_answers(days_back + 2, BUDGET_SECONDS + SLACK_SECONDS)
        growth = bot.memory_mb() - rss_before
        print(
            f"\n{questions} distinct {MAX_DAYS}-day answers, cache budget {cache_mb} MB: "
            f"RSS {rss_before:.0f} -> {bot.memory_mb():.0f} MB (+{growth:.1f} MB)"
        )
        # Kept whole, they would hold about 1 MB each: 40 MB here.
        assert growth < cache_mb + 16, growth
        assert "Traceback" not in bot.log_text()
