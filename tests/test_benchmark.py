import re

from facegan.cli import main


def test_bench_prints_a_table_and_a_ratio_line(capsys, tmp_path):
    assert main(["bench", "--model", "fer", "--precision", "bf16", "--steps", "1", "--blocks", "1", "--device", "cpu",
                 "--data-root", str(tmp_path / "absent")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "data: generated images" in lines[0]
    assert any(line.startswith("reference (ImageFolder, 2 workers, fp32, BCELoss)") for line in lines)
    assert any(line.startswith("facegan fp32") for line in lines)
    last = re.fullmatch(r"fer bf16: ([\d.]+) img/s, reference ([\d.]+) img/s, ([\d.]+)x", lines[-1])
    assert last, lines[-1]
    ours, reference, ratio = map(float, last.groups())
    assert abs(ours / reference - ratio) < 0.01
