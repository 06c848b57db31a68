"""Every registered idle-machine controller type is complete: config, builder, description,
permissions, a README section and an example in costbot.example.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cloud.registry import CONTROLLER_MODULES, ControllerConfig, controller_types
from bot.settings_idle import IdleConfig

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "costbot.example.yml").read_text(encoding="utf-8")
TYPES = sorted(controller_types())


def test_the_registry_lists_every_controller_package():
    packages = sorted(
        f"bot.cloud.{path.name}"
        for path in (ROOT / "bot" / "cloud").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    )
    assert sorted(CONTROLLER_MODULES) == packages


@pytest.mark.parametrize("name", TYPES)
def test_every_type_is_complete(name):
    spec = controller_types()[name]
    assert spec.name == name
    assert issubclass(spec.config, ControllerConfig)
    assert callable(spec.build)
    assert len(spec.description) > 20
    assert spec.permissions, f"{name} declares no permissions"


@pytest.mark.parametrize("name", TYPES)
def test_every_type_is_documented_and_has_an_example(name):
    assert f"\n### Controllers: {name}\n" in README, f"README.md has no '### Controllers: {name}'"
    assert f"  # - type: {name}" in EXAMPLE, f"costbot.example.yml has no {name} example"


def test_an_unknown_type_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown controller type"):
        IdleConfig.model_validate({"controllers": [{"type": "gcp_vm"}]})


def test_two_controllers_of_one_name_are_refused():
    # A type that needs no key but its `type` (kubernetes needs opencost_url, say).
    bare = [
        name
        for name in TYPES
        if not any(
            field.is_required()
            for key, field in controller_types()[name].config.model_fields.items()
            if key != "type"
        )
    ]
    if not bare:
        pytest.skip("every controller type needs more keys than its type")
    name = bare[0]
    with pytest.raises(ValueError, match="appears twice"):
        IdleConfig.model_validate({"controllers": [{"type": name}, {"type": name}]})
