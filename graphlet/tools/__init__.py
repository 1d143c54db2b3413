"""Command-line tools: graphlet-opt and graphlet-run."""
