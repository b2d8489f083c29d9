"""Which graph serving loads: int8 only where the card kept it and the CPU runs int8 fast."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from image_classifier.engine import OnnxEngine
from image_classifier.errors import ModelLoadError
from image_classifier.graph_choice import choose_graph, cpu_flags
from image_classifier.model_card import INT8_FILE, MODEL_FILE, ModelCard
from image_classifier.model_folder import rewrite_card
from tests.support.factories import ROOT

AVX2 = frozenset({"sse4_2", "avx2", "fma"})
VNNI = AVX2 | {"avx512f", "avx512_vnni"}


@pytest.fixture
def float_dir(tmp_path):
    directory = tmp_path / "model"
    shutil.copytree(ROOT / "model", directory)
    return directory


@pytest.fixture
def int8_dir(float_dir):
    """The digits model with a second graph kept as its int8 one (a copy: the choice is tested)."""
    data = (float_dir / MODEL_FILE).read_bytes()
    (float_dir / INT8_FILE).write_bytes(data)
    rewrite_card(
        float_dir,
        {
            "int8": {"kept": True, "file": INT8_FILE, "sha256": hashlib.sha256(data).hexdigest()},
            "serving": {"graph": INT8_FILE, "why": "int8 kept"},
        },
    )
    return float_dir


def test_cpu_flags_come_from_the_flags_line(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu avx2 avx512_vnni\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_vnni"}


def test_no_cpuinfo_or_an_arm_one_means_no_fast_int8(tmp_path):
    assert cpu_flags(tmp_path / "missing") == frozenset()
    arm = tmp_path / "cpuinfo"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd asimddp\n")
    assert cpu_flags(arm) == frozenset()


def test_a_card_without_int8_serves_float_whatever_the_cpu(float_dir):
    card = ModelCard.load(float_dir)
    assert card.serving_graph == MODEL_FILE
    assert choose_graph(card, "auto", VNNI).file == MODEL_FILE
    with pytest.raises(ModelLoadError, match="serves no int8 graph"):
        choose_graph(card, "int8", VNNI)


@pytest.mark.parametrize("flag", ["avx512_vnni", "avx_vnni", "amx_int8"])
def test_kept_int8_is_loaded_where_the_cpu_has_int8_dot_products(int8_dir, flag):
    choice = choose_graph(ModelCard.load(int8_dir), "auto", AVX2 | {flag})
    assert choice.file == INT8_FILE
    assert flag in choice.reason


def test_kept_int8_falls_back_to_float_on_a_cpu_without_them(int8_dir):
    choice = choose_graph(ModelCard.load(int8_dir), "auto", AVX2)
    assert choice.file == MODEL_FILE
    assert "would saturate" in choice.reason


def test_the_setting_forces_either_graph(int8_dir):
    card = ModelCard.load(int8_dir)
    assert choose_graph(card, "float", VNNI).file == MODEL_FILE
    assert choose_graph(card, "int8", AVX2).file == INT8_FILE


def test_the_engine_loads_and_checks_the_chosen_graph(int8_dir):
    (int8_dir / MODEL_FILE).write_bytes(b"not the float graph")
    card = ModelCard.load(int8_dir)
    assert OnnxEngine(card, precision="int8").graph.file == INT8_FILE
    with pytest.raises(ModelLoadError, match="sha256 differs"):
        OnnxEngine(card, precision="float")


def test_a_replaced_int8_graph_is_refused(int8_dir):
    (int8_dir / INT8_FILE).write_bytes(b"tampered")
    with pytest.raises(ModelLoadError, match=r"model\.int8\.onnx: sha256 differs"):
        OnnxEngine(ModelCard.load(int8_dir), precision="int8")


@pytest.mark.parametrize("graph", ["../model.onnx", "other.onnx", None, 3])
def test_a_card_naming_any_other_file_is_refused(float_dir, graph):
    rewrite_card(float_dir, {"serving": {"graph": graph}})
    with pytest.raises(ModelLoadError, match=r"serving\.graph must be one of"):
        _ = ModelCard.load(float_dir).serving_graph
