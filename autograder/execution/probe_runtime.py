"""Code that runs inside the student's kernel, called by the driver.

The driver sends one-line calls such as
`__import__("autograder.execution.probe_runtime", fromlist=["_"]).run_probe(...)`,
which bind no name in the student's namespace. Only numpy is needed here;
torch is used when the notebook already imported it.
"""
from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograder.execution.probes_protocol import (
    ARRAY_KEY,
    MAX_INFO_BYTES,
    info_filename,
    outputs_filename,
    read_arrays,
    write_arrays,
)

PROBE_ARGUMENTS = ("inputs", "outputs", "info", "student")
MAX_INPUT_BYTES = 1 << 30


def run_probe(name: str, code: str, inputs_path: str, out_dir: str, namespace: dict) -> None:
    """Run a probe's code as a function over the student's namespace and write what it fills in.

    The files go to `out_dir`, the kernel's own scratch folder, from which the driver takes them.
    Exceptions propagate: the driver reads them from the kernel's reply.
    """
    inputs = read_arrays(Path(inputs_path), MAX_INPUT_BYTES)
    outputs: dict[str, Any] = {}
    info: dict[str, Any] = {}
    probe = compile_probe(name, code, namespace)
    probe(inputs, outputs, info, student_lookup(namespace))
    arrays = {}
    for key, value in outputs.items():
        if not isinstance(key, str) or not ARRAY_KEY.fullmatch(key):
            raise KeyError(f"probe output name {key!r} must match {ARRAY_KEY.pattern}")
        arrays[key] = to_array(key, value)
    text = json.dumps(info, default=_json_value, allow_nan=True)
    if len(text) > MAX_INFO_BYTES:
        raise ValueError(f"probe info is {len(text)} bytes, over the {MAX_INFO_BYTES}-byte limit")
    out = Path(out_dir)
    write_arrays(out / outputs_filename(name), arrays)
    (out / info_filename(name)).write_text(text, encoding="utf-8")


def compile_probe(name: str, code: str, namespace: dict) -> Callable:
    """The probe's code as the body of a function whose globals are the student's namespace.

    Names the probe assigns stay local to the function, so nothing leaks into
    the notebook's namespace; reading a global finds the student's definitions.
    """
    module = ast.parse(code, filename=f"<probe {name}>")
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in PROBE_ARGUMENTS],
                              kwonlyargs=[], kw_defaults=[], defaults=[])
    function = ast.FunctionDef(name=f"probe_{name}", args=arguments, body=module.body or [ast.Pass()],
                               decorator_list=[], returns=None, type_params=[])
    wrapper = ast.fix_missing_locations(ast.Module(body=[function], type_ignores=[]))
    holder: dict[str, Callable] = {}
    exec(compile(wrapper, f"<probe {name}>", "exec"), namespace, holder)
    return holder[f"probe_{name}"]


def student_lookup(namespace: dict) -> Callable[[str], Any]:
    def student(name: str) -> Any:
        try:
            return namespace[name]
        except KeyError:
            raise NameError(f"the notebook does not define {name}") from None
    return student


def to_array(key: str, value: Any) -> np.ndarray:
    """A numpy array from a tensor, array, number or nested list; refuses objects."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch
        value = value.detach().cpu()
        try:
            value = value.numpy()
        except TypeError:  # bfloat16 and other types numpy lacks
            value = value.float().numpy()
    array = np.asarray(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"probe output {key!r} is not a numeric array (dtype {array.dtype})")
    return array


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "detach") and hasattr(value, "tolist"):
        return value.detach().cpu().tolist()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"probe info holds a {type(value).__name__}, which is not JSON")


def fix_cuda_dtype(namespace: dict) -> str | None:
    """Old notebooks set `dtype = torch.cuda.FloatTensor`; without CUDA use the CPU type.

    The notebook's namespace and the submission's own modules (a course module's functions read
    the module's `dtype`) are fixed alike. Returns what was replaced, or None when nothing was.
    """
    from autograder.execution.kernel_imports import LOADED

    torch = sys.modules.get("torch")
    if torch is None or torch.cuda.is_available():
        return None
    notes = []
    for where, names in [("the notebook", namespace), *((path, vars(module)) for path, module in LOADED.items())]:
        dtype = names.get("dtype")
        if not isinstance(dtype, type) or getattr(dtype, "__module__", "") != "torch.cuda":
            continue
        cpu_type = getattr(torch, dtype.__name__, torch.FloatTensor)
        names["dtype"] = cpu_type
        notes.append(f"{where}'s dtype was torch.cuda.{dtype.__name__}, which needs a GPU; "
                     f"replaced with torch.{cpu_type.__name__}")
    return "; ".join(notes) or None
