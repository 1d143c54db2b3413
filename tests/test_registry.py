"""The registry's conventions: a pass is found by its `-p` name, and its FileCheck
test sits beside that name."""

from pathlib import Path

import pytest

from graphlet.registry import GRAPHLET_DIALECTS, GRAPHLET_PASSES

FILECHECK = Path(__file__).parent / "filecheck"


@pytest.mark.parametrize("name", sorted(GRAPHLET_PASSES))
def test_pass_is_registered_under_its_name_with_a_filecheck_test(name):
    assert GRAPHLET_PASSES[name]().name == name
    assert (FILECHECK / f"{name}.mlir").is_file()


@pytest.mark.parametrize("name", sorted(GRAPHLET_DIALECTS))
def test_dialect_is_registered_under_its_name(name):
    assert GRAPHLET_DIALECTS[name]().name == name
