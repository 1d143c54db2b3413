"""`graphlet.compile_fx` and `graphlet.explain_fx` without importing torch until they
are called (torch is optional)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def compile_fx(model: Any, example_inputs: Sequence[Any], **options: Any) -> Any:
    """See `graphlet.frontend.fx.compile_fx`."""
    from graphlet.frontend.fx import compile_fx as compile_

    return compile_(model, example_inputs, **options)


def explain_fx(model: Any, example_inputs: Sequence[Any], **options: Any) -> Any:
    """See `graphlet.frontend.fx.explain_fx`."""
    from graphlet.frontend.fx import explain_fx as explain_

    return explain_(model, example_inputs, **options)
