"""Shared fixtures: one real server per test module, over loopback."""

import pytest

from ouroboros.api import TestClient


@pytest.fixture(scope="module")
def client(request):
    app = request.module.app
    with TestClient(app) as c:
        yield c
