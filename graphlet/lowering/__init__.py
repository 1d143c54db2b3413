"""graphlet lowering."""
