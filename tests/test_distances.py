import math

import pytest
import torch

from facegan.metrics.distances import frechet_distance, kernel_inception_distance, nearest_neighbours, precision_recall


def gaussian(n: int, mean: torch.Tensor, cov: torch.Tensor, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, len(mean), generator=generator, dtype=torch.float64) @ torch.linalg.cholesky(cov).T + mean


def test_frechet_distance_matches_the_closed_form():
    # Diagonal covariances: FD = |mu1 - mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2
    mean_a, mean_b = torch.tensor([0.0, 1.0, -2.0]), torch.tensor([1.0, 1.0, 0.0])
    var_a, var_b = torch.tensor([1.0, 4.0, 0.25]), torch.tensor([2.0, 1.0, 0.25])
    expected = float((mean_a - mean_b).square().sum() + (var_a.sqrt() - var_b.sqrt()).square().sum())
    a = gaussian(200_000, mean_a.double(), torch.diag(var_a).double(), 0)
    b = gaussian(200_000, mean_b.double(), torch.diag(var_b).double(), 1)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.01, abs=0.01)


def test_frechet_distance_with_correlated_covariances():
    # Commuting full covariances share eigenvectors: FD = |dmu|^2 + sum (sqrt(l1) - sqrt(l2))^2 over eigenvalues.
    rotation = torch.linalg.qr(torch.randn(4, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)).Q
    eig_a, eig_b = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64), torch.tensor([4.0, 1.0, 1.0, 9.0], dtype=torch.float64)
    cov_a, cov_b = rotation @ torch.diag(eig_a) @ rotation.T, rotation @ torch.diag(eig_b) @ rotation.T
    expected = float((eig_a.sqrt() - eig_b.sqrt()).square().sum())
    a = gaussian(300_000, torch.zeros(4, dtype=torch.float64), cov_a, 4)
    b = gaussian(300_000, torch.zeros(4, dtype=torch.float64), cov_b, 5)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.02, abs=0.02)


def test_identical_features_give_zero():
    a = torch.randn(500, 16, generator=torch.Generator().manual_seed(0))
    assert abs(frechet_distance(a, a)) < 1e-6


def test_kid_is_unbiased_and_sees_a_shift():
    generator = torch.Generator().manual_seed(0)
    a, b = torch.randn(2000, 32, generator=generator), torch.randn(2000, 32, generator=generator)
    same, same_std = kernel_inception_distance(a, b, subsets=20, subset_size=200)
    shifted, _ = kernel_inception_distance(a, b + 0.5, subsets=20, subset_size=200)
    assert abs(same) < 3 * same_std / math.sqrt(20) + 1e-3
    assert shifted > 20 * abs(same) and shifted > 0.01


def test_precision_and_recall_on_point_clouds():
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(1000, 8, generator=generator)
    good = torch.randn(1000, 8, generator=generator)
    collapsed = torch.randn(1000, 8, generator=generator) * 0.05  # every sample near the mode
    far = torch.randn(1000, 8, generator=generator) + 10
    good_p, good_r = precision_recall(real, good)
    collapsed_p, collapsed_r = precision_recall(real, collapsed)
    far_p, far_r = precision_recall(real, far)
    assert good_p > 0.8 and good_r > 0.8
    assert collapsed_p > 0.9 and collapsed_r < 0.1
    assert far_p == 0 and far_r == 0


def test_nearest_neighbours_finds_copies():
    pool = torch.randn(300, 10, generator=torch.Generator().manual_seed(0))
    queries = torch.cat([pool[[7, 42]], torch.full((1, 10), 100.0)])
    distances, indices = nearest_neighbours(queries, pool, chunk=2)
    assert indices[:2].tolist() == [7, 42] and distances[:2].max() < 1e-3 and distances[2] > 50


def test_psnr_and_ssim_match_scikit_image():
    metrics = pytest.importorskip("skimage.metrics", reason="scikit-image (a test dependency) is the reference")
    from facegan.metrics.distances import psnr, ssim

    g = torch.Generator().manual_seed(0)
    a = torch.randint(0, 256, (2, 1, 48, 48), generator=g, dtype=torch.uint8)
    b = (a.int() + torch.randint(-30, 31, a.shape, generator=g)).clamp(0, 255).to(torch.uint8)
    for i in range(2):
        x, y = a[i, 0].numpy(), b[i, 0].numpy()
        reference = metrics.structural_similarity(x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
        assert float(ssim(a, b)[i]) == pytest.approx(reference, abs=1e-9)
        assert float(psnr(a, b)[i]) == pytest.approx(metrics.peak_signal_noise_ratio(x, y, data_range=255), abs=1e-9)
    assert float(ssim(a, a)[0]) == pytest.approx(1.0)
