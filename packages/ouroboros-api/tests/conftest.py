"""Shared fixtures: one real server per test module, over loopback."""

import pytest

from ouroboros.api import TestClient


@pytest.fixture(scope="module")
def client(request):
    app = request.module.app
    # Modules that check the 500 answers set RAISE_SERVER_EXCEPTIONS = False.
    raise_errors = getattr(request.module, "RAISE_SERVER_EXCEPTIONS", True)
    with TestClient(app, raise_server_exceptions=raise_errors) as c:
        yield c
