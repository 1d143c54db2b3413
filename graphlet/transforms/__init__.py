"""Transforms on graphlet IR: the default optimization pipeline and, later, autodiff and fusion."""
