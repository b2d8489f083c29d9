from __future__ import annotations

import json
import logging

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=300,
        help="hypothesis examples per fuzz property (make fuzz uses 20000)",
    )


@pytest.fixture(scope="session")
def handler_module():
    import handler

    return handler


@pytest.fixture(scope="session")
def classifier(handler_module):
    return handler_module.CLASSIFIER


@pytest.fixture
def classify(handler_module):
    return handler_module.classify


@pytest.fixture(scope="session")
def moto_server():
    """A real moto S3 server on 127.0.0.1, reached over HTTP like AWS."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, moto_server):
    """Point boto3 (ours and the handler's) at the moto server, with dummy credentials."""
    values = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": moto_server,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return values


class LogCapture(list):
    """The service's log lines, each exactly as Powertools writes it (one JSON object)."""

    @property
    def lines(self) -> list[dict]:
        return [json.loads(message) for message in self]


@pytest.fixture
def captured_logs():
    """Formats with the service logger's own Powertools formatter, so the lines carry the
    same level, context and correlation keys as those written to stdout."""
    from image_classifier.logs import LOGGER

    captured = LogCapture()

    class Collect(logging.Handler):
        def emit(self, record):
            captured.append(self.format(record))

    handler = Collect()
    handler.setFormatter(LOGGER.registered_formatter)
    logger = logging.getLogger(LOGGER.name)
    logger.addHandler(handler)
    yield captured
    logger.removeHandler(handler)
