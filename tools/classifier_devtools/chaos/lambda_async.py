"""Lambda's asynchronous invocation as S3 triggers it: the first try and up to 2 retries, then
an invocation record on the on-failure destination, which is what redrive reads back."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

FUNCTION_ARN = (
    "arn:aws:lambda:us-east-1:123456789012:function:image-classifier-chaos-classifyUpload"
)
ATTEMPTS = 3

Invoke = Callable[[Any], Any]


def invoke_async(event: Any, invoke: Invoke, sqs: Any, dlq_url: str) -> bool:
    """Deliver one event; whether its retries ran out and it went to the dead-letter queue."""
    for attempt in range(ATTEMPTS):
        try:
            invoke(event)
            return False
        except Exception as exc:
            if attempt == ATTEMPTS - 1:
                record = invocation_record(event, exc)
                sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps(record))
    return True


def invocation_record(event: Any, error: BaseException) -> dict[str, Any]:
    """What Lambda sends to the on-failure destination when the retries run out."""
    return {
        "version": "1.0",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{FUNCTION_ARN}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": ATTEMPTS,
        },
        "requestPayload": event,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorMessage": str(error)[:200], "errorType": type(error).__name__},
    }
