import csv
import json
from pathlib import Path

import pytest
import torch
from PIL import Image

import facegan
from facegan.models.checkpoint import load_checkpoint
from facegan.training.loop import learning_rate_scale

RUN_OUTPUTS = ("real_samples.png", "progress.gif", "losses.csv", "loss_plot.png", "final_samples.png", "config.json", "checkpoint.pt")


def tiny_config(data: Path, run_dir: Path, **changes) -> facegan.Config:
    """A fast FER run: 6 happy faces, batch 2, so 3 iterations per epoch."""
    settings = dict(dataset="fer2013", data=str(data), expression="happy", batch_size=2, epochs=2,
                    device="cpu", run_dir=str(run_dir), quiet=True, seed=3)
    return facegan.Config(**{**settings, **changes})


def test_short_run_writes_every_output(fer_folder, tmp_path):
    run = facegan.train(tiny_config(fer_folder, tmp_path / "run"))
    for name in RUN_OUTPUTS:
        assert (run / name).is_file(), name
    assert sorted(p.name for p in (run / "fixed_noise").iterdir()) == ["epoch_001.png", "epoch_002.png"]
    with open(run / "losses.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["epoch", "iteration", "loss_D", "loss_G", "D(x)", "D(G(z))"]
    assert [int(r["iteration"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [int(r["epoch"]) for r in rows] == [0, 0, 0, 1, 1, 1]
    assert all(0 <= float(r["D(x)"]) <= 1 and float(r["loss_D"]) > 0 for r in rows)
    config = json.loads((run / "config.json").read_text())
    assert config["image_size"] == 48 and config["channels"] == 1 and config["extra"]["device"] == "cpu"
    assert config["extra"]["torch"] == torch.__version__
    state = load_checkpoint(run / "checkpoint.pt")
    assert state["step"] == 6 and state["fixed_noise"].shape == (64, 100)
    assert set(state) >= {"generator", "discriminator", "opt_g", "opt_d", "rng_cpu", "config"}
    with Image.open(run / "progress.gif") as gif:
        assert gif.n_frames == 2


def test_max_steps_stops_mid_epoch_and_still_writes_everything(fer_folder, tmp_path):
    run = facegan.train(tiny_config(fer_folder, tmp_path / "run", epochs=50, max_steps=4))
    for name in RUN_OUTPUTS:
        assert (run / name).is_file(), name
    assert load_checkpoint(run)["step"] == 4
    assert sorted(p.name for p in (run / "fixed_noise").iterdir()) == ["epoch_001.png", "epoch_002.png"]


def test_resume_equals_uninterrupted_training(fer_folder, tmp_path):
    straight = facegan.train(tiny_config(fer_folder, tmp_path / "straight", epochs=3, max_steps=8))
    halves = facegan.train(tiny_config(fer_folder, tmp_path / "halves", epochs=3, max_steps=4))  # stops mid-epoch 2
    facegan.resume(halves, max_steps=8)
    a, b = load_checkpoint(straight), load_checkpoint(halves)
    assert a["step"] == b["step"] == 8
    for name, tensor in a["generator"].items():
        assert torch.equal(tensor, b["generator"][name]), name
    for name, tensor in a["discriminator"].items():
        assert torch.equal(tensor, b["discriminator"][name]), name
    assert (straight / "losses.csv").read_text() == (halves / "losses.csv").read_text()


def test_learning_rates_decay_linearly_over_the_last_iterations():
    assert [learning_rate_scale(step, 10, 4) for step in range(10)] == [1, 1, 1, 1, 1, 1, 1, 0.75, 0.5, 0.25]
    assert learning_rate_scale(0, 10, 20) == 0.5  # a window longer than the run starts lowered


def test_a_decay_added_on_resume_equals_a_run_that_decayed_from_the_start(fer_folder, tmp_path):
    straight = facegan.train(tiny_config(fer_folder, tmp_path / "straight", epochs=3, max_steps=8, lr_decay=4))
    halves = facegan.train(tiny_config(fer_folder, tmp_path / "halves", epochs=3, max_steps=4))  # before the decay starts
    facegan.resume(halves, max_steps=8, lr_decay=4)
    constant = facegan.train(tiny_config(fer_folder, tmp_path / "constant", epochs=3, max_steps=8))
    a, b, c = load_checkpoint(straight), load_checkpoint(halves), load_checkpoint(constant)
    for name, tensor in a["generator"].items():
        assert torch.equal(tensor, b["generator"][name]), name
    assert [group["lr"] for group in a["opt_g"]["param_groups"]] == [2e-4 / 4]  # the last iteration's rate
    assert a["opt_d"]["param_groups"][0]["lr"] == b["opt_d"]["param_groups"][0]["lr"] == a["config"]["lr_d"] / 4
    assert not torch.equal(a["generator"]["main.to_image.weight"], c["generator"]["main.to_image.weight"])
    with pytest.raises(facegan.FaceganError, match="--lr-decay -1"):
        tiny_config(fer_folder, tmp_path / "bad", lr_decay=-1).resolved()


def test_a_different_seed_trains_differently(fer_folder, tmp_path):
    a = facegan.train(tiny_config(fer_folder, tmp_path / "a", max_steps=2))
    b = facegan.train(tiny_config(fer_folder, tmp_path / "b", max_steps=2, seed=4))
    weight = "main.layout.weight"
    assert not torch.equal(load_checkpoint(a)["generator"][weight], load_checkpoint(b)["generator"][weight])


def test_all_expressions_protocol_trains_seven_models(fer_folder, tmp_path):
    parent = facegan.train_all_expressions(tiny_config(fer_folder, tmp_path / "all", expression="all", max_steps=1))
    for expression in facegan.EXPRESSIONS:
        state = load_checkpoint(parent / expression)
        assert state["config"]["expression"] == expression and state["step"] == 1
    assert json.loads((parent / "config.json").read_text())["expression"] == "all"
    facegan.resume(parent, max_steps=2)  # the protocol folder resumes every expression
    assert all(load_checkpoint(parent / e)["step"] == 2 for e in facegan.EXPRESSIONS)


def test_sample_layout_and_determinism(fer_folder, tmp_path):
    run = facegan.train(tiny_config(fer_folder, tmp_path / "run", max_steps=1))
    assert facegan.sample(run / "checkpoint.pt", n=5, out=tmp_path / "samples", grid=True) == tmp_path / "samples"
    folder = tmp_path / "samples" / "happy"
    assert sorted(p.name for p in folder.iterdir()) == [f"{i:06d}.png" for i in range(5)]
    assert (tmp_path / "samples" / "grid.png").is_file()
    with Image.open(folder / "000000.png") as image:
        assert image.size == (48, 48) and image.mode == "L"
    _, generator = facegan.load_generator(run / "checkpoint.pt")
    assert torch.equal(facegan.generate(generator, 3, seed=1), facegan.generate(generator, 3, seed=1))
    assert not torch.equal(facegan.generate(generator, 3, seed=1), facegan.generate(generator, 3, seed=2))


def test_colour_folder_run(tmp_path):
    from conftest import write_image

    for i in range(4):
        write_image(tmp_path / "faces" / f"{i}.png", (70, 90), "RGB", i)
    run = facegan.train(facegan.Config(dataset="folder", data=str(tmp_path / "faces"), batch_size=2, max_steps=2,
                                       device="cpu", run_dir=str(tmp_path / "run"), quiet=True))
    folder = facegan.sample(run / "checkpoint.pt", n=2, out=tmp_path / "samples") / "images"
    with Image.open(folder / "000001.png") as image:
        assert image.size == (64, 64) and image.mode == "RGB"


def test_report_presets_are_the_reports_settings():
    fer, celeba = facegan.PRESETS["report-fer"], facegan.PRESETS["report-celeba"]
    for preset in (fer, celeba):
        assert (preset["nz"], preset["batch_size"], preset["lr"], preset["beta1"]) == (100, 128, 2e-4, 0.5)
    assert (fer["image_size"], fer["channels"], fer["epochs"]) == (48, 1, 50)
    assert (celeba["image_size"], celeba["channels"], celeba["epochs"]) == (64, 3, 25)


@pytest.mark.parametrize("size, channels", [(48, 1)])
def test_training_moves_generator_towards_data(fer_folder, tmp_path, size, channels):
    """After a few steps D(x) should exceed D(G(z)) on average: the loss is wired the right way round."""
    run = facegan.train(tiny_config(fer_folder, tmp_path / "run", epochs=4))
    with open(run / "losses.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(float(r["D(x)"]) for r in rows) > sum(float(r["D(G(z))"]) for r in rows)


def test_ctrl_c_saves_everything_and_resume_continues(fer_folder, tmp_path, monkeypatch):
    import facegan.training.loop as loop

    real_make_step = loop.make_step

    def interrupted_after_two(*args, **kwargs):
        step = real_make_step(*args, **kwargs)
        calls = []

        def wrapped(indices):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return step(indices)

        return wrapped

    monkeypatch.setattr(loop, "make_step", interrupted_after_two)
    with pytest.raises(facegan.FaceganError, match="interrupted at iteration 2; everything is saved: continue with --resume"):
        facegan.train(tiny_config(fer_folder, tmp_path / "run"))
    run = tmp_path / "run"
    assert load_checkpoint(run)["step"] == 2
    assert (run / "final_samples.png").is_file() and len((run / "losses.csv").read_text().splitlines()) == 3
    monkeypatch.undo()
    facegan.resume(run)
    assert load_checkpoint(run)["step"] == 6


def test_tensorboard_logs_the_run(fer_folder, tmp_path):
    pytest.importorskip("tensorboard", reason="tensorboard is an optional extra: pip install 'facegan[tensorboard]'")
    run = facegan.train(tiny_config(fer_folder, tmp_path / "run", max_steps=1, tensorboard=True))
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))


def test_missing_tensorboard_is_reported_before_anything_is_written(fer_folder, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # makes the import fail
    with pytest.raises(facegan.FaceganError, match=r"pip install 'facegan\[tensorboard\]'"):
        facegan.train(tiny_config(fer_folder, tmp_path / "run", max_steps=1, tensorboard=True))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("count, channels, nrow", [(64, 1, 8), (7, 3, 4), (10, 1, 7), (1, 3, 8), (1, 1, 8), (9, 1, 8)])
def test_grids_are_laid_out_as_torchvisions_make_grid(count, channels, nrow):
    from torchvision.utils import make_grid

    from facegan.visuals import make_grid_uint8

    images = torch.randint(0, 256, (count, channels, 12, 10), dtype=torch.uint8, generator=torch.Generator().manual_seed(count))
    assert torch.equal(torch.from_numpy(make_grid_uint8(images, nrow)), make_grid(images, nrow=nrow, padding=2, pad_value=255))


def test_the_command_line_starts_without_torchvision():
    import subprocess
    import sys

    code = "import sys, facegan.cli; facegan.cli.build_parser(); print('torchvision' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
