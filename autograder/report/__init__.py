"""What grading writes and shows.

`results` holds the data model of one graded submission and writes it as a
Gradescope `results.json`; `summary` turns it into a few lines for a terminal.
"""
