"""Judging observations against the reference, in the grader's process.

`outcome`: one sub-check's verdict with expected / seen / hint.
`plan`: how a rubric item is made of probes and the checks on their results,
and how that turns into points. `models`: comparing a student's network with
the reference network carrying the student's own weights.
"""
