"""The registry's conventions: a pass is found by its `-p` name, its FileCheck test
sits beside that name, and a conversion refuses what it leaves behind."""

import importlib
from pathlib import Path

import pytest

from graphlet.lowering.legality import ConversionTarget
from graphlet.registry import GRAPHLET_DIALECTS, GRAPHLET_PASSES

FILECHECK = Path(__file__).parent / "filecheck"
CONVERSIONS = sorted(name for name in GRAPHLET_PASSES if name.startswith("convert-"))


@pytest.mark.parametrize("name", sorted(GRAPHLET_PASSES))
def test_pass_is_registered_under_its_name_with_a_filecheck_test(name):
    assert GRAPHLET_PASSES[name]().name == name
    assert (FILECHECK / f"{name}.mlir").is_file()


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversion_declares_its_target_and_tests_a_refusal(name):
    module = importlib.import_module(GRAPHLET_PASSES[name]().__module__)
    target = getattr(module, "TARGET", None)
    assert isinstance(target, ConversionTarget), f"{module.__name__} has no ConversionTarget"
    assert target.pass_name == name
    assert "--verify-diagnostics" in (FILECHECK / f"{name}.mlir").read_text()
    assert f"': {name} cannot lower this op" in (FILECHECK / f"{name}.mlir").read_text()


def test_there_are_conversions_to_check():
    assert len(CONVERSIONS) >= 13


@pytest.mark.parametrize("name", sorted(GRAPHLET_DIALECTS))
def test_dialect_is_registered_under_its_name(name):
    assert GRAPHLET_DIALECTS[name]().name == name
