"""graphlet frontend/bytecode."""
