"""The drift report on result objects in moto's S3 and in a folder: figures, pictures, exit code."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from classifier_ops import synthetic_results as synth
from classifier_ops.drift import Reference, Thresholds, binned_psi, chi_square, psi, summarise
from classifier_ops.monitor import FAILED, NOTHING_TO_JUDGE, PASSED, main
from tests.support.factories import CARD
from tests.support.moto_s3 import mocked_s3

RESULTS_BUCKET = "results-bucket"


@pytest.fixture
def card(tmp_path):
    """This test's own card: the committed card's labels plus a monitoring block."""
    metadata = {
        "name": CARD["name"],
        "version": CARD["version"],
        "labels": CARD["labels"],
        "input": CARD["input"],
        "monitoring": {
            "test_class_counts": {label: 25 + 3 * i for i, label in enumerate(CARD["labels"])},
            "test_top_scores": [
                round(float(s), 6) for s in np.random.default_rng(7).beta(30, 1, 400)
            ],
        },
    }
    path = tmp_path / "card.json"
    path.write_text(json.dumps(metadata))
    return metadata, path


def upload(s3, documents, prefix="results/"):
    for document in documents:
        key = f"{prefix}{document.source.key}.json"
        s3.put_object(Bucket=RESULTS_BUCKET, Key=key, Body=document.to_bytes())


def run(card_path, out, *extra):
    return main(["--bucket", RESULTS_BUCKET, "--card", str(card_path), "--out", str(out), *extra])


@pytest.mark.slow
def test_results_drawn_from_the_card_pass(card, tmp_path, capsys):
    metadata, path = card
    with mocked_s3(RESULTS_BUCKET) as s3:
        upload(s3, synth.matching(metadata, 400) + synth.errors(5))
        code = run(path, tmp_path / "report")
    assert code == PASSED
    printed = capsys.readouterr().out
    assert printed.count("pass  ") == 4 and "FAIL" not in printed
    report = (tmp_path / "report" / "report.md").read_text()
    assert f"## {metadata['name']} {metadata['version']} (the card's version): pass" in report
    assert "400 classified results" in report
    assert "## Error results (they name no model version)" in report
    assert "`invalid_image`: 5" in report


@pytest.mark.slow
def test_a_shifted_class_mix_with_lower_scores_fails(card, tmp_path, capsys):
    metadata, path = card
    with mocked_s3(RESULTS_BUCKET) as s3:
        upload(s3, synth.shifted(metadata, 400))
        code = run(path, tmp_path / "report")
    assert code == FAILED
    printed = capsys.readouterr().out
    assert printed.count("FAIL  ") == 4
    report = (tmp_path / "report" / "report.md").read_text()
    assert "(the card's version): FAIL" in report
    for picture in ("labels", "top_scores", "images"):
        assert f"![{picture}]({picture}.png)" in report
        with Image.open(tmp_path / "report" / f"{picture}.png") as image:
            assert image.format == "PNG" and image.width > 500


def test_figures_of_both_sets(card):
    metadata, _ = card
    reference = Reference.from_card(metadata)
    limits = Thresholds()
    from classifier_ops.drift import compare

    key = (metadata["name"], metadata["version"])
    good = compare(summarise(synth.matching(metadata, 400))[key], reference, limits)
    bad = compare(summarise(synth.shifted(metadata, 400))[key], reference, limits)
    assert good.label_psi < 0.05 < 0.5 < bad.label_psi
    assert good.chi_square_p > 0.01 and bad.chi_square_p < 1e-20
    assert good.score_psi < 0.1 and bad.score_psi > 1
    assert good.live_low_confidence == 0 and bad.live_low_confidence > 0.1
    assert good.test_low_confidence == 0
    assert not good.failed and bad.failed


@pytest.mark.slow
def test_another_versions_results_are_reported_apart_never_mixed(card, tmp_path):
    metadata, path = card
    other = synth.as_version(synth.shifted(metadata, 150), "0.9.0")
    with mocked_s3(RESULTS_BUCKET) as s3:
        upload(s3, synth.matching(metadata, 200))
        upload(s3, other, prefix="results/old/")
        code = run(path, tmp_path / "report")
    assert code == PASSED
    report = (tmp_path / "report" / "report.md").read_text()
    assert "200 classified results" in report
    section = report.split("## Other model versions")[1]
    assert f"| {metadata['name']} | 0.9.0 | 150 | 0 |" in section


@pytest.mark.slow
def test_only_the_results_prefix_is_read(card, tmp_path):
    metadata, path = card
    with mocked_s3(RESULTS_BUCKET) as s3:
        upload(s3, synth.matching(metadata, 100))
        upload(s3, synth.shifted(metadata, 100), prefix="elsewhere/")
        assert run(path, tmp_path / "report") == PASSED
        assert run(path, tmp_path / "other", "--prefix", "elsewhere/") == FAILED


@pytest.mark.slow
def test_a_local_folder_works_the_same(card, tmp_path):
    metadata, path = card
    synth.write_folder(synth.shifted(metadata, 200), tmp_path / "results")
    (tmp_path / "results" / "broken.json").write_text("{not json")
    (tmp_path / "results" / "misshapen.json").write_text('{"predictions": [{"label": 7}]}')
    out = tmp_path / "report"
    code = main(["--folder", str(tmp_path / "results"), "--card", str(path), "--out", str(out)])
    assert code == FAILED
    assert "200 objects, 2 unreadable" in (out / "report.md").read_text()


def folder_run(documents, card_path, tmp_path, *extra):
    synth.write_folder(documents, tmp_path / "results")
    out = tmp_path / "report"
    arguments = ["--folder", str(tmp_path / "results"), "--card", str(card_path), "--out", str(out)]
    return main([*arguments, *extra]), out


def test_thresholds_are_options(card, tmp_path):
    metadata, path = card
    loose = ["--label-psi", "5", "--chi-square-p", "0", "--score-psi", "50"]
    loose += ["--low-confidence-increase", "1"]
    code, _ = folder_run(synth.shifted(metadata, 200), path, tmp_path, *loose)
    assert code == PASSED


def test_too_few_results_are_not_judged(card, tmp_path):
    metadata, path = card
    code, out = folder_run(synth.shifted(metadata, 20), path, tmp_path)
    assert code == PASSED
    assert "too few to judge" in (out / "report.md").read_text()


def test_no_result_of_the_card_version_is_nothing_to_judge(card, tmp_path):
    metadata, path = card
    other = synth.as_version(synth.matching(metadata, 100), "2.0.0")
    assert folder_run(other, path, tmp_path)[0] == NOTHING_TO_JUDGE


def test_a_card_without_monitoring_falls_back_to_per_class_support(tmp_path):
    """A card from before the monitoring block: class counts from its per-class support."""
    bare = {key: value for key, value in CARD.items() if key != "monitoring"}
    reference = Reference.from_card(bare)
    assert reference.class_source == "metrics.per_class support"
    assert reference.class_counts == {
        label: CARD["metrics"]["per_class"][label]["support"] for label in CARD["labels"]
    }
    assert reference.top_scores is None
    path = tmp_path / "card.json"
    path.write_text(json.dumps(bare))
    card = synth.with_monitoring(bare)
    synth.write_folder(synth.matching(card, 200), tmp_path / "results")
    out = tmp_path / "report"
    assert (
        main(["--folder", str(tmp_path / "results"), "--card", str(path), "--out", str(out)]) == 0
    )
    report = (out / "report.md").read_text()
    assert "records no test-set top scores" in report
    assert "from the card's metrics.per_class support" in report


def test_psi_of_identical_shares_is_zero_and_grows_with_the_shift():
    even = np.full(4, 0.25)
    assert psi(even, even) == pytest.approx(0)
    slight, strong = np.array([0.3, 0.25, 0.25, 0.2]), np.array([0.7, 0.1, 0.1, 0.1])
    assert 0 < psi(even, slight) < 0.1 < 0.2 < psi(even, strong)
    # By hand: (0.7-0.25) ln(0.7/0.25) + 3 (0.1-0.25) ln(0.1/0.25)
    assert psi(even, strong) == pytest.approx(0.45 * np.log(2.8) + 3 * -0.15 * np.log(0.4))


def test_binned_psi_handles_tied_quantiles():
    reference = np.array([1.0] * 90 + [0.5] * 10)
    assert binned_psi(reference, reference) == pytest.approx(0)
    assert binned_psi(reference, np.full(50, 0.5)) > 1


def test_chi_square_p_matches_the_textbook_case():
    statistic, p = chi_square(np.array([50.0, 30.0, 20.0]), np.array([1 / 3, 1 / 3, 1 / 3]))
    assert statistic == pytest.approx(
        ((50 - 100 / 3) ** 2 + (30 - 100 / 3) ** 2 + (20 - 100 / 3) ** 2) / (100 / 3)
    )
    assert p == pytest.approx(np.exp(-statistic / 2))  # chi-square with 2 degrees of freedom
