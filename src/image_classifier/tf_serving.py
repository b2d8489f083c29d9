"""TF Serving's REST API on the same core, so TF Serving clients switch by changing the URL.

Predict takes {"instances": [...]} (row) or {"inputs": ...} (columnar), each image as
{"b64": "..."} or a bare base64 string, and answers {"predictions": ...} or {"outputs": ...}.
Classify answers {"results": [[[label, score], ...], ...]}. Errors are TF Serving's
{"error": "..."} with the native API's statuses. The body is read as JSON whatever its
Content-Type says, because TF Serving ignores it and its example clients send none (or curl's
form type). Unlike the native batch, one bad image fails the request, as a tensor would.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from image_classifier.core import classify_images
from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpRequest, HttpResponse
from image_classifier.model import Classifier
from image_classifier.payload import decode_base64_image, parse_json_body
from image_classifier.router import Route
from image_classifier.settings import Settings
from image_classifier.tf_signatures import (
    DEFAULT_SIGNATURE,
    INPUT_NAME,
    SIGNATURES,
    model_metadata,
    model_status,
    version_number,
)

PREDICT_FIELDS = frozenset({"signature_name", "instances", "inputs"})
CLASSIFY_FIELDS = frozenset({"signature_name", "context", "examples"})


class TfServing:
    """Built once per container: the status and metadata documents are computed here."""

    def __init__(self, classifier: Classifier, settings: Settings):
        self.classifier = classifier
        self.settings = settings
        card = classifier.card
        self.version = version_number(card.version)
        self.top_k = min(settings.default_top_k, len(card.labels))
        self.status = model_status(self.version)
        self.metadata = model_metadata(card, self.version, self.top_k)

    def handle(
        self, action: str, route: Route, request: HttpRequest, fields: dict[str, Any]
    ) -> HttpResponse:
        """The answer to a TF Serving action; request errors are raised, for the route's format."""
        self._check_servable(route)
        if action == "tf_status":
            return HttpResponse(200, self.status)
        if action == "tf_metadata":
            return HttpResponse(200, self.metadata)
        document = parse_json_body(request)
        if action == "tf_classify":
            return self._classify(document, fields)
        return self._predict(document, fields)

    def _check_servable(self, route: Route) -> None:
        if route.model == self.classifier.card.name and route.version in (
            None,
            str(self.version),
        ):
            return
        raise ClassifierError(
            f"Servable not found for request; this function serves model "
            f"{self.classifier.card.name!r} at version {self.version}.",
            code="not_found",
            status=404,
        )

    def _predict(self, document: Any, fields: dict[str, Any]) -> HttpResponse:
        _check_fields(document, PREDICT_FIELDS, "signature_name, instances and inputs")
        signature = _signature(document.get("signature_name"))
        if "instances" in document and "inputs" in document:
            raise ClassifierError(
                "Send either 'instances' (row format) or 'inputs' (columnar), not both.",
                code="invalid_request",
            )
        if "instances" in document:
            row, items = True, document["instances"]
        elif "inputs" in document:
            row, items = False, _column(document["inputs"])
        else:
            raise ClassifierError(
                "The body needs 'instances' (row format) or 'inputs' (columnar format).",
                code="missing_image",
            )
        probabilities = self._score([_image_value(item) for item in self._batch(items)], fields)
        key = "predictions" if row else "outputs"
        if signature == DEFAULT_SIGNATURE:
            return HttpResponse(200, {key: probabilities.tolist()})
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, : self.top_k]
        labels = [[self.classifier.labels[i] for i in ranks] for ranks in order]
        scores = np.take_along_axis(probabilities, order, axis=1).tolist()
        if row:
            entries = [
                {"labels": lab, "scores": sco} for lab, sco in zip(labels, scores, strict=True)
            ]
            return HttpResponse(200, {key: entries})
        return HttpResponse(200, {key: {"labels": labels, "scores": scores}})

    def _classify(self, document: Any, fields: dict[str, Any]) -> HttpResponse:
        _check_fields(document, CLASSIFY_FIELDS, "signature_name, context and examples")
        _signature(document.get("signature_name"))
        if "examples" not in document:
            raise ClassifierError("The body needs 'examples'.", code="missing_image")
        images = [_example_image(example) for example in self._batch(document["examples"])]
        probabilities = self._score(images, fields)
        labels = self.classifier.labels
        results = [
            [[label, float(p)] for label, p in zip(labels, row, strict=True)]
            for row in probabilities
        ]
        return HttpResponse(200, {"results": results})

    def _batch(self, items: Any) -> list[Any]:
        if not isinstance(items, list):
            raise ClassifierError("The images must be given as a JSON list.", code="invalid_field")
        if not items:
            raise ClassifierError("The list of images is empty.", code="empty_batch")
        limit = self.settings.max_batch
        if len(items) > limit:
            raise ClassifierError(
                f"A request holds at most {limit} images; got {len(items)}.",
                code="batch_too_large",
                status=413,
            )
        return items

    def _score(self, values: list[str], fields: dict[str, Any]) -> np.ndarray:
        """Every label's probability per image, in label order, through the one core; the first
        image that fails fails the request."""
        settings = self.settings
        images: list[bytes | ClassifierError] = [
            decode_base64_image(value, settings.max_image_bytes) for value in values
        ]
        result = classify_images(self.classifier, images, settings.max_image_pixels)
        fields.update(
            images=len(images),
            decode_ms=round(result.decode_ms, 3),
            inference_ms=round(result.inference_ms, 3),
        )
        error = result.first_error()
        if error is not None:
            raise error
        return result.scores


