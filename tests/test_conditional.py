"""The conditional model and the stabilisers: conditioning, spectral norm, EMA, DiffAugment, hinge,
the measured defaults, and the transfer / interpolation pictures."""

import pytest
import torch
from PIL import Image

import facegan
from facegan.cli import main
from facegan.config import Config, Recipe
from facegan.errors import FaceganError
from facegan.models import build_dcgan
from facegan.models.dcgan import ConditionalBatchNorm2d
from facegan.training.augment import cutout, diff_augment, translate
from facegan.models.checkpoint import load_checkpoint, load_generator
from facegan.training.ema import WeightAverage
from facegan.training.step import d_loss, g_loss
from test_data import make_celeba
from test_training import tiny_config


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def conditional_config(data, run_dir, **changes) -> Config:
    """All 42 fixture faces, seven classes, batch 6: 7 iterations per epoch."""
    return tiny_config(data, run_dir, expression=None, conditional=True, batch_size=6, **changes)


def test_conditional_networks_add_only_label_tables():
    generator, discriminator = build_dcgan(48, 1, num_classes=7, spectral_norm=True)
    plain_g, plain_d = build_dcgan(48, 1)
    # G: each BatchNorm's gain and bias become one row per class; D: a 512-d label embedding.
    assert count(generator) == count(plain_g) + 6 * (512 + 256 + 128 + 64) * 2 == 3_227_776
    # Spectral norm replaces D's three BatchNorms (2 x (128 + 256 + 512) parameters).
    assert count(discriminator) == count(plain_d) - 2 * (128 + 256 + 512) + 7 * 512 == 2_761_728
    _, classifying = build_dcgan(48, 1, num_classes=7, spectral_norm=True, class_head=True)
    assert count(classifying) == 2_761_728 + 512 * 7 + 7  # the auxiliary classifier: one linear layer


def test_class_loss_trains_the_auxiliary_classifier_on_real_labels():
    from facegan.training.step import make_optimizers, train_step

    torch.manual_seed(0)
    generator, discriminator = build_dcgan(48, 1, num_classes=7, class_head=True)
    opt_g, opt_d = make_optimizers(generator, discriminator, 2e-4, 2e-4, (0.5, 0.999), False)
    images = torch.randint(0, 256, (8, 1, 48, 48), dtype=torch.uint8)
    labels = torch.arange(8) % 7
    before = discriminator.classify.weight.detach().clone()
    train_step(generator, discriminator, opt_g, opt_d, images, 100, Recipe.of("report", loss="hinge", class_loss=1.0), labels=labels)
    assert not torch.equal(before, discriminator.classify.weight)
    train_step(generator, discriminator, opt_g, opt_d, images, 100, Recipe.of("report", loss="hinge"), labels=labels)
    logits, classes = discriminator(images.float() / 127.5 - 1, labels, with_classes=True)
    assert logits.shape == (8,) and classes.shape == (8, 7)


def test_mode_seeking_pairs_same_label_faces_and_pushes_them_apart():
    from facegan.training.step import mode_seeking_loss, paired_labels

    assert paired_labels(torch.tensor([0, 1, 2, 3, 4])).tolist() == [0, 1, 0, 1, 4]
    torch.manual_seed(0)
    noise = torch.randn(8, 100)
    same = torch.rand(4, 1, 48, 48).repeat(2, 1, 1, 1)
    assert mode_seeking_loss(same, noise) == pytest.approx(1e5)  # a collapsed pair is punished hardest
    fake = (same + 0.01 * torch.randn_like(same)).requires_grad_(True)
    spread = (fake[:4] - fake[4:]).abs().mean()
    mode_seeking_loss(fake, noise).backward()
    with torch.no_grad():
        stepped = fake - 1e-4 * fake.grad.sign()
    assert (stepped[:4] - stepped[4:]).abs().mean() > spread  # descending the loss makes the pair differ more


