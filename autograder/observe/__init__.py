"""Observing student code: what runs in the student's kernel, and nothing else.

`primitives` is imported *inside the sandboxed kernel* by the probes' code;
it turns what student functions return into plain numpy arrays and JSON.
It must stay free of anything the sandbox does not show (no `reference`,
no fixtures).
"""
