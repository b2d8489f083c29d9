"""Suspect labels from out-of-fold probabilities: flipped labels come first, with the class
the rest of the data suggests, and a copy never vouches for its own label."""

from __future__ import annotations

import numpy as np
import pytest

from classifier_training.audit.labels import label_issues


def clusters(per_class=40, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (classes, 64))
    targets = np.repeat(np.arange(classes), per_class)
    embeddings = centres[targets] + rng.normal(0, 0.6, (len(targets), 64))
    return np.abs(embeddings), targets


@pytest.mark.slow  # cleanlab and scikit-learn load on first use
def test_flipped_labels_are_the_most_suspect_with_their_true_class_suggested():
    embeddings, truth = clusters()
    given = truth.copy()
    flipped = [3, 50, 90, 101]
    for i in flipped:
        given[i] = (truth[i] + 1) % 3
    issues = label_issues(embeddings, given, np.arange(len(given)), 3, seed=0)
    top = issues[: 2 * len(flipped)]
    assert set(flipped) <= {i.position for i in top}
    for issue in issues:
        if issue.position in flipped:
            assert issue.suggested == truth[issue.position] and issue.given == given[issue.position]
    assert [i.score for i in issues] == sorted((i.score for i in issues), reverse=True)
    assert all(0 <= i.score <= 1 for i in issues)


def test_clean_labels_give_few_or_no_issues():
    embeddings, truth = clusters(seed=1)
    assert len(label_issues(embeddings, truth, np.arange(len(truth)), 3, seed=0)) <= 2


def test_a_class_too_small_to_cross_validate_gives_no_issues():
    embeddings, truth = clusters(per_class=1)
    assert label_issues(embeddings, truth, np.arange(len(truth)), 3, seed=0) == []
