"""The try-it page in a real browser: Debian's chromium driven by Playwright, against `sls offline`.

Playwright's own browser download cannot work here, so it launches /usr/bin/chromium
(`.ci/run` installs it with apt-get). The phone-width screenshot is kept as a test artifact in
build/test-artifacts/.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect, sync_playwright

from tests.support.factories import CARD, ROOT, b64, digit_png, encode, gray, label

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = ROOT / "build" / "test-artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (.ci/run does)")
    args = [*ARGS, "--no-sandbox"] if os.geteuid() == 0 else ARGS
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield launched
        launched.close()


class Session:
    """One page on the running function, with what it sent and what the console said."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.sent: list = []
        self.console_errors: list[str] = []
        page.on("request", self._record)
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _record(self, request) -> None:
        if request.method == "POST" and request.url.endswith("/classify"):
            self.sent.append(request)

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        expect(self.page.locator("#tagline")).to_contain_text(CARD["name"])

    def upload(self, *files: Path) -> None:
        self.page.set_input_files("#files", [str(f) for f in files])

    def wait_for_results(self, count: int) -> None:
        finished = self.page.locator("li.result:not([data-state=pending])")
        expect(finished).to_have_count(count, timeout=30_000)
        expect(self.page.locator("#status")).not_to_contain_text("…")

    def top_labels(self) -> list[str]:
        return self.page.locator("li.result .bars li:first-child .label").all_inner_texts()


@pytest.fixture
def session(browser, offline):
    context = browser.new_context()
    page = context.new_page()
    yield Session(page, offline[0])
    context.close()


@pytest.fixture
def phone(browser, offline):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield Session(context.new_page(), offline[0])
    context.close()


def handler_top_label(handler_module, data: bytes) -> str:
    return handler_module.classify({"image": b64(data)})["predictions"][0]["label"]


def between(first: str, second: str, share: float) -> bytes:
    """A PNG blending the first images of two digit classes: `share` of the second."""
    a, b = (
        np.asarray(Image.open(io.BytesIO(digit_png(d))).convert("L"), dtype=np.float32)
        for d in (first, second)
    )
    return encode(Image.fromarray(((1 - share) * a + share * b).astype(np.uint8)))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_digit_png_through_the_file_input_shows_the_handlers_top_label(
    session, handler_module, tmp_path
):
    data = digit_png("7")
    session.open()
    session.upload(write(tmp_path, "seven.png", data))
    session.wait_for_results(1)
    assert session.top_labels() == [handler_top_label(handler_module, data)]
    assert session.page.locator("li.result img").get_attribute("src").startswith("blob:")
    assert session.page.locator("#status").inner_text().startswith("Classified 1 image")
    assert " ms" in session.page.locator("#status").inner_text()
    assert session.console_errors == []


def test_model_card_is_shown(session):
    session.open("/index.html")
    card = session.page.locator("#card").inner_text()
    assert CARD["name"] in card and CARD["version"] in card
    assert ", ".join(CARD["labels"]) in card
    accuracy = f"{CARD['metrics']['test_accuracy'] * 100:.1f} %"
    assert accuracy in card


def test_two_images_go_in_one_json_request_and_both_are_shown(session, handler_module, tmp_path):
    files = {"three.png": digit_png("3"), "eight.png": digit_png("8")}
    session.open()
    session.upload(*(write(tmp_path, name, data) for name, data in files.items()))
    session.wait_for_results(2)
    expected = [handler_top_label(handler_module, data) for data in files.values()]
    assert session.top_labels() == expected
    assert session.page.locator("li.result h3").all_inner_texts() == list(files)
    (request,) = session.sent
    assert request.headers["content-type"] == "application/json"
    assert len(json.loads(request.post_data)["images"]) == 2
    assert request.response().headers["content-type"].startswith("application/json")


def test_an_uncertain_answer_is_flagged(session, handler_module, tmp_path):
    def uncertain(data):
        return handler_module.classify({"image": b64(data)}).get("uncertain", False)

    # Which input the model is unsure of depends on the trained weights: ask the handler, over
    # flat greys and images halfway between two digits.
    candidates = [encode(gray(level)) for level in range(0, 256, 16)] + [
        between(label(a), label(a + 1), share) for a in range(9) for share in (0.4, 0.5, 0.6)
    ]
    unsure = next((data for data in candidates if uncertain(data)), None)
    digit = digit_png(label(6))
    assert unsure is not None and not uncertain(digit), "no fixture straddles MIN_CONFIDENCE"
    flags = [True, False]
    session.open()
    session.upload(write(tmp_path, "grey.png", unsure), write(tmp_path, "six.png", digit))
    session.wait_for_results(2)
    shown = [
        item.locator(".uncertain").count() == 1 for item in session.page.locator("li.result").all()
    ]
    assert shown == flags


