"""Maintainer tools that are not part of the grader: `python -m tools.make_samples` writes the packs' samples."""
