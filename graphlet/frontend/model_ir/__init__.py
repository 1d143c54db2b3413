"""Weight-free model IR: a PyTorch model's Core ATen graph with every tensor's shape
and dtype, extracted on the meta device, saved as versioned JSON, drawn, and verified
against the model with real weights.

    with torch.device("meta"):
        model = Net()
    ir = graphlet.extract_ir(model.eval(), (torch.randn(1, 4, device="meta"),))
    ir.save("net.json")                       # ModelIR.load("net.json")
    print(graphlet.ir_to_mermaid(ir))          # or ir_to_dot(ir)
    ok, report = graphlet.verify_ir_with_state_dict(
        ir=ir, state_dict=real.state_dict(), original_model=real, test_inputs=(x,))

Modules: `ir` (the IR, its JSON layout and checks; torch-free), `draw` (Mermaid and
Graphviz; torch-free), `extract` (`extract_ir`), `execute` (the IR back to an fx
graph), `verify` (`verify_ir_with_state_dict`), `custom_ops` (`register_op`). This
package imports only the torch-free modules; see docs/extract-ir.md.
"""

from graphlet.frontend.model_ir.draw import ir_to_dot, ir_to_mermaid
from graphlet.frontend.model_ir.ir import (
    FORMAT,
    VERSION,
    IRFormatError,
    IRNode,
    ModelIR,
    NodeInput,
    NodeOutput,
    TensorInfo,
    Weight,
    load_ir,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "IRFormatError",
    "IRNode",
    "ModelIR",
    "NodeInput",
    "NodeOutput",
    "TensorInfo",
    "Weight",
    "ir_to_dot",
    "ir_to_mermaid",
    "load_ir",
]