def test_uniform_fakes_train_classes_the_batch_lacks():
    from facegan.training.step import make_optimizers, make_step

    images = torch.randint(0, 256, (8, 1, 48, 48), dtype=torch.uint8)
    only_angry = torch.zeros(8, dtype=torch.long)
    trained_rows = {}
    for uniform_fakes in (False, True):
        torch.manual_seed(0)
        generator, discriminator = build_dcgan(48, 1, num_classes=7)
        opt_g, opt_d = make_optimizers(generator, discriminator, 2e-4, 2e-4, (0.5, 0.999), False)
        table = generator.main[1].gain.weight
        before = table.detach().clone()
        recipe = Recipe.of("report", loss="hinge", uniform_fakes=uniform_fakes)
        step = make_step(generator, discriminator, opt_g, opt_d, images, only_angry, 100, recipe, False, False, classes=7)
        step(torch.arange(8))
        trained_rows[uniform_fakes] = (table.detach() != before).any(1).nonzero().flatten().tolist()
    assert trained_rows[False] == [0]  # G only ever drew the real batch's class
    assert len(trained_rows[True]) > 1 and set(trained_rows[True]) <= set(range(7))


def test_balanced_class_loss_weighs_rare_classes_up():
    from facegan.training.step import balancing_weights, train_step

    assert balancing_weights(torch.tensor([0, 0, 0, 1]), 2).tolist() == pytest.approx([2 / 3, 2.0])
    with pytest.raises(FaceganError, match="none of class"):
        balancing_weights(torch.tensor([0, 0, 2]), 3)
    images = torch.randint(0, 256, (16, 1, 48, 48), dtype=torch.uint8)
    labels = torch.tensor([0] + [1] * 15)  # one rare face among fifteen common ones
    rare_class_lead = {}  # how much the classifier's bias moves towards the rare class in one step
    for weights in (None, balancing_weights(labels, 2)):
        torch.manual_seed(0)
        generator, discriminator = build_dcgan(48, 1, num_classes=2, class_head=True)
        opt_g = torch.optim.SGD(generator.parameters(), lr=0.0)
        opt_d = torch.optim.SGD(discriminator.classify.parameters(), lr=0.1)  # only the classifier learns
        bias = discriminator.classify.bias
        before = float((bias[0] - bias[1]).detach())
        train_step(generator, discriminator, opt_g, opt_d, images, 100, Recipe.of("report", loss="hinge", class_loss=1.0),
                   labels=labels, class_weights=weights)
        rare_class_lead["balanced" if weights is not None else "plain"] = float((bias[0] - bias[1]).detach()) - before
    # Unweighted, the rare class loses ground (its share, 1/16, is below what D predicts); weighted, it counts as half.
    assert rare_class_lead["plain"] < rare_class_lead["balanced"] - 0.05


def test_conditioning_is_wired():
    torch.manual_seed(0)
    generator, discriminator = build_dcgan(48, 1, num_classes=7)
    for module in generator.modules():  # spread the per-class gains, as training does
        if isinstance(module, ConditionalBatchNorm2d):
            torch.nn.init.normal_(module.gain.weight, 1.0, 0.5)
    z = torch.randn(1, 100).repeat(7, 1)
    faces = generator(z, torch.arange(7))
    scale = faces.abs().mean()
    for label in range(1, 7):
        assert (faces[label] - faces[0]).abs().mean() > 0.1 * scale, "a label changes the face"
    other = generator(torch.randn(7, 100), torch.arange(7))
    assert ((other - faces).abs().mean((1, 2, 3)) > 0.1 * scale).all(), "z changes the face"
    logits = discriminator(faces, torch.arange(7))
    assert not torch.allclose(logits, discriminator(faces, torch.zeros(7, dtype=torch.long)))
    soft = torch.nn.functional.one_hot(torch.arange(7), 7).float()
    assert torch.allclose(generator(z, soft), faces, atol=1e-6), "one-hot weights are the same as labels"
    with pytest.raises(ValueError, match="pass labels"):
        generator(z)
    layout = generator.layout(z)
    assert layout.shape == (7, 512, 3, 3)
    assert torch.equal(generator.draw(layout, torch.arange(7)), faces), "G is draw(layout(z), labels)"
    assert generator.detail_shape == (128, 12, 12) and build_dcgan(64, 3, num_classes=2)[0].detail_shape == (128, 16, 16)
    assert torch.equal(generator.draw(layout, torch.arange(7), torch.zeros(7, 128, 12, 12)), faces), "zero detail changes nothing"
    detail = torch.randn(1, 128, 12, 12).repeat(7, 1, 1, 1)
    changes = generator.draw(layout, torch.arange(7), detail) - faces
    assert (changes.abs().mean((1, 2, 3)) > 0.1 * scale).all(), "a detail map changes the face"
    assert (changes[1:] - changes[0]).abs().mean() > 0.1 * changes.abs().mean(), "each label draws the detail its own way"


