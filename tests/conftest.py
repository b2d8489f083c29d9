from __future__ import annotations

import pytest


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
