"""The command line: listing, usage errors and exit statuses."""
from __future__ import annotations

import json
import subprocess
import sys

from autograder.cli import main


def test_list_shows_every_pack_with_points(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for pack_id in ("cs231n_gan", "cs501r_dcgan", "cs501r_wgan_gp", "dcgan_tutorial", "mlp_gan"):
        assert f"{pack_id}  (100 points)" in out
    assert "inline_minimax" in out and "gradient_penalty" in out


def test_list_json_is_machine_readable(capsys):
    assert main(["list", "--json"]) == 0
    packs = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in packs] == sorted(p["id"] for p in packs)
    assert all(sum(item["points"] for item in p["items"]) == p["total_points"] == 100 for p in packs)


def test_unknown_assignment_is_bad_usage(capsys):
    assert main(["fixtures", "verify", "--assignment", "no_such_pack"]) == 2
    assert "unknown assignment 'no_such_pack'" in capsys.readouterr().err


def test_bad_arguments_exit_2_without_traceback():
    result = subprocess.run([sys.executable, "-m", "autograder", "fixtures", "frobnicate"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "invalid choice" in result.stderr


def test_report_on_a_folder_that_is_not_there_is_bad_usage(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_report_on_a_folder_without_a_gradebook_says_so(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 1
    assert "no gradebook here" in capsys.readouterr().err
