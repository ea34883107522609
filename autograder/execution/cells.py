"""Decide which parts of a notebook run when it is graded.

Definitions are re-run; long training runs and plots are not (README, "Real
notebooks"). The decision must survive a student's edits, so it does not
read cell tags: each code cell is converted from IPython syntax to Python,
split into its top-level statements, and a statement is skipped when it
calls, outside any function body, one of the pack's entry points
(`run_a_gan`, `show_images`, `plt.show`, ...). Everything else runs, one
statement at a time, so a statement that raises does not take the
definitions after it down with it.

Skip entries match a call's dotted name exactly: `train` is a bare call
`train(...)`, never `model.train()`; `plt.show` is `plt.show()`.

A submission's helper modules (`cs231n/gan_pytorch.py`) are planned the
same way (`module_plan`).
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

# Line magics that only configure the session; every other magic is dropped.
HARMLESS_LINE_MAGICS = frozenset({"matplotlib", "config", "load_ext", "reload_ext", "autoreload", "precision", "pylab"})
# Magics that time or capture their body: the body runs once, as plain code.
UNWRAPPED_MAGICS = frozenset({"time", "timeit", "capture"})
# A cell whose recovery from a syntax error would need more parses than this is not split.
MAX_RECOVERY_BOUNDARIES = 200

# Why a statement is skipped (`Statement.skip_kind`): magics and shell commands belong to the
# machine the notebook was written on; entry points are the pack's long training and plotting calls.
SKIP_MAGIC, SKIP_SHELL, SKIP_ENTRY_POINT = "magic", "shell", "entry_point"


@dataclass(frozen=True, kw_only=True)
class PlannedStatement:
    """One top-level statement of a cell or a module, and whether it runs (line numbers from 1)."""

    index: int
    first_line: int
    last_line: int
    code: str
    skip_reason: str | None = None
    syntax_error: str | None = None
    defines: tuple[str, ...] = ()
    skip_kind: str | None = None     # SKIP_MAGIC, SKIP_SHELL or SKIP_ENTRY_POINT when skipped

    @property
    def runs(self) -> bool:
        return self.skip_reason is None and self.syntax_error is None

    def lines(self) -> str:
        return f"line {self.first_line}" if self.first_line == self.last_line else f"lines {self.first_line}-{self.last_line}"

    def padded_code(self) -> str:
        """The code moved down to its line, so a traceback's line numbers are the cell's or the file's.

        The first line is a comment because IPython drops leading blank lines.
        """
        if self.first_line == 1:
            return self.code
        return "#\n" + "\n" * (self.first_line - 2) + self.code


@dataclass(frozen=True, kw_only=True)
class Statement(PlannedStatement):
    """A statement of a code cell. `cell` indexes the notebook's cells (markdown included), from 0;
    messages count cells from 1, as a reader does (see `where`)."""

    cell: int

    @property
    def id(self) -> str:
        return f"{self.cell}.{self.index}"

    def where(self) -> str:
        return f"cell {self.cell + 1}, {self.lines()}"


@dataclass(frozen=True)
class CellPlan:
    index: int
    statements: tuple[Statement, ...] = field(default_factory=tuple)


def plan_notebook(notebook, skip_calls: Iterable[str]) -> list[CellPlan]:
    """Every code cell of a loaded nbformat notebook, split into statements that run or are skipped."""
    skip = frozenset(skip_calls)
    plans = []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):  # nbformat normally joins these; a raw dict may not be
            source = "".join(source)
        plans.append(CellPlan(index, tuple(plan_cell(source, index, skip))))
    return plans


def plan_cell(source: str, cell: int, skip_calls: Iterable[str]) -> list[Statement]:
    """The statements of one cell's source, numbered in order."""
    skip = frozenset(skip_calls)
    pieces = list(_pieces(source, line_offset=0, skip=skip))
    return [Statement(cell=cell, index=i, **vars(piece)) for i, piece in enumerate(pieces)]


@dataclass(frozen=True)
class Piece:
    first_line: int
    last_line: int
    code: str
    skip_reason: str | None = None
    syntax_error: str | None = None
    defines: tuple[str, ...] = ()
    skip_kind: str | None = None


