"""Dialects: graphlet's own ops and the registration of every dialect graphlet uses."""
