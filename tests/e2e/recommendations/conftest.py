"""People of the recommendations stories: a public-interest department, the chief procurator, a
see-only inspector, the administrative department of the reverse referral."""
import pytest

from tests.support.api import unique_case_no


@pytest.fixture(scope="package")
def chief(admin):
    return admin.create_user("chief_procurator", "leadership")[1]


@pytest.fixture(scope="package")
def pi_prosecutor(admin):
    return admin.create_user("prosecutor", "public_interest")[1]


@pytest.fixture(scope="package")
def inspector(admin):
    return admin.create_user("inspector", "inspection")[1]


@pytest.fixture(scope="package")
def admin_prosecutor(admin):
    return admin.create_user("prosecutor", "administrative")[1]


def new_case(api, department="public_interest", category="public_interest", **extra):
    response = api.post("/v1/cases", json={"case_no": unique_case_no(), "title": "养老机构消防安全隐患案",
                                           "category": category, "department": department, **extra})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def pi_case(pi_prosecutor):
    return new_case(pi_prosecutor)
