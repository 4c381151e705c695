"""The shared native contract, proved inside this package's own wheel."""

import pytest

from ouroboros.core.testing import native_contract_checks

CHECKS = native_contract_checks("ouroboros.postgres", "ouroboros-postgres")


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_native_contract(check):
    CHECKS[check]()
