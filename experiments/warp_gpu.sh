#!/usr/bin/env bash
# The warp translator trained on the GPU machine, three recipes at once (experiments/warp_gpu.py says what
# travels and why). Here first: python experiments/warp_gpu.py pack --data ../shared/data/fer2013 --into .gpu
# There, from the repository root with .gpu carried:  OUT=/tmp/out BUDGET=480 bash experiments/warp_gpu.sh
# BUDGET: seconds from the start to the end of training; the stages are scaled to fit it, from a probe.
set -uo pipefail
export PYTHONPATH=src PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4
OUT=${OUT:-/tmp/warp-gpu}
BUDGET=${BUDGET:-480}
DEVICE=${DEVICE:-cuda}
PROBE=${PROBE:-400}
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }
mkdir -p "$OUT" /tmp/runs
exec > >(tee "$OUT/log.txt") 2>&1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__)"
nproc

python3 experiments/warp_gpu.py unpack --packed .gpu --into /tmp/fer --cache /tmp/cache || exit 1
train=(python3 -m facegan train --data /tmp/fer --cache-dir /tmp/cache --device "$DEVICE" --quiet)

echo "== probe at $(elapsed) s: $PROBE iterations, three runs at once as below"
pids=()
for name in a b c; do
  "${train[@]}" --model warp --dataset fer2013 --precision bf16 --max-steps "$PROBE" --run-dir /tmp/probe-$name > /tmp/probe-$name.log 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"  # by name: a plain wait would also wait for the log's tee
tail -n 2 /tmp/probe-a.log
seconds=$(grep -o 'over [0-9]* s' /tmp/probe-a.log | grep -o '[0-9]*')
left=$(( BUDGET - $(elapsed) - 60 ))  # 60 s: each run's two process starts
scale=$(( left / (seconds * 2500 / PROBE + 1) ))
scale=$(( scale < 1 ? 1 : (scale > 20 ? 20 : scale) ))
echo "probe: $PROBE iterations in $seconds s; $left s left: the stages $scale times as long"
python3 experiments/warp_gpu.py recipes --scale "$scale" --into /tmp/recipes

echo "== training at $(elapsed) s"
pids=()
for name in recipe shape critic; do
  timeout -s INT $(( BUDGET - $(elapsed) )) "${train[@]}" --recipe /tmp/recipes/$name.json --run-dir /tmp/runs/$name \
    > /tmp/runs/$name.log 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"
echo "== export at $(elapsed) s"
for name in recipe shape critic; do
  tail -n 3 /tmp/runs/$name.log
  python3 -m facegan export /tmp/runs/$name --out "$OUT/warp-$name.pt" --card /tmp/runs/$name/model_card.md
done
tar --exclude checkpoint.pt --exclude "*.gif" --exclude "epoch_*" -czf "$OUT/runs.tar.gz" -C /tmp runs
ls -la "$OUT"
echo "done at $(elapsed) s"