def test_a_non_image_shows_the_apis_error_message(session, handler_module, tmp_path):
    data = b"these are meeting notes, not a picture\n" * 20
    document = handler_module.classify({"images": [b64(data)]})
    api_error = document["results"][0]["error"]
    session.open()
    session.upload(write(tmp_path, "notes.png", data))
    session.wait_for_results(1)
    shown = session.page.locator("li.result .error").inner_text()
    assert api_error["message"] in shown and api_error["code"] in shown


def test_a_large_file_the_browser_cannot_read_gets_a_clear_message_and_is_not_sent(
    session, handler_module, tmp_path
):
    data = bytes(range(256)) * (handler_module.SETTINGS.max_image_bytes // 256 + 1)
    session.open()
    session.upload(write(tmp_path, "archive.png", data))
    session.wait_for_results(1)
    shown = session.page.locator("li.result .error").inner_text()
    assert "cannot read this file as an image" in shown and "too large" in shown
    assert session.sent == []
    assert session.page.locator("#status").inner_text() == "Nothing could be sent."


def test_a_request_level_error_shows_the_apis_message(session, handler_module, tmp_path):
    too_many = handler_module.SETTINGS.max_batch + 1
    files = [write(tmp_path, f"d{i}.png", digit_png(str(i % 10))) for i in range(too_many)]
    api_error = handler_module.classify({"images": [b64(digit_png("1"))] * too_many})["error"]
    session.open()
    session.upload(*files)
    session.wait_for_results(too_many)
    assert api_error["message"] in session.page.locator("#status").inner_text()
    assert session.page.locator("li.result .error").first.inner_text().endswith(api_error["code"])


def large_photo() -> bytes:
    """A 4000x3000 JPEG (over the API's per-image limit) showing a big bright digit."""
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 40, size=(3000, 4000, 3), dtype=np.uint8)
    photo = Image.fromarray(noise, "RGB")
    ImageDraw.Draw(photo).rectangle((1800, 500, 2200, 2500), fill=(250, 250, 250))
    return encode(photo, "JPEG", quality=95)


def test_a_large_photo_is_shrunk_before_upload_and_still_classified(
    session, handler_module, tmp_path
):
    data = large_photo()
    assert len(data) > handler_module.SETTINGS.max_image_bytes, "the API would refuse it as is"
    session.open()
    session.upload(write(tmp_path, "photo.jpg", data))
    session.wait_for_results(1)
    (request,) = session.sent
    body = request.post_data_buffer
    print(f"large photo: {len(data)} bytes on disk, {len(body)} bytes of request body")
    assert len(body) < 1_000_000, "shrunk well under the request limit"
    sent = base64.b64decode(json.loads(body)["images"][0])
    with Image.open(io.BytesIO(sent)) as shrunk:
        assert shrunk.format == "JPEG" and max(shrunk.size) == 1024
        assert min(shrunk.size) >= max(CARD["input"]["height"], CARD["input"]["width"])
    assert len(session.top_labels()) == 1 and session.top_labels()[0] in CARD["labels"]
    note = session.page.locator("li.result .note").inner_text()
    assert "Shrunk from 4000\N{MULTIPLICATION SIGN}3000" in note


def test_drop_and_paste_classify_too(session, handler_module):
    session.open()
    data = digit_png("5")
    script = """([kind, b64]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], kind + ".png", {type: "image/png"}));
        const event = kind === "drop"
            ? new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true})
            : new ClipboardEvent(
                "paste", {clipboardData: transfer, bubbles: true, cancelable: true});
        document.body.dispatchEvent(event);
    }"""
    for kind in ("drop", "paste"):
        session.page.evaluate(script, [kind, b64(data)])
        expect(session.page.locator("li.result h3")).to_have_text(f"{kind}.png")
        session.wait_for_results(1)
        assert session.top_labels() == [handler_top_label(handler_module, data)]


def test_controls_are_labelled_and_reachable_by_keyboard(session):
    session.open()
    page = session.page
    for name in ("Images", "Camera (phones)", "Labels shown"):
        assert page.get_by_label(name).count() == 1
    assert page.locator("#camera").get_attribute("capture") == "environment"
    focused = []
    for _ in range(3):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
    assert focused == ["files", "camera", "topk"]


def test_top_k_control_sets_how_many_labels_are_shown(session, tmp_path):
    session.open()
    session.page.fill("#topk", "5")
    session.upload(write(tmp_path, "two.png", digit_png("2")))
    session.wait_for_results(1)
    assert session.page.locator("li.result .bars li").count() == 5
    assert session.top_labels() == [label(2)]


def test_phone_width_layout_and_screenshot(phone, tmp_path):
    phone.open()
    phone.upload(*(write(tmp_path, f"{d}.png", digit_png(d)) for d in "49"))
    phone.wait_for_results(2)
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "page-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    with Image.open(shot) as image:
        assert image.size[0] == PHONE["width"] * 2
