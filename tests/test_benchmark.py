import re

import torch

from facegan import benchmark
from facegan.cli import main
from facegan.precision import native_bf16


def bench(capsys, tmp_path) -> list[str]:
    assert main(["bench", "--model", "fer", "--precision", "bf16", "--steps", "1", "--blocks", "1", "--device", "cpu",
                 "--data-root", str(tmp_path / "absent")]) == 0
    return capsys.readouterr().out.strip().splitlines()


def test_bench_prints_a_table_and_a_ratio_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "WARMUP_STEPS", 0)  # the table's shape and arithmetic, not trustworthy times
    lines = bench(capsys, tmp_path)
    assert "data: generated images" in lines[0]
    assert any(line.startswith("reference (ImageFolder, 2 workers, fp32, BCELoss)") for line in lines)
    assert any(line.startswith("facegan fp32") for line in lines)
    mode = "bf16" if native_bf16(torch.device("cpu")) else "fp32"  # the asked-for mode, unless this CPU emulates it
    last = re.fullmatch(rf"fer {mode}: ([\d.]+) img/s, reference ([\d.]+) img/s, ([\d.]+)x", lines[-1])
    assert last, lines[-1]
    ours, reference, ratio = map(float, last.groups())
    assert abs(ours / reference - ratio) < 0.01


def test_bench_skips_bf16_where_it_is_emulated(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "native_bf16", lambda device: False)
    monkeypatch.setattr(benchmark, "measure", lambda *args: 100.0)  # which modes are timed is the point here, not the times
    lines = bench(capsys, tmp_path)
    assert any(line.startswith("facegan bf16") and "skipped: bf16 is emulated" in line for line in lines)
    assert lines[-1].startswith("fer fp32: ")
