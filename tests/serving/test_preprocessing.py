from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from image_classifier.errors import ImageError
from image_classifier.preprocessing import InputSpec, open_image, preprocess
from tests.support.factories import encode, gray, png_declaring, quadrants

L8 = InputSpec(height=8, width=8, color_mode="L", resize="bilinear", background=0)
RGB8 = InputSpec(height=8, width=8, color_mode="RGB", resize="bilinear", background=0)


def pixels(data, spec=L8, **kwargs):
    return preprocess(data, spec, **kwargs)


def test_greyscale_png_passes_through_unchanged():
    source = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    out = pixels(encode(Image.fromarray(source, "L")))
    assert out.dtype == np.float32 and out.shape == (8, 8, 1)
    np.testing.assert_array_equal(out[..., 0], source)


def test_returns_raw_pixel_values_not_normalised():
    assert pixels(encode(gray(200))).max() == 200.0


def test_pil_image_and_its_png_bytes_give_identical_input():
    image = quadrants(255, 128, 0, 60, side=8)
    np.testing.assert_array_equal(pixels(image), pixels(encode(image)))


@pytest.mark.parametrize(
    ("color", "expected"),
    [((255, 0, 0), 76), ((0, 255, 0), 150), ((0, 0, 255), 29), ((255, 255, 255), 255)],
)
def test_rgb_becomes_luma(color, expected):
    assert pixels(encode(Image.new("RGB", (8, 8), color)))[0, 0, 0] == expected


def test_rgb_spec_keeps_three_channels():
    out = pixels(encode(Image.new("RGB", (8, 8), (10, 20, 30))), RGB8)
    np.testing.assert_array_equal(out[0, 0], [10, 20, 30])


def test_la_alpha_is_composited_onto_the_background():
    image = Image.new("LA", (8, 8), (200, 255))
    image.putpixel((0, 0), (200, 0))
    out = pixels(encode(image))
    assert out[0, 0, 0] == 0 and out[1, 1, 0] == 200


def test_background_comes_from_the_spec():
    spec = InputSpec(height=8, width=8, background=255)
    assert pixels(encode(Image.new("RGBA", (8, 8), (0, 0, 0, 0))), spec)[0, 0, 0] == 255


def test_rgba_half_alpha_blends():
    out = pixels(encode(Image.new("RGBA", (8, 8), (200, 200, 200, 128))))
    assert out[0, 0, 0] == pytest.approx(100, abs=1)


def test_palette_with_transparency_uses_the_background():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    image.putpixel((0, 0), 0)
    image.info["transparency"] = 1
    out = pixels(encode(image, transparency=1))
    assert out[0, 0, 0] == 0 and out[4, 4, 0] == 0
    opaque = Image.new("P", (8, 8), 1)
    opaque.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    assert pixels(encode(opaque))[4, 4, 0] == 255


@pytest.mark.parametrize(("cmyk", "expected"), [((0, 0, 0, 0), 255), ((0, 0, 0, 255), 0)])
def test_cmyk_jpeg_is_converted(cmyk, expected):
    out = pixels(encode(Image.new("CMYK", (8, 8), cmyk), "JPEG", quality=95))
    assert out[0, 0, 0] == pytest.approx(expected, abs=3)


def test_sixteen_bit_png_is_scaled_to_eight_bits():
    source = np.full((8, 8), 65535, dtype=np.uint16)
    source[0, 0] = 32768
    image = Image.fromarray(source)
    out = pixels(encode(image))
    assert out[1, 1, 0] == 255 and out[0, 0, 0] == 128


def test_one_bit_image_becomes_black_and_white():
    image = Image.new("1", (8, 8), 0)
    image.putpixel((3, 3), 1)
    out = pixels(encode(image))
    assert out[3, 3, 0] == 255 and out[0, 0, 0] == 0


@pytest.mark.parametrize(
    ("fmt", "tolerance"),
    [("PNG", 0), ("BMP", 0), ("TIFF", 0), ("GIF", 0), ("WEBP", 0), ("JPEG", 20)],
)
def test_every_supported_format_decodes_to_the_expected_pixels(fmt, tolerance):
    image = quadrants(255, 128, 0, 64, side=8)
    options = {"lossless": True} if fmt == "WEBP" else {}
    out = pixels(encode(image, fmt, **options))[..., 0]
    np.testing.assert_allclose(out, np.asarray(image, dtype=np.float32), atol=tolerance)


def test_gif_uses_the_first_frame():
    frames = [gray(255), gray(0)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert pixels(data).min() == 255


# exif_transpose applies these to undo each orientation; the file stores their inverse.
UNDO = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation):
    upright = quadrants(255, 128, 0, 0)
    stored = upright.transpose(UNDO[orientation]) if orientation in UNDO else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = pixels(encode(stored, "JPEG", quality=95, exif=exif.tobytes()))[..., 0]
    corners = [out[:3, :3], out[:3, 5:], out[5:, :3], out[5:, 5:]]
    np.testing.assert_allclose([c.mean() for c in corners], [255, 128, 0, 0], atol=6)


def test_large_jpeg_decodes_through_draft_to_the_right_content():
    photo = quadrants(255, 0, 0, 255, side=4000).resize((4000, 3000))
    out = pixels(encode(photo, "JPEG", quality=90))[..., 0]
    assert out.shape == (8, 8)
    assert out[0, 0] > 240 and out[0, 7] < 15 and out[7, 7] > 240


def test_pixel_bomb_is_rejected_from_the_header():
    with pytest.raises(ImageError) as error:
        open_image(png_declaring(100_000, 100_000))
    assert error.value.code == "image_too_many_pixels"


def test_pixel_limit_is_configurable():
    with pytest.raises(ImageError) as error:
        pixels(encode(gray(0, (100, 100))), max_pixels=5_000)
    assert error.value.code == "image_too_many_pixels"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_image"),
        (b"not an image at all", "invalid_image"),
        (encode(gray(10, (64, 64)), "JPEG")[:200], "invalid_image"),
        (encode(gray(10, (8, 8)), "ICO"), "unsupported_image_format"),
        (encode(gray(10, (8, 8)), "PPM"), "unsupported_image_format"),
    ],
    ids=["empty", "garbage", "truncated-jpeg", "ico", "ppm"],
)
def test_undecodable_input_raises_a_coded_error(data, code):
    with pytest.raises(ImageError) as error:
        pixels(data)
    assert error.value.code == code and error.value.status == 400


def test_spec_round_trips_through_its_dict():
    spec = InputSpec(height=32, width=24, color_mode="RGB", resize="bicubic", background=255)
    assert InputSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict()["channels"] == 3


@pytest.mark.parametrize(
    "fields",
    [{"color_mode": "CMYK"}, {"resize": "magic"}, {"height": 0}, {"background": 300}],
)
def test_invalid_spec_is_refused(fields):
    with pytest.raises(ValueError):
        InputSpec(**{"height": 8, "width": 8, **fields})
