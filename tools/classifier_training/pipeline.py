"""The training pipeline as short named steps: prepare, load, audit, split, baseline, train,
evaluate, export, verify, write. Each prints one numbered line; only the last touches the output."""

from __future__ import annotations

import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifier_training.artifacts import check_writable, write_atomically
from classifier_training.cache import ImageCache, open_or_build
from classifier_training.data import (
    Source,
    Splits,
    check_classes,
    digits_source,
    folder_source,
    split_indices,
)
from classifier_training.errors import TrainingInputError
from classifier_training.plan import Plan
from classifier_training.weights import WeightsSource
from image_classifier.model_folder import CardHeader, card_document, write_model_folder
from image_classifier.preprocessing import InputSpec

STEPS = (
    "prepare",
    "load",
    "audit",
    "split",
    "baseline",
    "train",
    "evaluate",
    "export",
    "verify",
    "write",
)
KERAS_FILE = "model.keras"  # beside the served files: the Keras model the ONNX graph came from
IMBALANCE_RATIO = 1.5  # largest over smallest class count beyond which classes are weighted
INFERENCE_PIXELS = 16 * 224 * 224


def inference_rows(spec: InputSpec) -> int:
    """Images per inference batch: 64 small ones, fewer large ones, so that TensorFlow's
    activations stay within a few hundred MB (EfficientNet-Lite0 at 224: 16)."""
    return max(1, min(64, INFERENCE_PIXELS // (spec.height * spec.width)))


def step(name: str, message: str) -> None:
    print(f"[{STEPS.index(name) + 1}/{len(STEPS)}] {name}: {message}", flush=True)


def note(message: str) -> None:
    print(f"note: {message}", flush=True)


def prepare(plan: Plan) -> WeightsSource:
    """Check the output and fetch ImageNet weights, before any image is decoded."""
    check_writable(plan.output)
    step("prepare", f"backbone {plan.backbone.name}, input {plan.spec.shape}")
    for message in plan.notes:
        note(message)
    if plan.weights is not None:
        return plan.weights
    from classifier_training.weights import fetch_imagenet

    return fetch_imagenet(plan.backbone, plan.spec.height)


def load(plan: Plan) -> tuple[Source, ImageCache]:
    """List the images, then decode each once into the cache (or reuse it)."""
    extra = "".join(f" and {d}" for d in plan.extra_data_dirs)
    step("load", f"reading {plan.data_dir or 'scikit-learn digits'}{extra}")
    source = (
        folder_source(plan.data_dir, plan.extra_data_dirs) if plan.data_dir else digits_source()
    )
    cache = open_or_build(source, plan.spec, plan.cache_dir)
    for row, error in sorted(cache.errors.items()):
        print(f"warning: skipping {source.items[row]}: {error}", file=sys.stderr)
    state = "reused" if cache.reused else "built"
    print(
        f"    {int(cache.ok.sum())} images, {len(source.labels)} classes, "
        f"{source.skipped + len(cache.errors)} skipped; cache {cache.key} {state}"
    )
    if not cache.ok.any():
        from classifier_training.errors import TrainingInputError

        raise TrainingInputError(
            f"no readable images in {plan.data_dir} ({source.skipped + len(cache.errors)} "
            "files skipped)"
        )
    if plan.spec.channels == 3 and cache.grey[cache.ok].all():
        note(
            f"every image is greyscale; it is converted to RGB (three equal channels) "
            f"for backbone {plan.backbone.name}"
        )
    return source, cache


def audit(plan: Plan, weights: WeightsSource, source: Source, cache: ImageCache) -> tuple[Any, Any]:
    """The data audit on the decoded images. With a Lite backbone it embeds each image through
    training's own embedder and feature store, so training reuses those activations."""
    from classifier_training.audit.run import audit as run_audit

    embedder, embed = None, None
    if plan.converted is not None:
        from classifier_training.embeddings import LiteEmbedder

        assert weights.sha256 is not None
        lite = LiteEmbedder(plan.backbone, plan.converted, weights.sha256, plan.spec)

        def embed_rows(rows: np.ndarray) -> np.ndarray:
            return lite.embed(cache, rows)

        embedder, embed = lite, embed_rows
        step("audit", "unreadable files, exact and near duplicates, suspect labels")
    else:
        step("audit", "unreadable files and exact duplicates (no embeddings for this backbone)")
    result = run_audit(source, cache, plan.data_dir, embed, plan.seed)
    counts = ", ".join(f"{n} {kind}" for kind, n in result.document.counts().items() if n)
    print(f"    {counts or 'no findings'} in {result.seconds:.1f} s")
    return result, embedder


def split(plan: Plan, source: Source, cache: ImageCache, audited: Any) -> Splits:
    """Exact copies collapsed, suspect labels dropped if asked, duplicate groups kept whole."""
    step("split", f"stratified train/validation/test split, seed {plan.seed}")
    dropped = set(audited.collapsed)
    if plan.drop_label_issues:
        dropped |= {s.row for s in audited.suspects}
    rows = np.array([r for r in cache.rows if int(r) not in dropped], dtype=np.int64)
    if plan.limit and plan.limit < len(rows):
        rows = np.sort(np.random.default_rng(plan.seed).choice(rows, plan.limit, replace=False))
    check_classes(source.labels, cache.targets[rows])
    groups = audited.split_groups(rows)
    try:
        splits = split_indices(rows, cache.targets[rows], plan.seed, groups=groups)
    except TrainingInputError:
        if groups is None:
            raise
        note("the groups of copies are too large to split by: a plain stratified split instead")
        groups = None
        splits = split_indices(rows, cache.targets[rows], plan.seed)
    kept = 0 if groups is None else len(groups) - len(np.unique(groups))
    print(
        f"    {splits.sizes()}; {len(audited.collapsed)} exact copies collapsed, "
        f"{len(audited.suspects) if plan.drop_label_issues else 0} suspect labels dropped, "
        f"{kept} copies kept in their original's split"
    )
    return splits


def baseline(plan: Plan, cache: ImageCache, splits: Splits) -> dict[str, float]:
    from classifier_training.baselines import baseline_accuracies

    step("baseline", "majority class and logistic regression")
    baselines = baseline_accuracies(cache, splits, plan.seed)
    print(f"    {baselines}")
    return baselines


def class_weights(targets: np.ndarray, n_classes: int) -> dict[int, float] | None:
    """Balanced weights when the training classes are imbalanced, else None."""
    counts = np.bincount(targets, minlength=n_classes)
    present = counts[counts > 0]
    if present.max() <= IMBALANCE_RATIO * present.min():
        return None
    return {i: len(targets) / (len(present) * c) for i, c in enumerate(counts) if c > 0}


def train(
    plan: Plan,
    weights: WeightsSource,
    source: Source,
    cache: ImageCache,
    splits: Splits,
    embedder: Any = None,
) -> tuple[Any, Any]:
    """Build the model for the backbone, then run the training phases."""
    from classifier_training.models import set_seed

    schedule = plan.schedule
    schedule.class_weight = class_weights(cache.targets[splits.train], len(source.labels))
    step(
        "train",
        f"{plan.backbone.name}, up to {schedule.epochs} epochs, early stopping on validation loss",
    )
    if schedule.class_weight:
        note("classes are imbalanced: training with balanced class weights")
    set_seed(plan.seed)
    if plan.converted is not None:
        built, training = _train_transfer(plan, weights, source, cache, splits, embedder)
    else:
        built, training = _train_keras(plan, weights, source, cache, splits)
    training.class_weight = schedule.class_weight
    return built, training


def _train_keras(
    plan: Plan, weights: WeightsSource, source: Source, cache: ImageCache, splits: Splits
) -> tuple[Any, Any]:
    """The from-scratch and keras.applications backbones: phases over augmented image batches."""
    from classifier_training import streams
    from classifier_training.errors import TrainingInputError
    from classifier_training.fit import train as fit
    from classifier_training.models import build_model, calibration_batch_size

    schedule = plan.schedule
    built = build_model(plan.backbone, plan.spec, len(source.labels), weights, plan.filters)
    if built.base is not None and schedule.fine_tune > len(built.base.layers):
        raise TrainingInputError(
            f"--fine-tune {schedule.fine_tune} is more than the {len(built.base.layers)} layers "
            f"of backbone {plan.backbone.name}"
        )
    augmentation = plan.augmentation.build(plan.seed)
    classes = len(source.labels)
    train_data = streams.labelled(
        cache, splits.train, classes, plan.batch_size, plan.seed, augmentation
    )
    validation = streams.labelled(cache, splits.validation, classes, plan.batch_size)
    steps = -(-len(splits.train) // plan.batch_size)
    calibration = streams.images(
        cache,
        np.random.default_rng(plan.seed).permutation(splits.train),
        calibration_batch_size(plan.spec, plan.batch_size),
    )
    training = fit(built, train_data, validation, schedule, steps, calibration)
    training.augmentation = plan.augmentation.to_dict()
    return built, training


def _train_transfer(
    plan: Plan,
    weights: WeightsSource,
    source: Source,
    cache: ImageCache,
    splits: Splits,
    embedder: Any = None,
) -> tuple[Any, Any]:
    from classifier_training import transfer
    from classifier_training.embeddings import LiteEmbedder

    assert plan.converted is not None and weights.sha256 is not None
    if embedder is None:
        embedder = LiteEmbedder(plan.backbone, plan.converted, weights.sha256, plan.spec)
    built, training, store = transfer.train(
        embedder,
        len(source.labels),
        cache,
        splits,
        plan.schedule,
        plan.batch_size,
        plan.seed,
    )
    print(f"    activations: {store.computed} images computed, {store.reused} reused")
    gc.collect()  # the phases' datasets hold the cached activations in reference cycles
    return built, training


def evaluate(plan: Plan, source: Source, cache: ImageCache, splits: Splits, model: Any) -> Any:
    from classifier_training.evaluate import Evaluation

    step("evaluate", "held-out test set")
    # Batch by batch: Keras' predict over a tf.data stream held every input batch (measured:
    # +900 MB for 3,000 test photos at 160x160), which made memory grow with the dataset.
    probabilities = np.concatenate(
        [
            model.predict_on_batch(pixels.astype(np.float32))
            for pixels in cache.chunks(splits.test, inference_rows(plan.spec))
        ]
    )
    evaluation = Evaluation(source.labels, cache.targets[splits.test], probabilities, splits.test)
    print(f"    accuracy {evaluation.accuracy:.4f}, macro-F1 {evaluation.macro_f1:.4f}")
    return evaluation


def export(model: Any) -> bytes:
    from classifier_training.export import OPSET, to_onnx

    step("export", f"tf2onnx, opset {OPSET}")
    onnx_model = to_onnx(model)
    print(f"    {len(onnx_model)} bytes")
    return onnx_model


def verify(model: Any, onnx_model: bytes, cache: ImageCache, splits: Splits) -> Any:
    from classifier_training.export import check_parity

    step("verify", "ONNX Runtime against Keras on the whole test set")
    parity = check_parity(model, onnx_model, cache.chunks(splits.test, inference_rows(cache.spec)))
    print(
        f"    max abs diff {parity.max_abs_diff:.2e}, top-1 agreement {parity.top1_agreement:.2%}"
    )
    if parity.refereed:
        print(
            f"    {parity.refereed} image(s) over the bound against Keras float32: ONNX Runtime is "
            f"{parity.refereed_max_abs_diff:.2e} from a float64 run of the model, Keras "
            f"{parity.keras_refereed_max_abs_diff:.2e}"
        )
    return parity


def write(
    plan: Plan,
    model: Any,
    onnx_model: bytes,
    header: CardHeader,
    sections: dict[str, Any],
    training: Any,
    evaluation: Any,
    cache: ImageCache,
    audited: Any,
    splits: Splits,
) -> None:
    from classifier_training import report

    step("write", f"{plan.output} (atomically)")
    card = card_document(header, sections, onnx_model)
    errors = evaluation.worst_errors()
    error_images = cache.read(np.array([e["row"] for e in errors], dtype=np.int64))
    suspects = [
        {"given": s.given, "suggested": s.suggested, "score": s.score}
        for s in audited.suspects[: report.LABEL_ISSUES_SHOWN]
    ]
    suspect_rows = [s.row for s in audited.suspects[: report.LABEL_ISSUES_SHOWN]]
    suspect_images = cache.read(np.array(suspect_rows, dtype=np.int64))

    def build(directory: Path) -> None:
        write_model_folder(directory, onnx_model, header, sections)
        model.save(directory / KERAS_FILE)
        report.write_report(
            directory / "report",
            [(p.name, p.history) for p in training.phases],
            evaluation.confusion(),
            card,
            errors,
            error_images,
            suspects,
            suspect_images,
        )
        audited.document.write(directory / "report")
        if plan.int8:
            _add_int8(plan, directory, cache, splits)

    write_atomically(plan.output, build)


def _add_int8(plan: Plan, directory: Path, cache: ImageCache, splits: Splits) -> None:
    """Static int8 beside the float graph, kept only where it holds (classifier_training.quantize):
    calibrated on training images, judged on the test split."""
    from classifier_training.quantize import add_int8, calibration_rows

    calibration = cache.read(splits.train[calibration_rows(len(splits.train), plan.seed)])
    test = cache.read(splits.test)
    entry = add_int8(directory, calibration, test, cache.targets[splits.test])
    print(
        f"    int8 {'kept' if entry['kept'] else 'refused'}: top-1 agreement "
        f"{entry['top1_agreement']:.2%}, {entry['accuracy_loss_points']:+.1f} points lost"
    )


@dataclass
class TrainingOutcome:
    card: dict[str, Any]
    seconds: float


def run(plan: Plan) -> TrainingOutcome:
    """Every step in order; a refusal or failed parity leaves the output untouched."""
    from classifier_training.card import RunSettings, build_card

    started = time.perf_counter()
    weights = prepare(plan)
    source, cache = load(plan)
    audited, embedder = audit(plan, weights, source, cache)
    splits = split(plan, source, cache, audited)
    baselines = baseline(plan, cache, splits)
    built, training = train(plan, weights, source, cache, splits, embedder)
    evaluation = evaluate(plan, source, cache, splits, built.model)
    onnx_model = export(built.model)
    parity = verify(built.model, onnx_model, cache, splits)
    settings = RunSettings(
        name=plan.name or f"{source.name}-{plan.backbone.name}",
        version=plan.version,
        backbone=plan.backbone,
        weights=weights,
        batch_size=plan.batch_size,
        filters=plan.filters,
        seed=plan.seed,
        limit=plan.limit,
        drop_label_issues=plan.drop_label_issues,
    )
    header, sections = build_card(
        settings, source, cache, splits, baselines, training, evaluation, parity, audited
    )
    write(
        plan,
        built.model,
        onnx_model,
        header,
        sections,
        training,
        evaluation,
        cache,
        audited,
        splits,
    )
    card = card_document(header, sections, onnx_model)
    seconds = time.perf_counter() - started
    print(
        f"done in {seconds:.1f} s: test accuracy {evaluation.accuracy:.4f}, "
        f"baseline {card['metrics']['baseline_accuracy']:.4f}, parity {parity.max_abs_diff:.1e}"
    )
    return TrainingOutcome(card, seconds)
