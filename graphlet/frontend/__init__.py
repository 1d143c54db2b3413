"""graphlet frontend."""
