"""Training: the step, the loop, run logs and writing checkpoints (reading them is facegan.models.checkpoint's)."""

from facegan.training.loop import resume, resume_all_expressions, train, train_all_expressions

__all__ = ["resume", "resume_all_expressions", "train", "train_all_expressions"]