def test_spectral_norm_keeps_the_largest_singular_value_near_one():
    torch.manual_seed(0)
    _, discriminator = build_dcgan(48, 1, spectral_norm=True)
    images = torch.randn(4, 1, 48, 48)
    for _ in range(30):  # power iterations run in training forward passes
        discriminator(images)
    for module in discriminator.modules():
        if isinstance(module, torch.nn.Conv2d):
            weight = module.weight.detach().flatten(1)
            assert torch.linalg.matrix_norm(weight, ord=2) == pytest.approx(1.0, abs=0.02)
            original = module.parametrizations.weight.original.detach().flatten(1)
            assert torch.linalg.matrix_norm(original, ord=2) != pytest.approx(1.0, abs=0.1)


def test_weight_average_lags_the_live_weights():
    live = torch.nn.Linear(2, 2, bias=False)
    average = WeightAverage(live, decay=0.999)
    before = live.weight.detach().clone()
    with torch.no_grad():
        live.weight.add_(1.0)
    average.update(live)
    # The first update uses decay min(0.999, 2/11): the average moves 9/11 of the way.
    assert torch.allclose(average.model.weight, before + 9 / 11)
    for _ in range(200):
        average.update(live)
    assert torch.allclose(average.model.weight, live.weight, atol=1e-4)
    assert not average.model.weight.requires_grad


def test_translation_moves_content_and_cutout_blanks_a_half_square():
    torch.manual_seed(0)
    images = torch.zeros(64, 1, 48, 48)
    images[:, :, 24, 24] = 1.0
    moved = translate(images, ratio=0.125)
    rows, cols = (moved[:, 0] == 1).nonzero()[:, 1:].T
    assert moved.shape == images.shape and (moved == 1).flatten(1).sum(1).eq(1).all()
    assert (rows - 24).abs().max() <= 6 and (cols - 24).abs().max() <= 6 and len(set(rows.tolist())) > 5
    blanked = cutout(torch.ones(64, 1, 48, 48), ratio=0.5)
    zeros = (blanked == 0).flatten(1).sum(1)
    assert zeros.max() == 24 * 24 and zeros.min() > 0


def test_diff_augment_is_differentiable_and_random_per_image():
    torch.manual_seed(0)
    images = torch.rand(8, 3, 64, 64, requires_grad=True)
    out = diff_augment(images)
    out.sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert not torch.allclose(out[0], out[1])


def test_the_translators_augmentation_leaves_the_face_whole():
    torch.manual_seed(0)
    images = torch.full((64, 1, 48, 48), 0.9)
    centre = (slice(None), slice(None), slice(6, 42), slice(6, 42))  # beyond the reach of a 6 px shift's empty border
    assert (diff_augment(images)[centre] == 0).flatten(1).any(1).any()  # cutout blanks part of it
    assert not (diff_augment(images, with_cutout=False)[centre] == 0).any()


def test_hinge_and_bce_losses():
    logits = torch.tensor([2.0, 0.5, -3.0])
    assert d_loss(logits, True, "hinge") == pytest.approx((0 + 0.5 + 4) / 3)
    assert d_loss(logits, False, "hinge") == pytest.approx((3 + 1.5 + 0) / 3)
    assert g_loss(logits, "hinge") == pytest.approx(0.5 / 3)
    assert d_loss(torch.zeros(2), True, "bce") == pytest.approx(0.6931, abs=1e-4)


