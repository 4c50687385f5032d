"""What a run reports as it goes: losses.csv, the progress bar or plain lines, TensorBoard, and pictures."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import torch

from facegan import visuals
from facegan.config import Config
from facegan.errors import FaceganError
from facegan.files import write_atomically

COLUMNS = ("epoch", "iteration", "loss_D", "loss_G", "D(x)", "D(G(z))")


class RunLog:
    """Collects per-iteration stats on the device and writes them out once per epoch, so steps never sync."""

    def __init__(self, run_dir: Path, config: Config, start_step: int, total_steps: int) -> None:
        self.run_dir, self.config = run_dir, config
        self.total_steps = total_steps
        self.grid_columns = len(config.class_names) or 8  # conditional grids: one column per class
        self.pending: list[tuple[int, int, torch.Tensor]] = []
        self.losses_csv = run_dir / "losses.csv"
        self._keep_rows_before(start_step)
        (run_dir / "fixed_noise").mkdir(exist_ok=True)
        self.started, self.start_step, self.last_step = time.perf_counter(), start_step, start_step
        self.bar = None
        if not config.quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total_steps, initial=start_step, unit="it", dynamic_ncols=True, file=sys.stderr)
        self.tensorboard = _tensorboard(run_dir) if config.tensorboard else None

    def _keep_rows_before(self, step: int) -> None:
        """On resume, drop the losses and scores logged after the checkpoint (a crash between writing
        them and the checkpoint), so that nothing is logged twice."""
        rows = []
        if step and self.losses_csv.exists():
            with open(self.losses_csv, newline="") as handle:
                rows = [row for row in csv.reader(handle)][1:]
            rows = [row for row in rows if int(row[1]) <= step]
        write_csv(self.losses_csv, [COLUMNS, *rows])
        metrics = self.run_dir / "metrics.csv"
        if metrics.exists():
            with open(metrics, newline="") as handle:
                header, *scored = list(csv.reader(handle))
            write_csv(metrics, [header, *(row for row in scored if step and int(row[1]) <= step)])

    def step(self, epoch: int, step: int, stats: torch.Tensor) -> None:
        self.pending.append((epoch, step, stats))
        self.last_step = step
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch + 1}/{self.config.epochs}", refresh=False)
            self.bar.update(1)
            if step % 25 == 0:  # reading the stats waits for the device, so only now and then
                loss_d, loss_g, d_x, d_gz = stats.tolist()
                self.bar.set_postfix_str(f"loss_D {loss_d:.3f} loss_G {loss_g:.3f} D(x) {d_x:.3f} D(G(z)) {d_gz:.3f}")

    def flush(self) -> None:
        """Write the pending rows to losses.csv (and TensorBoard); called at every epoch end and on stop."""
        if not self.pending:
            return
        values = torch.stack([stats for _, _, stats in self.pending]).cpu().tolist()
        rows = [(epoch, step, *map(lambda v: f"{v:.5f}", vals)) for (epoch, step, _), vals in zip(self.pending, values)]
        with open(self.losses_csv, "a", newline="") as handle:
            csv.writer(handle).writerows(rows)
        if self.tensorboard is not None:
            for (_, step, _), (loss_d, loss_g, d_x, d_gz) in zip(self.pending, values):
                self.tensorboard.add_scalars("loss", {"D": loss_d, "G": loss_g}, step)
                self.tensorboard.add_scalars("D_output", {"real": d_x, "fake": d_gz}, step)
        if self.config.quiet:
            epoch, step, _ = self.pending[-1]
            rate = (step - self.start_step) * self.config.batch_size / (time.perf_counter() - self.started)
            loss_d, loss_g, d_x, d_gz = values[-1]
            print(
                f"epoch {epoch + 1}/{self.config.epochs} iteration {step}/{self.total_steps} loss_D {loss_d:.4f} "
                f"loss_G {loss_g:.4f} D(x) {d_x:.4f} D(G(z)) {d_gz:.4f} {rate:.1f} img/s",
                flush=True,
            )
        self.pending.clear()

    def scores(self, epoch: int, step: int, scores: dict[str, float]) -> None:
        """One row of metrics.csv (and TensorBoard scalars) from an evaluation during training."""
        path = self.run_dir / "metrics.csv"
        new = not path.exists()
        with open(path, "a", newline="") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(["epoch", "iteration", *scores])
            writer.writerow([epoch + 1, step, *(f"{value:.5f}" for value in scores.values())])
        if self.tensorboard is not None:
            for name, value in scores.items():
                self.tensorboard.add_scalar(f"eval/{name}", value, step)
        if self.config.quiet:
            print(f"eval epoch {epoch + 1}: " + " ".join(f"{k} {v:.4f}" for k, v in scores.items()), flush=True)

    def fixed_noise_grid(self, epoch: int, images: torch.Tensor) -> None:
        visuals.save_grid(images, self.run_dir / "fixed_noise" / f"epoch_{epoch + 1:03d}.png", self.grid_columns)
        if self.tensorboard is not None:
            self.tensorboard.add_image("fixed_noise", visuals.make_grid_uint8(images, self.grid_columns), epoch + 1)

    def finish(self, final_images: torch.Tensor) -> None:
        """The run's summary pictures (loss plot, fixed-noise animation, final samples) and a last line."""
        if self.bar is not None:
            self.bar.close()
        seconds = time.perf_counter() - self.started
        images = (self.last_step - self.start_step) * self.config.batch_size * self.config.extra.get("processes", 1)
        print(
            f"done: iteration {self.last_step}/{self.total_steps}, {images / max(seconds, 1e-9):.1f} img/s over "
            f"{seconds:.0f} s, peak memory {peak_rss_mb():.0f} MB",
            flush=True,
        )
        visuals.save_loss_plot(self.losses_csv, self.run_dir / "loss_plot.png")
        visuals.save_gif(sorted((self.run_dir / "fixed_noise").glob("epoch_*.png")), self.run_dir / "progress.gif")
        visuals.save_grid(final_images, self.run_dir / "final_samples.png", self.grid_columns)
        if self.tensorboard is not None:
            self.tensorboard.close()


def write_csv(path: Path, rows: list) -> None:
    """A whole CSV file, replaced at once (a crash mid-write keeps the old one)."""

    def write(temporary: Path) -> None:
        with open(temporary, "w", newline="") as handle:
            csv.writer(handle).writerows(rows)

    write_atomically(path, write)


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kB, macOS bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 1024)


def require_tensorboard() -> None:
    """Fail before a run starts, not after its folder is made, when TensorBoard is asked for but missing."""
    _summary_writer_class()


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise FaceganError("--tensorboard needs the tensorboard package: pip install 'facegan[tensorboard]'") from None
    return SummaryWriter


def _tensorboard(run_dir: Path):
    return _summary_writer_class()(str(run_dir / "tensorboard"))
