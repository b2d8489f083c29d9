"""The review queue against moto: uncertain and low-score uploads land in review/<label>/ with
a CSV; hostile keys and labels never write outside the review folder."""

from __future__ import annotations

import csv
import os

import pytest

from classifier_ops.review_queue import CSV_FILE, destination, file_name, main, pull
from image_classifier.model_card import Prediction
from image_classifier.result_document import ResultDocument, SourceObject
from tests.support.moto_s3 import BUCKET, mocked_s3

HOSTILE_KEYS = [
    "../../escape.jpg",
    "uploads/../../../escape2.png",
    "/etc/passwd.jpg",
    "..\\..\\windows.jpg",
    "uploads/..",
    "uploads/\u0000nul\nline\u202eevil.jpg",
    "uploads/" + "x" * 900 + ".jpg",
    "uploads/ü 数 ☃.webp",
    "uploads/.hidden.jpg",
]


def result(key, label, score, uncertain=False, bucket=BUCKET):
    second = max(0.0, 1 - score)
    return ResultDocument(
        source=SourceObject(bucket, key),
        classified_at="2026-12-08T00:00:00Z",
        predictions=(Prediction(label, score), Prediction("other", second)),
        uncertain=uncertain,
    )


def put(s3, document, body):
    s3.put_object(Bucket=BUCKET, Key=document.source.key, Body=body)
    s3.put_object(
        Bucket=BUCKET, Key=f"results/{document.source.key}.json", Body=document.to_bytes()
    )


@pytest.fixture
def s3():
    with mocked_s3() as client:
        put(client, result("uploads/sure.jpg", "roses", 0.97), b"sure")
        put(client, result("uploads/unsure.jpg", "tulips", 0.41, uncertain=True), b"unsure")
        put(client, result("uploads/low.png", "daisy", 0.55), b"low")
        client.put_object(Bucket=BUCKET, Key="results/uploads/junk.jpg.json", Body=b"{not json")
        error = ResultDocument.from_json(
            {
                "source": {"bucket": BUCKET, "key": "uploads/bad.jpg"},
                "error": {"code": "invalid_image", "message": "no"},
                "classified_at": "2026-12-08T00:00:00Z",
            }
        )
        client.put_object(Bucket=BUCKET, Key="results/uploads/bad.jpg.json", Body=error.to_bytes())
        yield client


def read_csv(folder):
    with open(folder / CSV_FILE, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_uncertain_uploads_land_under_their_predicted_label_with_a_csv(s3, tmp_path):
    report = pull(s3, BUCKET, "results/", tmp_path / "review")
    assert (report.results, report.malformed, report.errors) == (5, 1, 1)
    rows = read_csv(tmp_path / "review")
    assert [(r["key"], r["label"], r["score"]) for r in rows] == [
        ("uploads/unsure.jpg", "tulips", "0.4100")
    ]
    assert (tmp_path / "review" / rows[0]["file"]).read_bytes() == b"unsure"
    assert rows[0]["file"].startswith("tulips/unsure-") and rows[0]["file"].endswith(".jpg")


def test_a_threshold_also_queues_low_top_scores_and_a_rerun_fetches_nothing(s3, tmp_path):
    review = tmp_path / "review"
    first = pull(s3, BUCKET, "results/", review, below=0.6)
    assert sorted(q.label for q in first.queued) == ["daisy", "tulips"]
    s3.delete_object(Bucket=BUCKET, Key="uploads/low.png")
    again = pull(s3, BUCKET, "results/", review, below=0.6)
    assert again.already_there == 2 and again.missing == 0 and len(read_csv(review)) == 2


def test_the_cli_prints_what_it_did(s3, tmp_path, capsys):
    assert main(["--bucket", BUCKET, "--output", str(tmp_path / "r"), "--below", "0.6"], s3) == 0
    out = capsys.readouterr().out
    assert "5 results: 2 queued" in out and "1 malformed" in out


def test_bad_options_exit_2(tmp_path):
    for args in (["--bucket", BUCKET, "--below", "1.5"], ["--bucket", BUCKET, "--max-bytes", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--output", str(tmp_path)], s3=object())
        assert exit_info.value.code == 2


def files_under(folder):
    return {p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def test_hostile_keys_and_labels_stay_inside_the_review_folder(tmp_path):
    review = tmp_path / "inside" / "review"
    with mocked_s3() as s3:
        for number, key in enumerate(HOSTILE_KEYS):
            put(s3, result(key, "../../labels", 0.3, uncertain=True), f"image {number}".encode())
        put(s3, result("uploads/ok.jpg", "..", 0.2, uncertain=True), b"ok")
        put(s3, result("uploads/abs.jpg", "/tmp/abs", 0.2, uncertain=True), b"abs")
        report = pull(s3, BUCKET, "results/", review)
    assert len(report.queued) == len(HOSTILE_KEYS) + 2
    outside = files_under(tmp_path) - files_under(review)
    assert outside == set()
    written = [p for p in files_under(review) if p.name != CSV_FILE]
    assert len(written) == len(HOSTILE_KEYS) + 2  # no two keys share a file
    for path in written:
        assert path.resolve().is_relative_to(review.resolve())
        assert path.parent.parent == review and not path.name.startswith(".")
        assert all(c.isalnum() or c in "._-" for c in path.parent.name + path.name)
    assert {r["key"] for r in read_csv(review)} >= {"../../escape.jpg", "/etc/passwd.jpg"}


def test_a_label_folder_that_is_a_symbolic_link_is_not_followed(tmp_path):
    review, elsewhere = tmp_path / "review", tmp_path / "elsewhere"
    review.mkdir()
    elsewhere.mkdir()
    os.symlink(elsewhere, review / "tulips")
    with mocked_s3() as s3:
        put(s3, result("uploads/a.jpg", "tulips", 0.3, uncertain=True), b"a")
        report = pull(s3, BUCKET, "results/", review)
    assert list(elsewhere.iterdir()) == [] and report.queued == []


def test_objects_in_another_bucket_or_too_large_are_not_fetched(tmp_path):
    with mocked_s3() as s3:
        put(s3, result("uploads/big.jpg", "roses", 0.3, uncertain=True), b"x" * 100)
        other = result("uploads/o.jpg", "roses", 0.3, uncertain=True, bucket="someone-else")
        s3.put_object(Bucket=BUCKET, Key="results/uploads/o.jpg.json", Body=other.to_bytes())
        report = pull(s3, BUCKET, "results/", tmp_path / "review", max_bytes=10)
    assert (report.too_large, report.other_bucket, report.queued) == (1, 1, [])
    assert files_under(tmp_path / "review") == {tmp_path / "review" / CSV_FILE}


def test_names_are_safe_and_distinct(tmp_path):
    assert file_name("a/b/photo.JPG").startswith("photo-") and file_name("a/b/photo.JPG").endswith(
        ".jpg"
    )
    assert file_name("a/photo.jpg") != file_name("b/photo.jpg")
    assert not file_name("a/notes.txt").endswith(".txt")
    assert destination(tmp_path, "..", "k").parent == tmp_path / "_"
    assert destination(tmp_path, "../../x", "../../k.png").parent == tmp_path / "x"
