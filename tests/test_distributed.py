"""DDP through torchrun, on CPU with the gloo backend and two processes."""

import json
import os
import subprocess
import sys

import pytest
import torch

from facegan.training.distributed import shard
from facegan.training.loop import epoch_order


def test_shards_are_disjoint_equal_and_cover_the_epoch():
    order = epoch_order(seed=0, epoch=3, count=103)
    shards = [shard(order, rank, 4) for rank in range(4)]
    assert all(len(s) == 25 for s in shards)
    together = torch.cat(shards)
    assert len(set(together.tolist())) == 100 and set(together.tolist()) <= set(order.tolist())


def torchrun(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone",
               "-m", "facegan", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_two_processes_stay_in_sync_write_once_and_resume(fer_folder, tmp_path):
    run = tmp_path / "run"
    common = ["--dataset", "fer2013", "--data", str(fer_folder), "--expression", "happy", "--batch-size", "2", "--device", "cpu", "--quiet"]
    result = torchrun("train", *common, "--max-steps", "3", "--run-dir", str(run))
    assert result.returncode == 0, result.stderr[-3000:]
    # Every rank checks at the end that its G and D weights equal rank 0's; a mismatch fails the run.
    assert result.stdout.count("done: iteration 3/3") == 1  # only rank 0 reports
    rows = (run / "losses.csv").read_text().splitlines()
    assert len(rows) == 1 + 3  # header + one row per iteration, written once
    config = json.loads((run / "config.json").read_text())
    assert config["extra"]["processes"] == 2 and config["extra"]["global_batch_size"] == 4
    state = torch.load(run / "checkpoint.pt", weights_only=True)
    assert state["step"] == 3 and len(state["rng_cpu"]) == 2
    assert not torch.equal(state["rng_cpu"][0], state["rng_cpu"][1])  # each rank draws its own noise

    resumed = torchrun("train", "--resume", str(run), "--max-steps", "5", "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 5
    assert len((run / "losses.csv").read_text().splitlines()) == 1 + 5

    import facegan

    with pytest.raises(facegan.FaceganError, match="trained by 2 process"):
        facegan.resume(run, max_steps=6, quiet=True)


def test_two_processes_train_the_translator_in_sync(fer_folder, tmp_path):
    run = tmp_path / "translator"
    result = torchrun("train", "--model", "translator", "--dataset", "fer2013", "--data", str(fer_folder), "--batch-size", "3",
                      "--device", "cpu", "--quiet", "--max-steps", "3", "--run-dir", str(run))
    # The cycle pass runs through the unwrapped translator: every rank's weights must still equal rank 0's.
    assert result.returncode == 0, result.stderr[-3000:]
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 3
