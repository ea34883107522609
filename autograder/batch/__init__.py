"""Batch grading: find submissions, grade them in a pool, keep the grades in the gradebook (see grade.py)."""
