"""A pytest plugin (loaded by tests/conftest.py): the layers run in order and stop at the first that
breaks, and in CI nothing skips.

- Order: unit, then integration, then e2e (pytest's own order is by path, which ran e2e first:
  a broken rule showed after some fifteen minutes). Within a layer the order is pytest's, except
  that tests marked ``runs_last`` run after the others of their layer.
- A layer with a failure (or an error) is the last one run: the next layer's tests are not started
  and the session ends with pytest's usual summary line and exit status 1 ("Interrupted: ...").
- In CI (``CI=true``, or 1 / yes) a skipped test is a failure, named as a skip in CI, so a CI image
  without a tool cannot pass with the test that needs it unrun. ``xfail`` is not a skip.
"""
import os

import pytest

LAYERS = ("unit", "integration", "e2e")


def in_ci():
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def layer_of(item):
    """The layer of a test by its path (tests/<layer>/...); anything else runs after the layers."""
    parts = item.nodeid.replace("\\", "/").split("/")
    for part in parts[:2]:
        if part in LAYERS:
            return LAYERS.index(part)
    return len(LAYERS)


def layer_name(index):
    return LAYERS[index] if index < len(LAYERS) else "other"


def pytest_collection_modifyitems(session, config, items):
    # Stable: within a layer pytest's order (and its fixture scopes) stays, but a test marked
    # ``runs_last`` goes after the rest of its layer (it litters the platform the others share).
    items.sort(key=lambda item: (layer_of(item), item.get_closest_marker("runs_last") is not None))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    result = yield
    session = item.session
    # shouldfail (as -x does), not shouldstop: pytest then ends with exit status 1, tests failed.
    if (session.testsfailed and nextitem is not None and layer_of(nextitem) != layer_of(item)
            and not session.shouldfail):
        session.shouldfail = (f"the {layer_name(layer_of(item))} layer failed: "
                              f"the {layer_name(layer_of(nextitem))} tests and later layers were not run")
    return result


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip (CI=true): {_skip_reason(report)}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    if in_ci() and report.skipped:  # a whole module skipped at import (allow_module_level)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip (CI=true): {_skip_reason(report)}"
    return report
