"""No input, however odd, gets an error trace or silence: always a helpful private reply."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ADA, texts

ODD = [
    "",
    " ",
    "x" * 5000,
    "project " + "é" * 3000,
    "project '; DROP TABLE cost_daily; --",
    'project "unclosed',
    "top \u0000 project",
    "project 🚀🔥",
    "<!channel> top project",
    "top project 2024-02-30",
    "trend project nope-nope 9999999d",
    "untagged last-week",
    "status now please",
    "project &lt;b&gt;",
    "\t\n top \t team \n",
]

FAILURE_MARKS = ("failed with the error", "Something went wrong", "Traceback")


def _assert_helpful(world, text: str) -> None:
    message = world.ask(text)
    shown = texts(message)
    assert message.ephemeral_to == ADA
    assert shown.strip(), f"empty reply to {text!r}"
    assert not any(mark in shown for mark in FAILURE_MARKS), (text, shown[:500])


def test_known_odd_inputs_get_a_helpful_reply(world):
    for text in ODD:
        _assert_helpful(world, text)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda word, rest: f"{word} {rest}",
            st.sampled_from(["project", "top", "trend", "untagged", "status", "team", "help"]),
            st.text(max_size=80),
        ),
    )
)
def test_any_input_gets_a_helpful_reply(world, text):
    _assert_helpful(world, text)
