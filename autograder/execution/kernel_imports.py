"""Code that runs inside the student's kernel: the submission's helper modules, run like cells.

A notebook of the 2020+ CS231n layout does `from cs231n.gan_pytorch import *`,
and the course's module starts with `import torchvision`. Imported the
ordinary way, one failing line at a module's top leaves the module
undefined. So the driver installs `StatementFinder` first on `sys.meta_path`:
when the notebook imports one of the submission's own `.py` files, the
module's top-level statements (planned by the grader, `cells.plan_module`)
run one at a time in the module's namespace, a failure is recorded with its
line and the next statement runs. Files the grader did not plan (the
standard library, site-packages, gangrade itself) import as usual.

Only the standard library is used here; it runs before the notebook's first statement.
"""
from __future__ import annotations
import __future__

import importlib.abc
import importlib.machinery
import json
import os
import sys
import traceback

MAX_EVENTS = 500
MAX_TRACEBACK_CHARS = 4000
# compile() flags that a `from __future__ import ...` statement turns on for the statements after it.
FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


class StatementLoader(importlib.machinery.SourceFileLoader):
    """Executes a planned module statement by statement, recording each failure."""

    def __init__(self, fullname: str, path: str, module: str, statements: list[dict], events: list[dict]):
        super().__init__(fullname, path)
        self.module, self.statements, self.events = module, statements, events

    def exec_module(self, module) -> None:
        self.events.append({"module": self.module, "imported": True})
        LOADED[self.module] = module
        flags = 0
        for statement in self.statements:
            if not statement["runs"]:
                continue
            try:
                code = compile(statement["code"], self.path, "exec", flags=flags, dont_inherit=True)
                flags |= code.co_flags & FUTURE_FLAGS
                exec(code, module.__dict__)
            except Exception as exc:  # the module goes on, as a notebook does after a failing cell
                self._record(statement["index"], exc)

    def _record(self, index: int, exc: Exception) -> None:
        if len(self.events) >= MAX_EVENTS:
            return
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.events.append({"module": self.module, "index": index, "status": "error",
                            "error": {"type": type(exc).__name__, "message": str(exc)[:2000],
                                      "traceback": text[-MAX_TRACEBACK_CHARS:]}})


class StatementFinder(importlib.abc.MetaPathFinder):
    """Finds modules as the path finder does; those the grader planned get a `StatementLoader`."""

    def __init__(self, root: str, plans: dict[str, list[dict]]):
        root = os.path.realpath(root)
        self.plans = {os.path.join(root, *relative.split("/")): (relative, statements)
                      for relative, statements in plans.items()}
        # Only a name under one of these can be a planned file (a folder of the submission may be
        # put on sys.path): the rest, torch's hundreds of submodules among them, is left alone.
        self.top_names = {part.removesuffix(".py") for relative in plans for part in relative.split("/")}
        self.events: list[dict] = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] not in self.top_names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.has_location or spec.origin is None:
            return None
        planned = self.plans.get(os.path.realpath(spec.origin))
        if planned is None:
            return None
        relative, statements = planned
        spec.loader = StatementLoader(fullname, spec.origin, relative, statements, self.events)
        return spec

    def take_events(self) -> str:
        """What happened since the last call, as JSON (the driver reads it through a user expression)."""
        taken, self.events[:] = list(self.events), []
        return json.dumps(taken)


_finder: StatementFinder | None = None   # the kernel's one finder, for `take_events`
LOADED: dict = {}                        # the submission's modules imported so far, by path


def install(root: str, plans_json: str) -> None:
    """Put the finder for the submission's modules (planned statements as JSON) first on sys.meta_path."""
    global _finder
    _finder = StatementFinder(root, json.loads(plans_json))
    sys.meta_path.insert(0, _finder)
    importlib.invalidate_caches()


def take_events() -> str:
    return _finder.take_events() if _finder is not None else "[]"
