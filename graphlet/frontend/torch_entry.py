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


def require_torch(what: str) -> None:
    """A missing torch named with the extra that brings it."""
    try:
        import torch  # noqa: F401
    except ImportError as e:
        raise ModuleNotFoundError(
            f"graphlet.{what} needs PyTorch, which is not installed: "
            "pip install 'graphlet[torch]' (or pip install torch)",
            name="torch",
        ) from e


def extract_ir(model: Any, example_inputs: Sequence[Any]) -> Any:
    """See `graphlet.frontend.model_ir.extract.extract_ir`."""
    require_torch("extract_ir")
    from graphlet.frontend.model_ir.extract import extract_ir as extract

    return extract(model, example_inputs)


def build_on_meta(build: Any) -> Any:
    """See `graphlet.frontend.model_ir.meta.build_on_meta`."""
    require_torch("build_on_meta")
    from graphlet.frontend.model_ir.meta import build_on_meta as on_meta

    return on_meta(build)


def verify_ir_with_state_dict(**arguments: Any) -> Any:
    """See `graphlet.frontend.model_ir.verify.verify_ir_with_state_dict`."""
    require_torch("verify_ir_with_state_dict")
    from graphlet.frontend.model_ir.verify import verify_ir_with_state_dict as verify

    return verify(**arguments)


def register_op(name: str, **description: Any) -> Any:
    """See `graphlet.frontend.model_ir.custom_ops.register_op`."""
    require_torch("register_op")
    from graphlet.frontend.model_ir.custom_ops import register_op as register

    return register(name, **description)
