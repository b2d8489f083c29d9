"""The HTTP entry point: detect the event shape, route, classify, answer; never raise."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from image_classifier.adapters import detect
from image_classifier.body_limit import BodyLimit
from image_classifier.confidence import is_uncertain
from image_classifier.core import ImageOutcome, ImageScores, classify_images
from image_classifier.cors import CorsPolicy
from image_classifier.error_formats import native_error
from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpRequest, HttpResponse
from image_classifier.logs import elapsed_ms, fault_location, log
from image_classifier.metrics import InvocationMetrics, serving_metrics
from image_classifier.model import Classifier
from image_classifier.page import Page
from image_classifier.payload import parse_classify_request
from image_classifier.router import Route, resolve
from image_classifier.settings import Settings
from image_classifier.tf_serving import TfServing


class HttpApp:
    """Built once per container around the loaded classifier."""

    def __init__(self, classifier: Classifier, settings: Settings):
        self.classifier = classifier
        self.settings = settings
        self.model_ref = {"name": classifier.card.name, "version": classifier.card.version}
        self.page = Page.load()
        self.tf_serving = TfServing(classifier, settings)
        self.cors = CorsPolicy(settings.cors_allow_origin)
        self.body_limit = BodyLimit(settings.max_image_bytes, settings.max_batch)
        self.metrics = serving_metrics(
            settings.metrics_namespace,
            settings.service_name,
            classifier.card.version,
            len(classifier.labels),
        )

    def __call__(self, event: Any, context: Any = None) -> Any:
        started = time.perf_counter()
        request_id = str(getattr(context, "aws_request_id", "") or uuid.uuid4())
        adapter = detect(event)
        fields: dict[str, Any] = {"request_id": request_id, "shape": adapter.name}
        request_headers: dict[str, str] = {}
        record = self.metrics.invocation("http")
        try:
            request = adapter.to_request(event, request_id, self.body_limit)
            request_headers = request.headers
            fields["request_id"] = request.request_id
            if request.caller_sub is not None:
                fields["sub"] = request.caller_sub
            response = self.handle(request, fields, record)
        except ClassifierError as exc:
            response = native_error(exc)
        except Exception as exc:
            log(
                "internal_error",
                logging.ERROR,
                request_id=fields["request_id"],
                error_type=type(exc).__name__,
                at=fault_location(exc),
            )
            fault = ClassifierError(
                "Internal error; quote the request id when reporting it.",
                code="internal_error",
                status=500,
            )
            error = {**fault.to_dict(), "request_id": fields["request_id"]}
            response = HttpResponse(500, {"error": error}, error_code=fault.code)
        response.headers.update(self.cors.headers(request_headers))
        fields.update(status=response.status, total_ms=elapsed_ms(started))
        if response.error_code:
            fields["error"] = response.error_code
        log("request", **fields)
        record.request(fields["total_ms"], response.error_code)
        record.flush()
        return adapter.to_response(response)

    def handle(
        self, request: HttpRequest, fields: dict[str, Any], record: InvocationMetrics
    ) -> HttpResponse:
        """The route's answer; a request error takes the route's own error format."""
        route = resolve(request.path)
        try:
            return self._dispatch(route, request, fields, record)
        except ClassifierError as exc:
            return route.error_format(exc, None)

    def _dispatch(
        self, route: Route, request: HttpRequest, fields: dict[str, Any], record: InvocationMetrics
    ) -> HttpResponse:
        if not route.actions:
            raise ClassifierError(
                "No such route; see GET / (the page), POST /classify, GET /model, or TF "
                "Serving's /v1/models/<name>:predict.",
                code="not_found",
                status=404,
            )
        if request.method == "OPTIONS":
            return HttpResponse(204, {}, {"Allow": route.allow})
        action = route.actions.get(request.method)
        if action is None:
            wrong = ClassifierError(
                f"Use {' or '.join(route.actions)} on this route.",
                code="method_not_allowed",
                status=405,
            )
            return route.error_format(wrong, {"Allow": route.allow})
        if route.tf_serving:
            return self.tf_serving.handle(action, route, request, fields)
        if action == "page":
            return self.page.response(request.method)
        if action == "model":
            return HttpResponse(200, self.classifier.card.summary())
        return self._classify(request, fields, record)

    def _classify(
        self, request: HttpRequest, fields: dict[str, Any], record: InvocationMetrics
    ) -> HttpResponse:
        settings = self.settings
        parsed = parse_classify_request(
            request,
            n_labels=len(self.classifier.labels),
            default_top_k=settings.default_top_k,
            max_bytes=settings.max_image_bytes,
            max_batch=settings.max_batch,
        )
        result = classify_images(self.classifier, parsed.images, settings.max_image_pixels)
        fields.update(
            images=len(parsed.images),
            decode_ms=round(result.decode_ms, 3),
            inference_ms=round(result.inference_ms, 3),
        )
        threshold = settings.min_confidence
        if parsed.min_confidence is not None:
            threshold = parsed.min_confidence
        items = [_item(outcome, parsed.top_k, threshold) for outcome in result.outcomes]
        labels = [o.top.label for o in result.outcomes if isinstance(o, ImageScores)]
        fields["top_label"] = labels[0] if len(labels) == 1 else labels
        if not parsed.batch:
            error = result.first_error()
            if error is not None:
                raise error
        for outcome in result.outcomes:
            if isinstance(outcome, ClassifierError):
                record.error(outcome.code)
            else:
                top = outcome.top
                record.image(top.label, top.score, is_uncertain([top], threshold))
        if parsed.batch:
            return HttpResponse(200, {"results": items, "model": self.model_ref})
        return HttpResponse(200, {**items[0], "model": self.model_ref})


def _item(outcome: ImageOutcome, top_k: int, threshold: float) -> dict[str, Any]:
    """One image's answer: its ranked predictions (flagged when uncertain) or its error."""
    if isinstance(outcome, ClassifierError):
        return {"error": outcome.to_dict()}
    predictions = outcome.ranked(top_k)
    item: dict[str, Any] = {"predictions": [p.to_dict() for p in predictions]}
    if is_uncertain(predictions, threshold):
        item["uncertain"] = True
    return item
