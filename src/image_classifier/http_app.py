"""The HTTP entry point: detect the event shape, route, classify, answer; never raise."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from image_classifier.adapters import detect
from image_classifier.body_limit import BodyLimit
from image_classifier.confidence import is_uncertain
from image_classifier.core import classify_images
from image_classifier.cors import CorsPolicy
from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpRequest, HttpResponse
from image_classifier.logs import elapsed_ms, fault_location, log
from image_classifier.metrics import serving_metrics
from image_classifier.model import Classifier
from image_classifier.page import Page
from image_classifier.payload import parse_classify_request
from image_classifier.router import resolve
from image_classifier.settings import Settings
from image_classifier.tf_serving import TfServing, error_response


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
        try:
            request = adapter.to_request(event, request_id, self.body_limit)
            request_headers = request.headers
            fields["request_id"] = request.request_id
            if request.caller_sub is not None:
                fields["sub"] = request.caller_sub
            response = self.handle(request, fields)
        except ClassifierError as exc:
            response = HttpResponse(exc.status, {"error": exc.to_dict()})
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
            response = HttpResponse(500, {"error": error})
        response.headers.update(self.cors.headers(request_headers))
        fields.update(status=response.status, total_ms=elapsed_ms(started))
        if "error" in response.document:
            fields["error"] = response.error_code or response.document["error"]["code"]
        log("request", **fields)
        self._publish_metrics(response, fields)
        return adapter.to_response(response)

    def _publish_metrics(self, response: HttpResponse, fields: dict[str, Any]) -> None:
        """Images are read from the answer itself: what the caller saw is what is counted."""
        record = self.metrics.invocation("http")
        record.request(fields["total_ms"], fields.get("error"))
        document = response.document
        # Only POST /classify answers carry this very object (TF Serving's have their own shape).
        if document.get("model") is self.model_ref:
            for item in document.get("results", [document]):
                if "predictions" in item:
                    top = item["predictions"][0]
                    record.image(top["label"], top["score"], item.get("uncertain", False))
                elif item is not document:
                    record.error(item["error"]["code"])
        record.flush()

    def handle(self, request: HttpRequest, fields: dict[str, Any]) -> HttpResponse:
        route = resolve(request.path)
        if route is None or not route.actions:
            missing = ClassifierError(
                "No such route; see GET / (the page), POST /classify, GET /model, or TF "
                "Serving's /v1/models/<name>:predict.",
                code="not_found",
                status=404,
            )
            if route is None:
                raise missing
            return error_response(missing)
        if request.method == "OPTIONS":
            return HttpResponse(204, {}, {"Allow": route.allow})
        action = route.actions.get(request.method)
        if action is None:
            wrong = ClassifierError(
                f"Use {' or '.join(route.actions)} on this route.",
                code="method_not_allowed",
                status=405,
            )
            if route.tf_serving:
                return error_response(wrong, {"Allow": route.allow})
            return HttpResponse(405, {"error": wrong.to_dict()}, {"Allow": route.allow})
        if route.tf_serving:
            return self.tf_serving.handle(action, route, request, fields)
        if action == "page":
            return self.page.response(request.method)
        if action == "model":
            return HttpResponse(200, self.classifier.card.summary())
        return self._classify(request, fields)

    def _classify(self, request: HttpRequest, fields: dict[str, Any]) -> HttpResponse:
        settings = self.settings
        parsed = parse_classify_request(
            request,
            n_labels=len(self.classifier.labels),
            default_top_k=settings.default_top_k,
            max_bytes=settings.max_image_bytes,
            max_batch=settings.max_batch,
        )
        result = classify_images(
            self.classifier, parsed.images, parsed.top_k, settings.max_image_pixels
        )
        fields.update(
            images=len(parsed.images),
            decode_ms=round(result.decode_ms, 3),
            inference_ms=round(result.inference_ms, 3),
        )
        threshold = settings.min_confidence
        if parsed.min_confidence is not None:
            threshold = parsed.min_confidence
        items = [
            {"error": outcome.to_dict()}
            if isinstance(outcome, ClassifierError)
            else {"predictions": [p.to_dict() for p in outcome]}
            | ({"uncertain": True} if is_uncertain(outcome, threshold) else {})
            for outcome in result.outcomes
        ]
        top = [outcome[0].label for outcome in result.outcomes if isinstance(outcome, list)]
        fields["top_label"] = top[0] if len(top) == 1 else top
        if parsed.batch:
            return HttpResponse(200, {"results": items, "model": self.model_ref})
        outcome = result.outcomes[0]
        if isinstance(outcome, ClassifierError):
            raise outcome
        return HttpResponse(200, {**items[0], "model": self.model_ref})
