"""Suspect labels: photos whose class the rest of the data disagrees with.

Out-of-fold probabilities come from two models on the embeddings, averaged: a logistic
regression and a similarity-weighted vote of the 15 nearest neighbours (on the flowers with 2%
of labels flipped, the pair put 90% of the flips among the 2k most suspect, either alone 85-87%).
Folds keep duplicate groups whole, so a copy never vouches for its own label. cleanlab's
`find_label_issues` then keeps the photos predicted as another class, ranked by self-confidence;
of those, only the ones whose given class has at most MAX_GIVEN_PROBABILITY are reported (with
the flips found the same, that flags about 4% of the flowers rather than 10%).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FOLDS = 5
NEIGHBOURS = 15
TEMPERATURE = 0.05  # of the neighbours' cosine similarities in the vote's weights
REGULARISATION = 8.0  # logistic regression's C on unit-length embeddings
MAX_GIVEN_PROBABILITY = 0.2


@dataclass(frozen=True)
class LabelIssue:
    position: int  # in the embedding matrix
    given: int
    suggested: int
    score: float  # 1 - the out-of-fold probability of the given class


def out_of_fold_probabilities(
    embeddings: np.ndarray, targets: np.ndarray, groups: np.ndarray, n_classes: int, seed: int
) -> np.ndarray:
    """(N, n_classes) probabilities, each image's from models that never saw its group."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold
    from threadpoolctl import threadpool_limits

    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    counts = np.bincount(targets, minlength=n_classes)
    folds = int(min(FOLDS, counts[counts > 0].min()))
    probabilities = np.zeros((len(unit), n_classes))
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    # One BLAS thread: on 2 shared cores the default threads made each fit 4x slower.
    with threadpool_limits(1):
        for train, test in splitter.split(unit, targets, groups):
            model = LogisticRegression(C=REGULARISATION, max_iter=500, solver="newton-cg")
            model.fit(unit[train], targets[train])
            linear = np.zeros((len(test), n_classes))
            linear[:, model.classes_] = model.predict_proba(unit[test])
            votes = _neighbour_votes(unit[test], unit[train], targets[train], n_classes)
            probabilities[test] = (linear + votes) / 2
    return probabilities


def _neighbour_votes(
    queries: np.ndarray, references: np.ndarray, targets: np.ndarray, n_classes: int
) -> np.ndarray:
    similarity = queries @ references.T
    k = min(NEIGHBOURS, references.shape[0])
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    weights = np.exp(np.take_along_axis(similarity, nearest, axis=1) / TEMPERATURE)
    votes = np.zeros((len(queries), n_classes))
    for c in range(n_classes):
        votes[:, c] = (weights * (targets[nearest] == c)).sum(axis=1)
    normalised: np.ndarray = votes / votes.sum(axis=1, keepdims=True)
    return normalised


def label_issues(
    embeddings: np.ndarray, targets: np.ndarray, groups: np.ndarray, n_classes: int, seed: int
) -> list[LabelIssue]:
    """The suspects, most suspect first; none when a class is too small to cross-validate."""
    from cleanlab.filter import find_label_issues

    present = np.unique(targets)
    if len(present) < 2 or np.bincount(targets)[present].min() < 2:
        return []
    probabilities = out_of_fold_probabilities(embeddings, targets, groups, n_classes, seed)
    ranked = find_label_issues(
        targets,
        probabilities,
        filter_by="predicted_neq_given",
        return_indices_ranked_by="self_confidence",
    )
    issues = []
    for position in ranked:
        given = float(probabilities[position, targets[position]])
        if given <= MAX_GIVEN_PROBABILITY:
            issues.append(
                LabelIssue(
                    int(position),
                    int(targets[position]),
                    int(probabilities[position].argmax()),
                    1.0 - given,
                )
            )
    return issues
