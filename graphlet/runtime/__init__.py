"""graphlet runtime."""
