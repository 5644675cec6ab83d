"""No typed error of any service reaches a client as a 500 (issue 18): every ``DomainError`` the
code defines — found by importing every module, not from a list that could forget one — crosses an
RPC hop as itself (registered with nameko's exception registry) and the gateway answers it with its
own status and code. ``CalendarUnknown`` crossed as a RemoteError, and a 500, before."""
import importlib
import pkgutil

import pytest
from nameko.exceptions import deserialize, serialize

from gateway.http import Route
from kit.errors import DomainError

PACKAGES = ("kit", "contracts", "services", "gateway")
# Raised in the gateway itself, never by a service: they never cross an RPC hop.
GATEWAY_ONLY = ("gateway.",)


def _import_everything():
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


_import_everything()
ERRORS = sorted({cls for cls in _subclasses(DomainError) if not cls.__name__.startswith("_")},
                key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _instance(cls):
    return cls("出错了", {"field": ["原因"]})


def test_the_walk_finds_the_errors_of_the_services_and_the_kit():
    names = {cls.__name__ for cls in ERRORS}
    assert {"ValidationFailed", "Forbidden", "NotFound", "Conflict", "TooManyRequests", "Overloaded",
            "PayloadTooLarge"} <= names


@pytest.mark.parametrize("error_cls", ERRORS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_typed_error_is_answered_with_its_own_status_never_500(error_cls):
    raised = _instance(error_cls)
    if not error_cls.__module__.startswith(GATEWAY_ONLY):
        arrived = deserialize(serialize(raised))  # what the gateway's RPC proxy raises
        assert type(arrived) is error_cls, f"{error_cls.__name__} arrives as {type(arrived).__name__}: register it " \
                                           "with @deserialize_to_instance"
        raised = arrived
    response = Route.__new__(Route).response_from_exception(raised)
    assert response.status_code == error_cls.http_status != 500
    assert error_cls.code.encode() in response.get_data() and "field".encode() in response.get_data()