def test_defaults_by_run_kind(fer_folder):
    conditional = Config(data=str(fer_folder), conditional=True).resolved()
    assert (conditional.loss, conditional.spectral_norm, conditional.augment, conditional.ema) == ("hinge", True, True, 0.0)
    assert (conditional.class_loss, conditional.mode_seeking, conditional.uniform_fakes, conditional.balanced_class_loss) == (5.0, 1.0, True, True)
    assert conditional.lr_d == 2 * conditional.lr
    report = Config(**{**facegan.PRESETS["report-fer"], "conditional": True}, data=str(fer_folder)).resolved()
    assert (report.loss, report.spectral_norm, report.augment, report.ema, report.lr_d) == ("bce", False, False, 0.0, 2e-4)
    assert (report.class_loss, report.mode_seeking, report.uniform_fakes) == (0.0, 0.0, False)
    saved_before_balancing = conditional.to_dict()
    del saved_before_balancing["balanced_class_loss"], saved_before_balancing["uniform_fakes"], saved_before_balancing["mode_seeking"]
    resumed = Config.from_dict(saved_before_balancing).resolved()  # an older run resumes as it was trained
    assert (resumed.balanced_class_loss, resumed.uniform_fakes, resumed.mode_seeking, resumed.class_loss) == (False, False, 0.0, 5.0)
    with pytest.raises(FaceganError, match="add --conditional"):
        Config(data=str(fer_folder), uniform_fakes=True).resolved()
    with pytest.raises(FaceganError, match="drop --expression"):
        Config(data=str(fer_folder), conditional=True, expression="happy").resolved()
    with pytest.raises(FaceganError, match="--attribute"):
        Config(dataset="celeba", data=str(fer_folder), conditional=True).resolved()
    with pytest.raises(FaceganError, match="--ema"):
        Config(data=str(fer_folder), conditional=True, ema=1.5).resolved()
    with pytest.raises(FaceganError, match="--mode-seeking -1.0 is a weight"):
        Config(data=str(fer_folder), conditional=True, mode_seeking=-1.0).resolved()


def test_conditional_resume_equals_uninterrupted_training(fer_folder, tmp_path):
    straight = facegan.train(conditional_config(fer_folder, tmp_path / "straight", epochs=2, max_steps=10, ema=0.999))
    halves = facegan.train(conditional_config(fer_folder, tmp_path / "halves", epochs=2, max_steps=5, ema=0.999))
    facegan.resume(halves, max_steps=10)
    a, b = load_checkpoint(straight), load_checkpoint(halves)
    for key in ("generator", "generator_ema", "discriminator"):
        for name, tensor in a[key].items():
            assert torch.equal(tensor, b[key][name]), f"{key}.{name}"
    assert not torch.equal(a["generator"]["main.layout.weight"], a["generator_ema"]["main.layout.weight"])


def test_short_conditional_run_writes_transfer_grid_and_walks(fer_folder, tmp_path, capsys):
    run = facegan.train(conditional_config(fer_folder, tmp_path / "run", max_steps=3))
    with Image.open(run / "final_samples.png") as grid:
        assert grid.width == 7 * 50 + 2  # one column per expression
    assert main(["transfer", "--checkpoint", str(run / "checkpoint.pt"), "--n", "3", "--out", str(tmp_path / "t.png")]) == 0
    with Image.open(tmp_path / "t.png") as picture:
        assert picture.size == (2 * (7 * 50 + 2), 2 * (3 * 50 + 2) + 14)
    assert main(["interpolate", "--checkpoint", str(run), "--out", str(tmp_path / "walks"), "--walks", "2", "--steps", "5"]) == 0
    assert sorted(p.name for p in (tmp_path / "walks").iterdir()) == ["classes.gif", "classes.png", "faces.gif", "faces.png"]
    with Image.open(tmp_path / "walks" / "classes.gif") as gif:
        assert gif.n_frames == 8  # 5 steps forward, 3 back
    assert main(["sample", "--checkpoint", str(run), "--n", "2", "--out", str(tmp_path / "s")]) == 0
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(facegan.EXPRESSIONS)
    _, generator = load_generator(run)
    assert generator.num_classes == 7


