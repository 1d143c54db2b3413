"""Command-line tools: graphlet-opt, graphlet-run and graphlet-ir."""
