"""Hostile and broken submissions: how each is built, and what its grade must be.

Most cases are the mlp_gan solution with one hostile cell added (appended,
or put inside a graded function), so that what legitimately passes is
known: every item but the ones the case names must still pass. The
`attack` cells try to reach paths the test fills in (the grader's output
folder, the repository), so the strongest version of each attack is tried.
"""
from __future__ import annotations

from dataclasses import dataclass, field

NON_BRIEF = ("weight_init", "generator", "discriminator", "objectives", "variable_separation")


@dataclass(frozen=True)
class Case:
    name: str
    cell: str = ""                       # appended to the solution ("" : none)
    inside_objectives: str = ""          # put first in the body of objectives()
    base: str = "solution"               # or "starter"
    fails: tuple[str, ...] = ()          # items that must fail
    may_fail: tuple[str, ...] = ()       # items whose outcome this case does not fix
    output_has: tuple[str, ...] = ()     # text the whole result (output and items) must contain
    never: tuple[str, ...] = ("FOUND",)  # text it must not contain (an attack that worked says FOUND)
    graded: bool = True
    extra: dict = field(default_factory=dict)

    def must_pass(self) -> set[str]:
        return set(NON_BRIEF) - set(self.fails) - set(self.may_fail)


CASES = [
    # ------------------------------------------------------------ resource abuse
    Case("top_level_infinite_loop", cell="while True:\n    pass", output_has=("timed out",)),
    Case("sleep_forever", cell="import time\ntime.sleep(10 ** 9)", output_has=("timed out",)),
    Case("loop_inside_graded_function", inside_objectives="while True:\n        pass",
         fails=("objectives",), may_fail=("variable_separation",), output_has=("timed out",)),
    Case("fork_bomb", cell="import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
    Case("allocate_50gb", cell="import numpy as np\nhog = np.ones(50 * 2 ** 30 // 8)", output_has=("MemoryError",)),
    Case("allocate_past_the_memory_limit",
         cell="import numpy as np\nblocks = []\nfor _ in range(64):\n    blocks.append(np.ones(2 ** 27))",
         output_has=("memory limit of 1024 MB exceeded", "left out and the rest ran in a fresh kernel")),
    Case("write_10gb_to_disk",
         cell=("chunk = b'\\0' * 2 ** 20\nfor n in range(40):\n    with open(f'fill{n}.bin', 'wb') as f:\n"
               "        for _ in range(256):\n            f.write(chunk)"),
         output_has=("No space left on device",)),
    Case("print_1gb", cell="line = 'x' * 2 ** 20\nfor _ in range(1024):\n    print(line)"),
    # ------------------------------------------------------------ escape and cheating
    Case("import_reference", cell="from reference.packs.mlp_gan import *",
         output_has=("No module named 'reference'",)),
    Case("read_hidden_files_by_path",
         cell=("import glob, os\nhits = [p for p in {targets} if os.path.exists(p)]\n"
               "hits += glob.glob('/**/grading_fixtures', recursive=False) + glob.glob('/opt/**/checks.py', recursive=True)\n"
               "if hits:\n    raise RuntimeError('FOUND ' + repr(hits))")),
    Case("read_grader_environment",
         cell=("import os, glob\nseen = dict(os.environ)\nfor path in glob.glob('/proc/*/environ'):\n"
               "    try:\n        seen[path] = open(path, 'rb').read().decode(errors='replace')\n"
               "    except OSError:\n        pass\n"
               "if any('{secret}' in value for value in seen.values()):\n    raise RuntimeError('FOUND the secret')")),
    Case("open_a_network_socket",
         cell=("import socket\nfor host in ('1.1.1.1', 'pypi.org'):\n    try:\n"
               "        socket.create_connection((host, 443), timeout=3).close()\n"
               "        raise RuntimeError('FOUND a way out to ' + host)\n    except OSError:\n        pass")),
    Case("forge_results_outside_scratch",
         cell=("import json, os\nforged = json.dumps({'score': 100, 'tests': []})\n"
               "for path in {targets}:\n    try:\n        os.makedirs(os.path.dirname(path), exist_ok=True)\n"
               "        with open(path, 'w') as f:\n            f.write(forged)\n    except OSError:\n        pass")),
    Case("forge_the_event_log",
         cell=("import json, os\nforged = json.dumps({'event': 'note', 'text': 'FOUND a forged note'}) + '\\n'\n"
               "out = os.path.join(os.path.dirname(os.getcwd()), 'out')\n"
               "paths = [f'/proc/{os.getppid()}/fd/{n}' for n in range(64)] + [os.path.join(out, 'forged.json')]\n"
               "paths += [os.path.join(out, name) for name in os.listdir(out)]\n"
               "for path in paths:\n    try:\n        with open(path, 'a') as handle:\n"
               "            handle.write(forged)\n    except OSError:\n        pass")),
    Case("monkeypatch_the_comparisons", inside_objectives=(
        "import numpy, torch\n    torch.allclose = lambda *a, **k: True\n"
        "    numpy.allclose = lambda *a, **k: True\n    torch.testing.assert_close = lambda *a, **k: None\n"
        "    return torch.tensor(0.0), torch.tensor(0.0)"),
        fails=("objectives",), may_fail=("variable_separation",)),
    Case("objects_that_lie", inside_objectives=(
        "class Liar(float):\n        def __eq__(self, other): return True\n"
        "        def __ne__(self, other): return False\n        def __float__(self): return 0.0\n"
        "        def __array__(self, *a, **k):\n            import numpy\n            return numpy.array(0.0)\n"
        "    return Liar(0.0), Liar(0.0)"),
        fails=("objectives",), may_fail=("variable_separation",)),
    Case("kill_its_parent", cell="import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
         output_has=("was killed by SIGKILL", "left out and the rest ran in a fresh kernel")),
    Case("os_exit", cell="import os\nos._exit(3)", output_has=("exited with status 3",)),
    Case("segfault_through_ctypes", cell="import ctypes\nctypes.string_at(0)", output_has=("SIGSEGV",)),
    Case("os_exit_inside_graded_function", inside_objectives="import os\n    os._exit(3)",
         fails=("objectives",), may_fail=("variable_separation",), output_has=("exited with status 3",)),
]
