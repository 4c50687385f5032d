#!/usr/bin/env bash
# Every GPU measurement in one go (see benchmarks/RESULTS.md). Run from the repository root on a CUDA
# machine with PyTorch installed:  OUT=/tmp/gpu-results bash benchmarks/gpu.sh
set -uo pipefail
export PYTHONPATH=src PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu-results}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/card.txt"
python3 -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__)" | tee -a "$OUT/card.txt"

echo "== 1. checks: a short run with CUDA graphs (bf16) and eagerly, then resume, on the demo faces"
demo=src/facegan/data/demo/fer2013
python3 -m facegan train --dataset fer2013 --data $demo --expression happy --max-steps 40 --precision bf16 --run-dir /tmp/g1 --overwrite --quiet 2>&1 | tail -2
python3 -m facegan train --dataset fer2013 --data $demo --expression happy --max-steps 40 --precision bf16 --no-cuda-graphs --run-dir /tmp/g2 --overwrite --quiet 2>&1 | tail -2
python3 -m facegan train --resume /tmp/g1 --max-steps 60 --quiet 2>&1 | tail -1
python3 - <<'PY'
import csv
for run in ("/tmp/g1", "/tmp/g2"):
    rows = list(csv.DictReader(open(f"{run}/losses.csv")))
    print(run, "rows", len(rows), "last", {k: rows[-1][k] for k in ("iteration", "loss_D", "loss_G", "D(x)")})
PY
cp /tmp/g1/final_samples.png "$OUT/check_final_samples.png"

echo "== 2. benchmark against the canonical loop (generated images, like-for-like)"
for model in fer celeba; do
  python3 -m facegan bench --model $model --precision bf16 --device cuda --data-root /nonexistent --steps 20 --blocks 5 2>&1 | tee "$OUT/bench_$model.txt"
done

echo "== 3. the report's full CelebA schedule on random data of CelebA's size"
timeout ${FULL_TIMEOUT:-330} python3 benchmarks/full_schedule.py /tmp/full 2>&1 | tee "$OUT/full_schedule.txt" | tail -30
nvidia-smi --query-gpu=memory.used --format=csv | tee -a "$OUT/card.txt"