def _pieces(raw_source: str, line_offset: int, skip: frozenset[str]) -> Iterator[Piece]:
    """Split IPython source into pieces; line numbers are shifted by line_offset."""
    from IPython.core.inputtransformer2 import TransformerManager  # heavy import, only where needed

    try:
        source = TransformerManager().transform_cell(raw_source)
    except (SyntaxError, ValueError) as exc:  # malformed magics or unterminated brackets
        last = max(1, raw_source.count("\n") + 1)
        yield Piece(line_offset + 1, line_offset + last, raw_source, syntax_error=f"SyntaxError: {exc}")
        return
    # IPython drops the cell's leading blank lines; count them back in.
    line_offset += _leading_blank_lines(raw_source) - _leading_blank_lines(source)
    yield from python_pieces(source, line_offset, skip)


def python_pieces(source: str, line_offset: int, skip: frozenset[str]) -> Iterator[Piece]:
    """Split plain Python into pieces (a cell after IPython's translation, or a module's file)."""
    lines = source.splitlines(keepends=True)
    for first, last, tree_or_error in _parse_recovering(source):
        if isinstance(tree_or_error, str):
            yield Piece(first + line_offset, last + line_offset, "".join(lines[first - 1:last]),
                        syntax_error=tree_or_error)
            continue
        for node in tree_or_error.body:
            yield from _classify(node, lines, line_offset, skip)


def _leading_blank_lines(source: str) -> int:
    count = 0
    for line in source.splitlines():
        if line.strip():
            break
        count += 1
    return count


def _classify(node: ast.stmt, lines: list[str], line_offset: int, skip: frozenset[str]) -> Iterator[Piece]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    last = node.end_lineno or node.lineno
    code = _segment(lines, node, first)

    magic = _magic_call(node)
    if magic is not None:
        kind, name, args = magic
        if kind == "cell" and name in UNWRAPPED_MAGICS and len(args) == 3 and isinstance(args[2], str):
            # %%time and friends: the body starts on the cell's second line.
            yield from _pieces(args[2], line_offset + first, skip)
            return
        if kind == "line" and name in UNWRAPPED_MAGICS and len(args) >= 2 and isinstance(args[1], str):
            try:
                inner = ast.parse(args[1])
            except SyntaxError:
                inner = None
            if inner is not None and len(inner.body) == 1:  # `%time x = f()`: the statement, on this line
                statement = inner.body[0]
                reason, kind = _skip_reason(statement, skip)
                yield Piece(first + line_offset, first + line_offset, args[1], skip_reason=reason,
                             defines=_defined_names(statement), skip_kind=kind)
                return
        if kind == "line" and name in HARMLESS_LINE_MAGICS:
            yield Piece(first + line_offset, last + line_offset, code)
            return
        yield Piece(first + line_offset, last + line_offset, code, skip_reason=_magic_reason(kind, name),
                     defines=_defined_names(node), skip_kind=SKIP_SHELL if kind == "shell" else SKIP_MAGIC)
        return

    reason, kind = _skip_reason(node, skip)
    yield Piece(first + line_offset, last + line_offset, code, skip_reason=reason, defines=_defined_names(node),
                 skip_kind=kind)


def _segment(lines: list[str], node: ast.stmt, first: int) -> str:
    """The statement's own text, decorators included; `a = 1; b = 2` gives two segments.

    ast's column offsets count UTF-8 bytes, hence the encoding.
    """
    last = node.end_lineno or node.lineno
    chunk = [line.encode() for line in lines[first - 1:last]]
    if not chunk:
        return ast.unparse(node)
    if node.end_col_offset is not None:
        chunk[-1] = chunk[-1][:node.end_col_offset]
    if first == node.lineno:
        chunk[0] = chunk[0][node.col_offset:]
    return b"".join(chunk).decode(errors="replace")


def _parse_recovering(source: str) -> Iterator[tuple[int, int, ast.Module | str]]:
    """Parse the whole source; if that fails, parse it in top-level chunks and report the bad ones.

    Yields (first_line, last_line, tree or "SyntaxError: ..."). A chunk
    starts at a line with text in column 0; the shortest run of chunks that
    parses is taken, so docstrings and brackets spanning several of them are
    not cut.
    """
    lines = source.splitlines(keepends=True)
    try:
        yield 1, max(1, len(lines)), ast.parse(source)
        return
    except SyntaxError:
        pass
    boundaries = [i for i, line in enumerate(lines) if _starts_chunk(line)]
    if not boundaries or boundaries[0] != 0:
        boundaries.insert(0, 0)
    if len(boundaries) > MAX_RECOVERY_BOUNDARIES:
        yield 1, max(1, len(lines)), _syntax_message(source, 0)
        return
    ends = boundaries[1:] + [len(lines)]
    start_at = 0
    while start_at < len(boundaries):
        start = boundaries[start_at]
        parsed = None
        for end_at in range(start_at, len(ends)):
            text = "".join(lines[start:ends[end_at]])
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            ast.increment_lineno(tree, start)
            parsed = (end_at, tree)
            break
        if parsed is None:
            end = ends[start_at]
            yield start + 1, end, _syntax_message("".join(lines[start:end]), start)
            start_at += 1
        else:
            end_at, tree = parsed
            if tree.body:
                yield start + 1, ends[end_at], tree
            start_at = end_at + 1


