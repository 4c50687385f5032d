"""Distributed data parallel through torchrun: one process per device, rank 0 writes everything.

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; the CLI reads them and calls `init`. Without it every
helper here describes a world of one process, so the training loop has a single code path.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def init(device_type: str) -> None:
    """Join the process group torchrun describes: NCCL between GPUs, gloo between CPU processes."""
    dist.init_process_group("nccl" if device_type == "cuda" else "gloo")


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def is_main() -> bool:
    return rank() == 0


def barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def shard(order: torch.Tensor, rank: int, world: int) -> torch.Tensor:
    """Rank `rank`'s share of an epoch's shuffled indices: disjoint across ranks, equal in size."""
    usable = len(order) // world * world
    return order[rank:usable:world]


def from_rank_zero(value):
    """Rank 0's value on every rank (e.g. a run folder named after rank 0's clock)."""
    if not dist.is_initialized():
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather(tensor: torch.Tensor) -> list[torch.Tensor]:
    """Every rank's copy of a CPU tensor (e.g. its RNG state), in rank order."""
    if not dist.is_initialized():
        return [tensor]
    gathered: list = [None] * world_size()
    dist.all_gather_object(gathered, tensor)
    return gathered


def all_true(flag: bool) -> bool:
    """Whether `flag` holds on every rank, so that all of them take the same branch."""
    if not dist.is_initialized():
        return flag
    agreed = torch.tensor([float(flag)], device="cuda" if dist.get_backend() == "nccl" else "cpu")
    dist.all_reduce(agreed, op=dist.ReduceOp.MIN)
    return agreed.item() == 1.0


def check_in_sync(*modules: torch.nn.Module) -> None:
    """Raise if any rank's weights differ from rank 0's: DDP must keep them bit-identical."""
    if not dist.is_initialized():
        return
    for module in modules:
        flat = torch.cat([p.detach().reshape(-1).float() for p in module.parameters()])
        reference = flat.clone()
        dist.broadcast(reference, src=0)
        same = torch.tensor([float(torch.equal(flat, reference))], device=flat.device)
        dist.all_reduce(same, op=dist.ReduceOp.MIN)
        if same.item() != 1.0:
            raise RuntimeError(f"{type(module).__name__} weights differ between ranks: distributed training went out of sync")


def close() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
