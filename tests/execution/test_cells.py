"""Which statements of a notebook run when it is graded, decided without cell tags."""
from __future__ import annotations

import ast

from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.execution.cells import plan_cell, plan_notebook

SKIP = {"run_a_gan", "show_images", "plt.show", "plt.imshow", "train"}


def by_code(statements):
    return {s.code: s for s in statements}


def test_magics_are_converted_and_only_harmless_ones_run():
    cell = "%matplotlib inline\nimport numpy as np\n!pip install torch\nfiles = !ls\n%load_ext autoreload\n%autoreload 2\nx?\n"
    statements = plan_cell(cell, 0, SKIP)
    assert [s.first_line for s in statements] == [1, 2, 3, 4, 5, 6, 7]
    runs = [s.runs for s in statements]
    assert runs == [True, True, False, False, True, True, False]
    assert "shell command" in statements[2].skip_reason and "!pip" in statements[2].skip_reason
    assert "%pinfo" in statements[6].skip_reason
    for statement in statements:
        ast.parse(statement.code)  # every piece is plain Python after conversion


def test_timing_cell_magic_runs_its_body_with_the_cells_line_numbers():
    statements = plan_cell("%%time\nx = 1\nrun_a_gan(D, G)\n", 4, SKIP)
    assert [(s.code, s.first_line, s.runs) for s in statements] == [("x = 1", 2, True), ("run_a_gan(D, G)", 3, False)]
    assert plan_cell("%time y = train(model)\n", 0, SKIP)[0].skip_reason is not None


def test_other_cell_magics_are_skipped():
    (statement,) = plan_cell("%%bash\nrm -rf data\n", 0, SKIP)
    assert not statement.runs and "%%bash" in statement.skip_reason


def test_training_calls_at_top_level_are_skipped_and_definitions_kept():
    cell = (
        "def run_a_gan(D, G):\n"
        "    for step in range(10):\n"
        "        train(D)\n"
        "    show_images(G)\n"
        "D = discriminator().type(dtype)\n"
        "images = run_a_gan(D, G)\n"
        "show_images(images[-1])\n"
        "plt.show()\n"
    )
    statements = by_code(plan_cell(cell, 7, SKIP))
    definition = next(s for s in statements.values() if s.code.startswith("def run_a_gan"))
    assert definition.runs and definition.defines == ("run_a_gan",)
    assert statements["D = discriminator().type(dtype)"].runs
    for skipped in ("images = run_a_gan(D, G)", "show_images(images[-1])", "plt.show()"):
        assert not statements[skipped].runs
        assert skipped.split("(")[0].split("= ")[-1] in statements[skipped].skip_reason


def test_calls_inside_loops_and_with_blocks_at_top_level_are_skipped():
    cell = "for epoch in range(10):\n    run_a_gan(D, G)\nwith torch.no_grad():\n    plt.imshow(x)\n"
    assert [s.runs for s in plan_cell(cell, 0, SKIP)] == [False, False]


def test_calls_inside_function_and_lambda_bodies_are_not_touched():
    cell = "def f():\n    run_a_gan(1)\ng = lambda: train(2)\nclass Trainer:\n    def fit(self):\n        train(self)\n"
    assert all(s.runs for s in plan_cell(cell, 0, SKIP))


def test_code_run_at_definition_time_counts():
    # a decorator and a default value are evaluated when the def runs
    statements = plan_cell("@register(show_images(x))\ndef f(): pass\ndef g(x=run_a_gan()): pass\n", 0, SKIP)
    assert [s.runs for s in statements] == [False, False]
    assert statements[0].first_line == 1 and statements[0].code.startswith("@register")


def test_entries_match_dotted_names_exactly():
    statements = by_code(plan_cell("model.train()\ntrain(model)\nax.show()\nplt.show()\n", 0, SKIP))
    assert statements["model.train()"].runs and statements["ax.show()"].runs
    assert not statements["train(model)"].runs and not statements["plt.show()"].runs


def test_statements_on_one_line_are_split():
    statements = plan_cell("a = 1; b = run_a_gan(a); c = 3\n", 2, SKIP)
    assert [(s.code, s.runs, s.first_line) for s in statements] == [
        ("a = 1", True, 1), ("b = run_a_gan(a)", False, 1), ("c = 3", True, 1)]
    assert [s.id for s in statements] == ["2.0", "2.1", "2.2"]


def test_a_syntax_error_loses_only_its_own_definition():
    cell = (
        "def ok():\n"
        '    """A docstring\n'
        "with a line in column 0\n"
        '"""\n'
        "    return 1\n"
        "\n"
        "def broken(:\n"
        "    pass\n"
        "\n"
        "x = (1,\n"
        "2)\n"
        "def later():\n"
        "    return 2\n"
    )
    statements = plan_cell(cell, 0, SKIP)
    assert [s.runs for s in statements] == [True, False, True, True]
    bad = statements[1]
    assert bad.syntax_error.startswith("SyntaxError") and "line 7" in bad.syntax_error
    assert (bad.first_line, statements[0].last_line) == (7, 5)
    assert statements[3].defines == ("later",) and statements[3].first_line == 12


def test_defined_names():
    cell = ("import numpy as np, os.path\nfrom torch import nn as tnn\nx, (y, *z) = f()\nn: int = 3\n"
            "for i, j in []: pass\nwith open(p) as fh: pass\n")
    assert [s.defines for s in plan_cell(cell, 0, SKIP)] == [("np", "os"), ("tnn",), ("x", "y", "z"), ("n",), ("i", "j"), ("fh",)]


def test_notebook_plan_keeps_cell_positions_and_ignores_markdown():
    notebook = new_notebook(cells=[new_markdown_cell("# GAN"), new_code_cell("x = 1"), new_markdown_cell("text"),
                                   new_code_cell("def f():\n    return x")])
    plans = plan_notebook(notebook, SKIP)
    assert [plan.index for plan in plans] == [1, 3]
    assert plans[1].statements[0].where() == "cell 4, lines 1-2"


SIMPLE_STATEMENTS = ["x = 1", "def f(a):\n    return a * 2", "class C:\n    pass", "import math",
                     "print('hi')", "y = [\n    1,\n    2,\n]", "run_a_gan(x)", "@dec\ndef g(): pass"]


@given(st.lists(st.tuples(st.sampled_from(SIMPLE_STATEMENTS), st.integers(0, 3)), min_size=1, max_size=8))
def test_statements_come_back_in_order_with_their_lines(parts):
    source, expected, line = "", [], 1
    for text, blank_lines in parts:
        source += "\n" * blank_lines
        line += blank_lines
        expected.append((text, line))
        source += text + "\n"
        line += text.count("\n") + 1
    statements = plan_cell(source, 0, SKIP)
    assert [(s.code, s.first_line) for s in statements] == expected
    for statement in statements:
        # the padded code compiles with the statement on its own line of the cell
        first = ast.parse(statement.padded_code()).body[0]
        decorators = getattr(first, "decorator_list", [])
        assert min([first.lineno] + [d.lineno for d in decorators]) == statement.first_line
        assert statement.runs == ("run_a_gan" not in statement.code)