def _starts_chunk(line: str) -> bool:
    stripped = line.rstrip()
    if not stripped or line[0] in " \t#)]}":
        return False
    word = stripped.split(None, 1)[0].rstrip(":")
    return word not in {"else", "elif", "except", "finally", "case"}


def _syntax_message(text: str, line_offset: int) -> str:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        where = f" (line {exc.lineno + line_offset})" if exc.lineno else ""
        return f"SyntaxError: {exc.msg}{where}"
    return "SyntaxError: the cell does not parse"


def _magic_call(node: ast.stmt) -> tuple[str, str, list] | None:
    """('line'|'cell'|'shell', name, constant args) when the statement is a bare IPython magic call."""
    value = node.value if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
    if not isinstance(value, ast.Call):
        return None
    method = _dotted_name(value.func)
    args = [a.value if isinstance(a, ast.Constant) else None for a in value.args]
    name = args[0] if args and isinstance(args[0], str) else ""
    if method == "get_ipython().run_line_magic":
        return "line", name, args
    if method == "get_ipython().run_cell_magic":
        return "cell", name, args
    if method in ("get_ipython().system", "get_ipython().getoutput"):
        return "shell", name, args
    return None


def as_written(code: str) -> str:
    """A statement as the student wrote it: `%cd x` and `!pip install y`, not IPython's translation."""
    try:
        tree = ast.parse(code.strip())
    except SyntaxError:
        return code
    magic = _magic_call(tree.body[0]) if len(tree.body) == 1 else None
    if magic is None:
        return code
    kind, name, args = magic
    rest = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
    if kind == "shell":
        return f"!{name}"
    if kind == "cell":
        return f"%%{name}"
    return f"%{name} {rest}".rstrip()


def _magic_reason(kind: str, name: str) -> str:
    if kind == "shell":
        return f"shell command `!{name.split()[0] if name.split() else ''}` is not run when grading"
    sigil = "%%" if kind == "cell" else "%"
    return f"IPython magic {sigil}{name} is not run when grading"


def _skip_reason(node: ast.stmt, skip: frozenset[str]) -> tuple[str | None, str | None]:
    """(why the statement is skipped, SKIP_* kind), or (None, None) when it runs."""
    for call in _calls_run_at_top_level(node):
        name = _dotted_name(call.func)
        if name in skip:
            return (f"calls {name}(), which grading does not re-run (the pack lists it with training and plotting calls)",
                    SKIP_ENTRY_POINT)
        if name in ("get_ipython().system", "get_ipython().getoutput"):
            return "runs a shell command, which grading does not run", SKIP_SHELL
    return None, None


def _calls_run_at_top_level(node: ast.AST) -> Iterator[ast.Call]:
    """Calls that execute when the statement runs: not those inside function or lambda bodies.

    A def's decorators and default values do run at definition time, so they are visited.
    """
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for child in [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            yield from _calls_run_at_top_level(child)
        return
    if isinstance(node, ast.Lambda):
        for child in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            yield from _calls_run_at_top_level(child)
        return
    if isinstance(node, ast.Call):
        yield node
    for child in ast.iter_child_nodes(node):
        yield from _calls_run_at_top_level(child)


def _dotted_name(func: ast.AST) -> str:
    """`plt.show` for plt.show, `get_ipython().system` for get_ipython().system; '' otherwise."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = _dotted_name(func.value)
        return f"{base}.{func.attr}" if base else ""
    if isinstance(func, ast.Call):
        base = _dotted_name(func.func)
        return f"{base}()" if base else ""
    return ""


def _defined_names(node: ast.stmt) -> tuple[str, ...]:
    """Names the statement binds in the notebook's namespace."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return tuple(alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*")
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    return tuple(_names_in_targets(targets))


def _names_in_targets(targets: Sequence[ast.AST]) -> Iterator[str]:
    for target in targets:
        if isinstance(target, ast.Name):
            yield target.id
        elif isinstance(target, (ast.Tuple, ast.List)):
            yield from _names_in_targets(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _names_in_targets([target.value])
