"""Pretty-print what the demo gets back, one line each.

demo_show.py invoke    < output of `sls invoke local`
demo_show.py response  < a JSON response body
demo_show.py card      < the GET /model body
demo_show.py summary   model/metadata.json
"""

from __future__ import annotations

import json
import sys
from typing import Any


def invoke_result(text: str) -> Any:
    """The handler's return value in `sls invoke local` output, which prints logs before it."""
    lines = text.splitlines()
    start = max(i for i, line in enumerate(lines) if line in ("{", "["))
    return json.loads("\n".join(lines[start:]))


def invoke(text: str) -> str:
    result = invoke_result(text)
    document = json.loads(result["body"]) if "body" in result else result
    return f"{response_line(document)} (status {result.get('statusCode', 'direct')})"


def response_line(document: dict[str, Any]) -> str:
    if "error" in document:
        return f"error {document['error']['code']}: {document['error']['message']}"
    return ", ".join(f"{p['label']} {p['score']:.4f}" for p in document["predictions"])


def card(document: dict[str, Any]) -> str:
    return (
        f"{document['name']} v{document['version']}, labels {document['labels']}, "
        f"input {document['input']}"
    )


def summary(path: str) -> str:
    with open(path) as file:
        metadata = json.load(file)
    metrics, parity = metadata["metrics"], metadata["parity"]
    return (
        f"trained {metadata['name']}: test accuracy {metrics['test_accuracy']:.4f} "
        f"(baseline {metrics['baseline_accuracy']:.4f}), ONNX parity "
        f"{parity['max_abs_diff']:.1e}, top-1 agreement {parity['top1_agreement']:.0%}"
    )


def main() -> int:
    command = sys.argv[1]
    if command == "invoke":
        print(invoke(sys.stdin.read()))
    elif command == "response":
        print(response_line(json.load(sys.stdin)))
    elif command == "card":
        print(card(json.load(sys.stdin)))
    elif command == "summary":
        print(summary(sys.argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
