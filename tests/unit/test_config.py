"""The config file: the example loads, mistakes are named with what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.allocation import DEFAULT_TAG_KEYS
from bot.settings import ConfigError, CostbotConfig, load_config

EXAMPLE = Path(__file__).parents[2] / "costbot.example.yml"


def test_the_example_config_loads_and_matches_the_defaults():
    config = load_config(EXAMPLE)

    assert config.cost_basis == "effective"
    assert config.currency == "USD"
    rules = config.allocation.rules()
    for dimension, keys in DEFAULT_TAG_KEYS.items():
        assert rules.keys_for(dimension) == keys
    assert [(r.dimension, dict(r.when), r.value) for r in rules.fallbacks] == [
        ("team", {"sub_account_name": "ml-research"}, "research"),
        ("project", {"sub_account_name": "data-platform", "service_name": "Amazon S3"}, "platform"),
    ]


def test_no_config_file_means_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == CostbotConfig()


def test_costbot_yml_in_the_working_directory_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("costbot.yml").write_text("cost_basis: billed\n")
    assert load_config(None).cost_basis == "billed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cost_basis: amortized\n", "cost_basis"),
        ("allocation:\n  tag_keys:\n    projekt: [p]\n", "unknown dimension"),
        (
            "allocation:\n  fallbacks:\n    team:\n"
            "      - when: {subaccount: x}\n        value: y\n",
            "unknown field",
        ),
        ("colour: blue\n", "colour"),
        ("cost_basis: [\n", "not valid YAML"),
    ],
)
def test_mistakes_are_named(tmp_path, text, expected):
    path = tmp_path / "costbot.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)


def test_a_missing_config_file_is_an_error_when_named(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yml")


def test_every_source_type_has_an_example_that_validates(tmp_path):
    """The commented `sources:` examples, uncommented, are a valid config naming every type."""
    from bot.sources.registry import source_types

    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("sources:")
    block = ["sources:"]
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        if line.startswith("  # "):
            block.append("  " + line[4:])
    uncommented = tmp_path / "sources.yml"
    uncommented.write_text("\n".join(block) + "\n", encoding="utf-8")
    config = load_config(uncommented)
    assert {source.type for source in config.sources} == set(source_types())
    by_type = {source.type: source for source in config.sources}
    assert by_type["aws_cur"].path.startswith("s3://")
    assert by_type["azure_cost_export"].cost_type == "auto"
    exports = [(s.name, s.path) for s in config.sources if s.type == "focus_export"]
    assert exports == [
        ("aws-focus", "s3://my-billing-bucket/exports"),
        ("azure-focus", "/mnt/cost-exports/focus-monthly"),
    ]


@pytest.mark.parametrize("schedule", ["{every: 10m}", '{cron: "*/15 * * * *"}'])
def test_a_source_billed_per_call_runs_at_most_hourly(tmp_path, schedule):
    path = tmp_path / "c.yml"
    path.write_text(f"sources:\n  - {{name: ce, type: aws_cost_explorer, schedule: {schedule}}}\n")
    with pytest.raises(ConfigError, match="billed per API call; schedule it at most hourly"):
        load_config(path)
    path.write_text("sources:\n  - {name: ce, type: aws_cost_explorer, schedule: {every: 1h}}\n")
    assert load_config(path).sources[0].name == "ce"


def test_the_budget_examples_uncommented_are_valid_budgets(tmp_path):
    """The commented `budgets:` examples, uncommented, load as the budgets they describe."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("budgets: []")
    block = ["budgets:"]
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        if line.startswith("  # "):
            block.append("  " + line[4:])
    uncommented = tmp_path / "budgets.yml"
    uncommented.write_text("\n".join(block) + "\nalerts: {budget_editors: [U0123ABCD]}\n")
    config = load_config(uncommented)
    project, everything = (entry.budget(config.currency) for entry in config.budgets)
    assert str(project.scope) == "project fraud-detection" and project.floor == 50
    assert project.mentions == ("S0123ABCD",) and project.channel == "#fraud-detection"
    assert everything.scope.is_all and everything.period.value == "quarterly"
    assert config.alerts.budget_editors == ["U0123ABCD"]


def test_the_digest_examples_validate(tmp_path):
    """The commented `digests:` examples, uncommented, are a valid config."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("digests: []")
    block = ["digests:"]
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        if line.startswith("  # "):
            block.append("  " + line[4:])
    uncommented = tmp_path / "digests.yml"
    uncommented.write_text("\n".join(block) + "\n", encoding="utf-8")
    digests = load_config(uncommented).digests
    assert [(d.channel, d.every, d.at) for d in digests] == [
        ("#cloud-costs", "daily", "09:00"),
        ("#ml-platform", "weekly", "08:30"),
    ]
    assert str(digests[1].budget_scope()) == "team ml-platform"
    assert load_config(EXAMPLE).digests == []


def test_one_digest_per_channel_and_kind(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text(
        "digests:\n  - {channel: '#costs', every: daily}\n"
        "  - {channel: costs, every: daily, scope: {team: ml}}\n"
    )
    with pytest.raises(ConfigError, match=r"digests\[1\]: costs already has a daily digest"):
        load_config(path)


def test_two_budgets_for_one_scope_in_two_cases_are_refused(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text(
        "budgets:\n  - {project: Fraud-Detection, amount: 10}\n"
        "  - {project: fraud-detection, amount: 20}\n"
    )
    with pytest.raises(ConfigError, match=r"budgets\[1\]: project fraud-detection already has"):
        load_config(path)


def _commented_after(lines: list[str], marker: str) -> list[str]:
    """The `  #   ` lines right after `marker`, uncommented (indented under `allocation:`)."""
    start = lines.index(marker)
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("  #   "):
            break
        block.append(line[6:])
    return block


def test_the_shared_cost_examples_validate(tmp_path):
    """The commented `allocation.shared` examples, uncommented, are valid rules of every split
    method."""
    from bot.domain.shared.rules import SplitMethod

    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    rules = _commented_after(lines, "  shared: []")
    text = "allocation:\n  shared:\n"
    text += "".join(f"    {line}\n" for line in rules)
    uncommented = tmp_path / "shared.yml"
    uncommented.write_text(text, encoding="utf-8")
    allocation = load_config(uncommented).allocation
    shared = allocation.shared_rules()
    assert {rule.method for rule in shared} == set(SplitMethod)
    assert [rule.name for rule in shared] == [
        "platform", "gpu-pool", "training-cluster", "support", "untagged",
    ]  # fmt: skip
    assert shared[1].usage.unit == "GPU-Hours" and shared[1].receivers == (
        "fraud-detection", "recsys", "search",
    )  # fmt: skip
    assert shared[2].usage.file == "/var/lib/costbot/gpu-hours.csv" and shared[2].among == "team"
    assert shared[4].match.dimensions == {"project": None}
    assert load_config(EXAMPLE).allocation.shared == []


def test_two_weights_for_one_receiver_are_refused_not_one_silently_kept(tmp_path):
    path = tmp_path / "costbot.yml"
    path.write_text(
        "allocation:\n  shared:\n    - name: pool\n      match: {project: pool}\n"
        "      split: fixed\n      weights: {Fraud-Detection: 3, fraud-detection: 1}\n"
    )
    with pytest.raises(ConfigError, match=r"same receiver .*'fraud-detection'.*one weight"):
        load_config(path)
