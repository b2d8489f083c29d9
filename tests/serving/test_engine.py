"""The ONNX Runtime session options serving ships, and that they hold with more than one thread."""

from __future__ import annotations

import numpy as np

from image_classifier.engine import OnnxEngine, session_options
from image_classifier.model_card import ModelCard
from tests.support.factories import ROOT


def test_idle_intra_op_threads_do_not_spin_and_no_memory_pattern_is_kept():
    for threads in (1, 2):
        options = session_options(threads)
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert options.intra_op_num_threads == threads
        assert options.enable_cpu_mem_arena and not options.enable_mem_pattern


def test_batches_of_different_sizes_answer_alike_without_a_memory_pattern():
    card = ModelCard.load(ROOT / "model")
    engine = OnnxEngine(card)
    batch = np.random.default_rng(1).uniform(0, 255, (16, *card.spec.shape)).astype(np.float32)
    whole = engine.predict(batch)
    one_by_one = np.concatenate([engine.predict(batch[i : i + 1]) for i in range(16)])
    np.testing.assert_allclose(whole, one_by_one, rtol=0, atol=1e-6)


def test_two_threads_without_spinning_answer_as_one_thread_does():
    card = ModelCard.load(ROOT / "model")
    batch = np.random.default_rng(0).uniform(0, 255, (16, *card.spec.shape)).astype(np.float32)
    one, two = OnnxEngine(card, threads=1), OnnxEngine(card, threads=2)
    np.testing.assert_allclose(two.predict(batch), one.predict(batch), rtol=0, atol=1e-6)
