"""Training: the step, the loop, run logs and checkpoints."""

from facegan.training.checkpoint import load_checkpoint, load_generator
from facegan.training.loop import resume, resume_all_expressions, train, train_all_expressions

__all__ = ["load_checkpoint", "load_generator", "resume", "resume_all_expressions", "train", "train_all_expressions"]