def _check_fields(document: Any, known: frozenset[str], names: str) -> None:
    if not isinstance(document, dict):
        raise ClassifierError("The body must be a JSON object.", code="invalid_request")
    if any(key not in known for key in document):
        raise ClassifierError(
            f"The body has an unknown field; the known ones are {names}.", code="unknown_field"
        )


def _signature(name: Any) -> str:
    if name in (None, ""):
        return DEFAULT_SIGNATURE
    if name not in SIGNATURES:
        raise ClassifierError(
            f"Unknown signature_name; this model has {' and '.join(SIGNATURES)}.",
            code="unknown_signature",
        )
    return str(name)


def _column(inputs: Any) -> Any:
    """Columnar inputs: the list itself, or a map holding the one named input."""
    if isinstance(inputs, dict) and "b64" not in inputs:
        if set(inputs) != {INPUT_NAME}:
            raise ClassifierError(
                f"'inputs' must be a list of images or {{{INPUT_NAME!r}: [...]}}.",
                code="invalid_field",
            )
        return inputs[INPUT_NAME]
    return inputs


def _image_value(item: Any) -> str:
    """A base64 string from "...", {"b64": "..."} or {"image_bytes": either}."""
    if isinstance(item, dict) and set(item) == {INPUT_NAME}:
        item = item[INPUT_NAME]
    if isinstance(item, dict) and set(item) == {"b64"}:
        item = item["b64"]
    if not isinstance(item, str):
        raise ClassifierError(
            'Each image must be a base64 string or {"b64": "..."}.', code="invalid_field"
        )
    return item


def _example_image(example: Any) -> str:
    """The image feature of a Classify example: image_bytes, or its only {"b64"} feature."""
    if not isinstance(example, dict):
        raise ClassifierError("Each example must be a JSON object.", code="invalid_field")
    if INPUT_NAME in example:
        return _image_value(example[INPUT_NAME])
    binary = [v for v in example.values() if isinstance(v, dict) and set(v) == {"b64"}]
    if len(binary) != 1:
        raise ClassifierError(
            f'Each example needs one image feature: {INPUT_NAME!r} or a {{"b64": "..."}} value.',
            code="invalid_field",
        )
    return _image_value(binary[0])
