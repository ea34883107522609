"""Probes: grader code run in the student's kernel, and the files that carry their data.

A probe is trusted grader code that runs in the student's namespace after
the notebook's definitions. It gets `inputs` (arrays the grader wrote),
fills `outputs` (arrays) and `info` (JSON values), and finds the student's
names with `student("leaky_relu")` or as plain globals. Everything crosses
the sandbox boundary as files in the job folder: `.npz` written with numpy
and read back with `allow_pickle=False`, and JSON. Nothing is pickled and
nothing coming back is evaluated.

Files written by the kernel are untrusted: `read_probe_outputs` checks their
size, member count and dtypes, and reports a bad file as the probe's error.
"""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

PROBE_NAME = re.compile(r"[a-z0-9_]+")
# Array names: probe-network weights are named "<prefix>/<parameter>", gradients "<result>.grad.<role>.<i>".
ARRAY_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.#/]*")
# Array kinds that may cross the boundary: bool, signed, unsigned, float, complex.
NUMERIC_KINDS = frozenset("biufc")
MAX_ARRAYS_PER_FILE = 256
MAX_INFO_BYTES = 1 << 20


@dataclass
class Probe:
    """What the grader asks the kernel to run, with the arrays it passes in."""

    name: str
    code: str
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    timeout: float = 30.0               # wall seconds
    cpu_timeout: float | None = None    # CPU seconds of the kernel (all its threads): the budget in work, so a
                                        # busy machine does not end it early; `timeout` is then only a backstop


# A probe is limited in work: CPU seconds of the kernel, its wall timeout's worth on each torch thread.
# Wall time is only a backstop, this many times longer, so a busy machine slows a probe without ending it.
WALL_BACKSTOP_FACTOR = 8.0
# A probe stopped by that backstop while the kernel used less than this share of one CPU (beyond the
# probe's own start-up) was not starved, since a busy machine still gives it far more: the code
# blocked, in a sleep, an input() or a lock.
BLOCKED_CPU_SHARE = 0.01
PROBE_START_CPU_S = 0.5


def blocked_reason(cpu_seconds: float, wall_seconds: float) -> str | None:
    """Why code stopped by the wall backstop is the student's (it was waiting, not computing; see
    BLOCKED_CPU_SHARE); None when it was computing, starved by a busy machine."""
    if cpu_seconds >= PROBE_START_CPU_S + BLOCKED_CPU_SHARE * wall_seconds:
        return None
    return (f"timed out: waited {wall_seconds:.0f} s while computing for only {cpu_seconds:.1f} CPU seconds: "
            "the code blocks (a sleep, an input() or a lock)")


def limited_in_work(probe: Probe, threads: int) -> Probe:
    """`probe` with a CPU-second budget, when it has none yet (brief training sets its own)."""
    if probe.cpu_timeout is not None:
        return probe
    return replace(probe, cpu_timeout=probe.timeout * max(1, threads), timeout=probe.timeout * WALL_BACKSTOP_FACTOR)


@dataclass
class ProbeResult:
    """What came back: arrays, JSON info, and an error in words when it did not work."""

    name: str
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    error: str | None = None
    stdout: str = ""
    seconds: float = 0.0
    graders_trouble: bool = False    # the error is the grading machine's (no sandbox, an unusable kernel Python)

    @property
    def ok(self) -> bool:
        return self.error is None


def validate_probes(probes: list[Probe]) -> None:
    """Raise ValueError for a bad name, a repeated name or a non-numeric input (a grader bug)."""
    seen: set[str] = set()
    for probe in probes:
        if not PROBE_NAME.fullmatch(probe.name):
            raise ValueError(f"probe name {probe.name!r} must match [a-z0-9_]+")
        if probe.name in seen:
            raise ValueError(f"probe name {probe.name!r} is used twice in one job")
        seen.add(probe.name)
        if probe.timeout <= 0:
            raise ValueError(f"probe {probe.name!r} needs a positive timeout")
        for key, value in probe.inputs.items():
            if not ARRAY_KEY.fullmatch(key):
                raise ValueError(f"probe {probe.name!r}: input name {key!r} must match {ARRAY_KEY.pattern}")
            if np.asarray(value).dtype.kind not in NUMERIC_KINDS:
                raise ValueError(f"probe {probe.name!r}: input {key!r} is not a numeric array")


def inputs_filename(name: str) -> str:
    return f"probe-{name}-inputs.npz"


def outputs_filename(name: str) -> str:
    return f"probe-{name}.npz"


def info_filename(name: str) -> str:
    return f"probe-{name}.json"


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write plain numeric arrays to an .npz (no pickles: object arrays are refused)."""
    checked = {}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.kind not in NUMERIC_KINDS:
            raise TypeError(f"{key!r} is not a numeric array (dtype {array.dtype})")
        checked[key] = array
    temporary = path.with_name(path.name + ".partial")
    with open(temporary, "wb") as handle:
        np.savez(handle, **checked)
    temporary.replace(path)


def read_arrays(path: Path, max_bytes: int) -> dict[str, np.ndarray]:
    """Load an .npz written in the sandbox, refusing anything large, pickled or non-numeric.

    Raises ValueError with a message fit for a probe's error.
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{path.name} is {size} bytes, over the {max_bytes}-byte limit")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARRAYS_PER_FILE:
                raise ValueError(f"{path.name} holds {len(members)} arrays, over the limit of {MAX_ARRAYS_PER_FILE}")
            unpacked = sum(member.file_size for member in members)
            if unpacked > max_bytes:  # a compressed member could unpack to far more than the file
                raise ValueError(f"{path.name} unpacks to {unpacked} bytes, over the {max_bytes}-byte limit")
        arrays = {}
        with np.load(path, allow_pickle=False) as npz:
            for key in npz.files:
                array = npz[key]
                if array.dtype.kind not in NUMERIC_KINDS:
                    raise ValueError(f"{path.name}: array {key!r} has dtype {array.dtype}, not a number type")
                arrays[key] = array
        return arrays
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"{path.name} is not a readable .npz: {exc}") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise ValueError(f"{path.name} holds a pickled object, which is refused") from None
        raise


def read_info(path: Path) -> dict:
    """Load a probe's info JSON; raises ValueError when it is too large or not a JSON object."""
    size = path.stat().st_size
    if size > MAX_INFO_BYTES:
        raise ValueError(f"{path.name} is {size} bytes, over the {MAX_INFO_BYTES}-byte limit")
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path.name} holds {type(value).__name__}, not a JSON object")
    return value


def read_probe_outputs(out_dir: Path, name: str, max_bytes: int) -> tuple[dict[str, np.ndarray], dict, str | None]:
    """(outputs, info, error) for a probe that finished; a missing or bad file becomes the error."""
    arrays_path, info_path = out_dir / outputs_filename(name), out_dir / info_filename(name)
    try:
        if not arrays_path.is_file() or not info_path.is_file():
            return {}, {}, "the probe finished but its output files are missing"
        return read_arrays(arrays_path, max_bytes), read_info(info_path), None
    except ValueError as exc:
        return {}, {}, f"bad probe output: {exc}"
