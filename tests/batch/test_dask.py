"""--scheduler: a Dask cluster grades the same work into the same gradebook, with the same grades as local workers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.packs import get_pack

from .conftest import PACK, sandbox_flags

distributed = pytest.importorskip("distributed")

VOLATILE = ("execution_time",)  # seconds and memory differ from run to run; everything else must not


def _documents(out: Path) -> dict[str, dict]:
    documents = {}
    for path in sorted(out.glob("*/results.json")):
        document = json.loads(path.read_text())
        for key in VOLATILE:
            document.pop(key)
        document["extra_data"]["gangrade"]["execution"].pop("peak_memory_mb", None)
        document["extra_data"]["gangrade"]["execution"].pop("timings")   # and so do the starts (warm or not)
        documents[path.parent.name] = document
    return documents


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                                  dashboard_address=None, protocol="tcp") as local_cluster:
        yield local_cluster


def test_a_dask_cluster_gives_the_local_pools_grades(cluster, tmp_path):
    samples = get_pack(PACK).folder / "samples"
    submissions = [str(samples / "solution.ipynb"), str(samples / "buggy" / "objectives_summed.ipynb"),
                   str(samples / "buggy" / "init_uniform.ipynb")]
    common = ["--assignment", PACK, "--train-steps", "0", "--seed", "11", *sandbox_flags()]

    assert main(["grade", *submissions, "--out", str(tmp_path / "local"), "--workers", "2", *common]) == 0
    assert main(["grade", *submissions, "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address, *common]) == 0

    local, remote = _documents(tmp_path / "local"), _documents(tmp_path / "dask")
    assert sorted(remote) == ["init_uniform", "objectives_summed", "solution"]
    assert remote == local
    brief_off = {"training", "final_image"}  # brief training is off here: only those items fail the solution
    assert {t["name"] for t in remote["solution"]["tests"] if t["status"] == "failed"} == brief_off
    assert "objectives" in {t["name"] for t in remote["objectives_summed"]["tests"] if t["status"] == "failed"}
    # The gradebook stays with the client: a second run skips all three without asking the cluster.
    assert main(["grade", *submissions, "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address, *common]) == 0
    assert (tmp_path / "dask" / "grades.csv").read_text().count("\n") == 4


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, capsys):
    status = main(["grade", str(get_pack(PACK).folder / "starter.ipynb"), "--out", str(tmp_path / "out"),
                   "--scheduler", "tcp://127.0.0.1:9", "--train-steps", "0", *sandbox_flags()])
    assert status == 1
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "Traceback" not in err