def test_transfer_refuses_an_unconditional_model(fer_folder, tmp_path, capsys):
    run = facegan.train(tiny_config(fer_folder, tmp_path / "run", max_steps=1))
    assert main(["transfer", "--checkpoint", str(run), "--out", str(tmp_path / "t.png")]) == 2
    assert "not conditional" in capsys.readouterr().err
    assert main(["interpolate", "--checkpoint", str(run), "--out", str(tmp_path / "w"), "--to", "happy"]) == 2


def test_celeba_attribute_conditioning(tmp_path, capsys):
    make_celeba(tmp_path / "celeba", count=6, listed=6)
    settings = dict(dataset="celeba", data=str(tmp_path / "celeba"), conditional=True, batch_size=2, max_steps=2,
                    device="cpu", quiet=True)
    run = facegan.train(Config(**settings, attribute="Smiling", run_dir=str(tmp_path / "run")))
    config, generator = load_generator(run)
    assert config.class_names == ("not_Smiling", "Smiling") and generator.num_classes == 2
    with pytest.raises(FaceganError, match="unknown CelebA attribute 'Smirking'"):
        facegan.train(Config(**settings, attribute="Smirking", run_dir=str(tmp_path / "bad")))


def fewer_arithmetic_samples(monkeypatch) -> None:
    """The arithmetic commands' wiring, not their estimate: 100 faces instead of 2,500 classified."""
    from facegan import latent

    monkeypatch.setattr(latent, "DIRECTION_SAMPLES", 60)
    monkeypatch.setattr(latent, "EFFECT_SAMPLES", 40)


def test_vector_arithmetic_grid_and_measured_effect(fer_folder, tmp_path, capsys, monkeypatch):
    fewer_arithmetic_samples(monkeypatch)
    run = facegan.train(tiny_config(fer_folder, tmp_path / "run", max_steps=2))
    assert main(["arithmetic", "--checkpoint", str(run), "--to", "happy", "--n", "2", "--out", str(tmp_path / "a.png")]) == 0
    assert "happy seen in" in capsys.readouterr().out
    with Image.open(tmp_path / "a.png") as picture:
        assert picture.size == (2 * (5 * 50 + 2), 2 * (2 * 50 + 2) + 14)  # original + 4 steps along the direction
    assert main(["arithmetic", "--checkpoint", str(run), "--to", "joy", "--out", str(tmp_path / "b.png")]) == 2
    assert "'joy' is not an expression" in capsys.readouterr().err


def test_latent_direction_finds_the_direction_the_score_reads():
    from facegan.latent import latent_direction

    class Identity(torch.nn.Module):  # "images" are z itself, so a score of z[0] must give a direction along axis 0
        nz, num_classes = 4, 0

        def __init__(self):
            super().__init__()
            self.anchor = torch.nn.Parameter(torch.zeros(1))

        def forward(self, z):
            return z.view(len(z), 1, 2, 2).clamp(-1, 1)

    direction = latent_direction(Identity(), lambda images: images.flatten(1)[:, 0].float())
    assert direction[0] > 1.0 and direction[1:].abs().max() < 0.3


def test_colour_arithmetic_reads_a_celeba_attribute(tmp_path, capsys, monkeypatch):
    fewer_arithmetic_samples(monkeypatch)
    from conftest import write_image

    for i in range(4):
        write_image(tmp_path / "faces" / f"{i}.png", (70, 90), "RGB", i)
    run = facegan.train(Config(dataset="folder", data=str(tmp_path / "faces"), batch_size=2, max_steps=1, device="cpu",
                               run_dir=str(tmp_path / "run"), quiet=True))
    assert main(["arithmetic", "--checkpoint", str(run), "--to", "Smiling", "--n", "1", "--out", str(tmp_path / "a.png")]) == 0
    assert "Smiling seen in" in capsys.readouterr().out
    assert main(["arithmetic", "--checkpoint", str(run), "--to", "happy", "--out", str(tmp_path / "b.png")]) == 2
    assert "colour models move towards a CelebA attribute" in capsys.readouterr().err
