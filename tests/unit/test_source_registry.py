"""Every registered source type is complete: config, builder, description, permissions, docs."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from bot.sources.registry import SOURCE_MODULES, SourceConfig, SourceType, source_types

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "costbot.example.yml").read_text(encoding="utf-8")
TYPES = source_types()


def test_every_source_module_registers_one_type():
    assert len(TYPES) == len(SOURCE_MODULES)
    assert all(isinstance(spec, SourceType) for spec in TYPES.values())


@pytest.mark.parametrize("name", TYPES)
def test_the_config_model_is_a_source_config_typed_by_the_name(name):
    spec = TYPES[name]
    assert spec.name == name
    assert isinstance(spec.config, type) and issubclass(spec.config, SourceConfig)
    annotation = spec.config.model_fields["type"].annotation
    assert typing.get_origin(annotation) is typing.Literal, annotation
    assert typing.get_args(annotation) == (name,)


@pytest.mark.parametrize("name", TYPES)
def test_a_builder_a_description_and_declared_permissions(name):
    spec = TYPES[name]
    assert callable(spec.build)
    assert isinstance(spec.description, str) and spec.description.strip()
    assert isinstance(spec.permissions, tuple) and spec.permissions
    assert all(isinstance(p, str) and p.strip() for p in spec.permissions)
    assert isinstance(spec.paid_calls, bool)


@pytest.mark.parametrize("name", TYPES)
def test_every_type_is_documented_and_has_an_example(name):
    assert f"\n### Sources: {name}\n" in README, f"README.md has no '### Sources: {name}'"
    # The examples are commented out; tests/unit/test_config.py checks they validate.
    assert f"\n  #   type: {name}\n" in EXAMPLE, f"costbot.example.yml has no {name} example"
