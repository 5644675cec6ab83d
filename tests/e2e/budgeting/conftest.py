"""Budgeting users of the shared e2e platform. Each test works in a budget year of its own, so the
ledgers and reports of one test never see another's."""
import time

import pytest


@pytest.fixture(scope="package")
def finance(admin):
    return admin.create_user("finance", "finance")


@pytest.fixture(scope="package")
def party_group(admin):
    return admin.create_user("party_group", "leadership")


def call(send, attempts=40):
    """Send a request, again while the gateway answers 503 overloaded (every worker busy): what a
    client does after Retry-After; any other answer is returned as it is."""
    for _ in range(attempts):
        response = send()
        if response.status_code != 503:
            return response
        time.sleep(0.2)
    return response
