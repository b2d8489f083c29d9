"""Result objects drawn from a model card, to rehearse the drift report and its alarm.

    python -m classifier_ops.synthetic_results --card model/metadata.json --out /tmp/drift

writes /tmp/drift/card.json (the card, with a `monitoring` block drawn here when it has none,
marked `synthetic`), /tmp/drift/matching/ (results drawn from the card's own distributions)
and /tmp/drift/shifted/ (one label over-represented, lower scores, larger JPEG inputs).
They are shaped like the S3 trigger's result objects, so the report cannot tell them apart.
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from classifier_ops.drift import Reference
from image_classifier.model_card import Prediction
from image_classifier.result_document import (
    ImageFacts,
    ModelRef,
    ResultDocument,
    ResultError,
    SourceObject,
)

CLASSIFIED_AT = "2026-11-29T00:00:00.000+00:00"


def with_monitoring(card: dict[str, Any], seed: int = 0, test_images: int = 270) -> dict[str, Any]:
    """The card, plus test-set class counts and top scores when it lacks them (marked synthetic).

    Counts come from the card's own per-class support when it has it; top scores are drawn
    from Beta(40, 1), a confident classifier's shape (median about 0.98).
    """
    card = copy.deepcopy(card)
    monitoring = card.setdefault("monitoring", {})
    rng = np.random.default_rng(seed)
    reference = Reference.from_card(card)
    if "test_class_counts" not in monitoring:
        counts = reference.class_counts or {
            label: test_images // len(reference.labels) for label in reference.labels
        }
        monitoring["test_class_counts"] = counts
        monitoring["synthetic"] = True
    if "test_top_scores" not in monitoring:
        scores = rng.beta(40, 1, sum(monitoring["test_class_counts"].values()))
        monitoring["test_top_scores"] = [round(float(s), 6) for s in scores]
        monitoring["synthetic"] = True
    return card


def matching(card: dict[str, Any], count: int, seed: int = 1) -> list[ResultDocument]:
    """Labels in the card's test-set proportions, top scores resampled from its test set."""
    rng = np.random.default_rng(seed)
    reference = Reference.from_card(card)
    labels, shares = _shares(reference)
    drawn = rng.choice(labels, size=count, p=shares)
    scores = rng.choice(np.asarray(reference.top_scores), size=count)
    return [
        _result(card, str(label), float(score), "PNG", (8, 8), i)
        for i, (label, score) in enumerate(zip(drawn, scores, strict=True))
    ]


def shifted(
    card: dict[str, Any], count: int, seed: int = 2, share: float = 0.4
) -> list[ResultDocument]:
    """`share` of the results go to the first label; scores from Beta(4, 2) (mean 0.67);
    photo-size JPEG, PNG and WebP inputs instead of the card's small PNGs."""
    rng = np.random.default_rng(seed)
    labels, shares = _shares(Reference.from_card(card))
    shares = shares * (1 - share)
    shares[0] += share
    drawn = rng.choice(labels, size=count, p=shares)
    scores = rng.beta(4, 2, size=count)
    formats = rng.choice(["JPEG", "PNG", "WEBP"], size=count, p=[0.7, 0.2, 0.1])
    widths = rng.integers(320, 1600, size=count)
    aspects = rng.choice([4 / 3, 3 / 4, 1.0, 16 / 9], size=count)
    return [
        _result(card, str(label), float(score), str(fmt), (int(w), int(w / a)), i)
        for i, (label, score, fmt, w, a) in enumerate(
            zip(drawn, scores, formats, widths, aspects, strict=True)
        )
    ]


def errors(count: int, code: str = "invalid_image") -> list[ResultDocument]:
    """Error results, which name no model version."""
    error = ResultError(code, "The file is not a decodable image.")
    return [
        ResultDocument(
            SourceObject("uploads", f"uploads/bad-{i}.png", size=12), CLASSIFIED_AT, error=error
        )
        for i in range(count)
    ]


def as_version(documents: list[ResultDocument], version: str) -> list[ResultDocument]:
    """The same results, as if made by another version of the model."""
    return [
        replace(d, model=replace(d.model, version=version)) if d.model else d for d in documents
    ]


def _shares(reference: Reference) -> tuple[np.ndarray, np.ndarray]:
    counts = reference.class_counts or {label: 1 for label in reference.labels}
    labels = np.array(reference.labels or sorted(counts))
    shares = np.array([counts.get(str(label), 0) for label in labels], dtype=float)
    return labels, shares / shares.sum()


def _result(
    card: dict[str, Any], label: str, score: float, fmt: str, size: tuple[int, int], index: int
) -> ResultDocument:
    reference = Reference.from_card(card)
    others = [name for name in reference.labels if name != label][:2]
    rest = (1 - score) / max(len(others), 1)
    extension = {"PNG": "png", "JPEG": "jpg"}.get(fmt, fmt.lower())
    source = SourceObject(
        bucket="uploads",
        key=f"uploads/{index:05d}.{extension}",
        etag=f"{index:032x}",
        size=size[0] * size[1] // (1 if fmt == "PNG" else 8),
    )
    return ResultDocument(
        source=source,
        classified_at=CLASSIFIED_AT,
        predictions=(
            Prediction(label, round(score, 6)),
            *(Prediction(other, round(rest, 6)) for other in others),
        ),
        image=ImageFacts(fmt, size[0], size[1]),
        model=ModelRef(reference.name, reference.version),
    )


def write_folder(documents: list[ResultDocument], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for document in documents:
        (folder / (document.source.key.replace("/", "_") + ".json")).write_bytes(
            document.to_bytes()
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--card", type=Path, default=Path("model/metadata.json"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=400, help="results per set")
    args = parser.parse_args(argv)
    card = with_monitoring(json.loads(args.card.read_text()))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "card.json").write_text(json.dumps(card, indent=1))
    write_folder(matching(card, args.count), args.out / "matching")
    write_folder(shifted(card, args.count), args.out / "shifted")
    print(f"wrote {args.out}/card.json, matching/ and shifted/ ({args.count} results each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
