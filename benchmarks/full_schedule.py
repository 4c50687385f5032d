"""Time the report's full CelebA schedule (25 epochs x 202,599 images, batch 128) through `facegan.train`.

The real CelebA is not needed: random uint8 images of the same count and size take the same time.
Usage: python benchmarks/full_schedule.py RUN_DIR [--precision bf16] [--epochs 25] [--no-cuda-graphs]
"""

import argparse
import time

import torch

import facegan
from facegan.data import ImageSet

CELEBA_IMAGES = 202_599

parser = argparse.ArgumentParser()
parser.add_argument("run_dir")
parser.add_argument("--precision", default="bf16")
parser.add_argument("--epochs", type=int, default=25)
parser.add_argument("--images", type=int, default=CELEBA_IMAGES)
parser.add_argument("--no-cuda-graphs", action="store_true")
args = parser.parse_args()

data = ImageSet(torch.randint(0, 256, (args.images, 3, 64, 64), dtype=torch.uint8))
config = facegan.Config(**{**facegan.PRESETS["report-celeba"], "data": "random", "epochs": args.epochs,
                           "precision": args.precision, "cuda_graphs": not args.no_cuda_graphs,
                           "run_dir": args.run_dir, "quiet": True})
start = time.perf_counter()
facegan.train(config, overwrite=True, data=data)
seconds = time.perf_counter() - start
images = args.epochs * (args.images // 128) * 128
print(f"full schedule: {args.epochs} epochs x {args.images} images in {seconds:.1f} s = {images / seconds:.0f} img/s "
      f"(every epoch's grid and checkpoint included)")
