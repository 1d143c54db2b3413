"""The patterns of `convert-graphlet-to-linalg` (`lowering/convert_graphlet_to_linalg.py`),
one module per category of op, as torch-mlir splits TorchToLinalg."""
