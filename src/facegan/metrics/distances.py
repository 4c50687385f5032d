"""Distances between two sets of feature vectors (Fréchet distance, KID, precision/recall, nearest
neighbours), and between pairs of images (PSNR, SSIM).

All compute in float64; none needs a GPU or a download.
"""

from __future__ import annotations

import torch


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2)), the FID formula on any features.

    tr((S_a S_b)^(1/2)) is computed as the sum of square roots of the eigenvalues of the symmetric
    S_a^(1/2) S_b S_a^(1/2), which is stable where a general matrix square root is not. Biased at small
    n: compare values computed at equal n.
    """
    a, b = a.double(), b.double()
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    values, vectors = torch.linalg.eigh(cov_a)
    root_a = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T
    middle = root_a @ cov_b @ root_a
    trace_root = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    return float((mean_a - mean_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * trace_root)


def kernel_inception_distance(a: torch.Tensor, b: torch.Tensor, subsets: int = 50, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """KID (Bińkowski et al. 2018): the unbiased MMD^2 with kernel (x.y / d + 1)^3, mean and std over subsets.

    Unbiased, so two samples of one distribution give about 0 (negative values happen) at any n.
    """
    a, b = a.double(), b.double()
    size = min(subset_size, len(a), len(b))
    generator = torch.Generator().manual_seed(seed)
    dim = a.shape[1]
    values = []
    for _ in range(subsets):
        x = a[torch.randperm(len(a), generator=generator)[:size]]
        y = b[torch.randperm(len(b), generator=generator)[:size]]
        k_xx = (x @ x.T / dim + 1) ** 3
        k_yy = (y @ y.T / dim + 1) ** 3
        k_xy = (x @ y.T / dim + 1) ** 3
        off_diagonal = size * (size - 1)
        mmd = (k_xx.sum() - k_xx.diagonal().sum()) / off_diagonal + (k_yy.sum() - k_yy.diagonal().sum()) / off_diagonal - 2 * k_xy.mean()
        values.append(float(mmd))
    tensor = torch.tensor(values)
    return float(tensor.mean()), float(tensor.std()) if subsets > 1 else 0.0


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-nearest-neighbour manifolds.

    Precision: the share of fake samples inside the real manifold (fidelity). Recall: the share of real
    samples inside the fake manifold (diversity); a collapsed generator has low recall.
    """
    real, fake = real.double(), fake.double()

    def radii(points: torch.Tensor) -> torch.Tensor:
        distances = torch.cdist(points, points)
        neighbours = min(k, len(points) - 1)  # tiny sets (tests, rare classes) use what they have
        return distances.kthvalue(neighbours + 1, dim=1).values  # the 0th neighbour is the point itself

    def inside(points: torch.Tensor, manifold: torch.Tensor, manifold_radii: torch.Tensor) -> float:
        return float((torch.cdist(points, manifold) <= manifold_radii[None]).any(dim=1).double().mean())

    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def spread(points: torch.Tensor, limit: int = 500) -> float:
    """Mean distance between two rows of a set (of the first `limit`): near 0 when a model draws the
    same face whatever its z."""
    points = points[:limit].flatten(1).float()
    pairs = max(len(points) * (len(points) - 1), 1)
    return float(torch.cdist(points, points).sum() / pairs)


def nearest_neighbours(queries: torch.Tensor, pool: torch.Tensor, chunk: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """For each query row, the Euclidean distance to its nearest row of `pool` and that row's index."""
    distances, indices = [], []
    pool = pool.float()
    for block in queries.float().split(chunk):
        nearest = torch.cdist(block, pool).min(dim=1)
        distances.append(nearest.values)
        indices.append(nearest.indices)
    return torch.cat(distances), torch.cat(indices)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB of uint8 image batches (N, C, H, W), one value per pair."""
    mse = (a.double() - b.double()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(255.0**2 / mse.clamp(min=1e-10))


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Structural similarity (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03) of
    uint8 image batches (N, C, H, W), averaged over pixels and channels: one value per pair."""
    coords = torch.arange(11, dtype=torch.float64) - 5
    gauss = torch.exp(-coords.pow(2) / (2 * 1.5**2))
    window = (gauss[:, None] * gauss[None, :] / gauss.sum() ** 2)[None, None]
    channels = a.shape[1]
    window = window.expand(channels, 1, 11, 11)
    x, y = a.double(), b.double()
    blur = lambda t: torch.nn.functional.conv2d(t, window, groups=channels)  # noqa: E731  ('valid' window positions only)
    mu_x, mu_y = blur(x), blur(y)
    var_x, var_y, cov = blur(x * x) - mu_x**2, blur(y * y) - mu_y**2, blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    index = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return index.flatten(1).mean(1)
