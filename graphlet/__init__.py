"""graphlet: an MLIR-style compiler on xDSL that turns Python functions and graphs into native code."""
