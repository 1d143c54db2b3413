"""graphlet backend."""
