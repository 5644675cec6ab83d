"""The suite's order and CI rule (tests/support/layers.py), on a small suite of its own run by pytest:
unit, then integration, then e2e; a broken layer is the last one run (pytest's summary line and a
nonzero exit status still close the run); in CI a skip is a failure."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_suite(tmp_path, files, ci=None):
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugin under test: each run starts in a second, not five
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "tests.support.layers", "-p", "no:cacheprovider",
                           str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_run_unit_then_integration_then_e2e(tmp_path):
    result = run_suite(tmp_path, {"tests/e2e/test_c.py": "import pytest\n\n@pytest.mark.runs_last\n"
                                                         "def test_c_last():\n    pass\n\n"
                                                         "def test_c():\n    pass\n",
                                  "tests/e2e/test_d.py": "def test_d():\n    pass\n",
                                  "tests/integration/test_b.py": "def test_b():\n    pass\n",
                                  "tests/unit/test_a.py": "def test_a():\n    pass\n"})
    assert result.returncode == 0, result.stdout + result.stderr
    order = [line.split("::")[1].split()[0] for line in result.stdout.splitlines() if "::test_" in line]
    assert order == ["test_a", "test_b", "test_c", "test_d", "test_c_last"]
    assert result.stdout.rstrip().splitlines()[-1].startswith("=") and "5 passed" in result.stdout


def test_a_broken_layer_is_the_last_run_and_the_run_fails_with_a_summary(tmp_path):
    result = run_suite(tmp_path, {"tests/unit/test_a.py": "def test_a1():\n    assert False\n\n"
                                                          "def test_a2():\n    pass\n",
                                  "tests/integration/test_b.py": "def test_b():\n    pass\n",
                                  "tests/e2e/test_c.py": "def test_c():\n    pass\n"})
    assert result.returncode == 1, result.stdout + result.stderr
    # The whole broken layer ran (its other tests too), nothing of the next layers.
    assert "test_a2 PASSED" in result.stdout
    assert "test_b.py::" not in result.stdout and "test_c.py::" not in result.stdout
    last = result.stdout.rstrip().splitlines()[-1]
    assert "1 failed, 1 passed" in last, result.stdout
    assert "the unit layer failed" in result.stdout


def test_in_ci_a_skip_is_a_failure_and_elsewhere_a_skip(tmp_path):
    files = {"tests/integration/test_tool.py": "import pytest\n\n"
                                               "def test_needs_a_tool():\n    pytest.skip('no such tool')\n\n"
                                               "@pytest.mark.skipif(True, reason='never here')\n"
                                               "def test_marked():\n    pass\n\n"
                                               "@pytest.mark.xfail(reason='known')\n"
                                               "def test_known():\n    assert False\n"}
    in_ci = run_suite(tmp_path, files, ci="true")
    assert in_ci.returncode == 1, in_ci.stdout + in_ci.stderr
    last = in_ci.stdout.rstrip().splitlines()[-1]
    # A skip in the call is a failure, one at setup (a skipif mark) an error: both fail the run.
    assert "1 failed" in last and "1 error" in last and "1 xfailed" in last and "skipped" not in last, in_ci.stdout
    assert "skipped in CI" in in_ci.stdout and "no such tool" in in_ci.stdout and "never here" in in_ci.stdout
    outside = run_suite(tmp_path, files)
    assert outside.returncode == 0, outside.stdout + outside.stderr
    assert "2 skipped" in outside.stdout and "1 xfailed" in outside.stdout


def test_in_ci_a_module_skipped_whole_is_an_error(tmp_path):
    files = {"tests/integration/test_module.py": "import pytest\n\npytest.skip('whole module', allow_module_level=True)\n"
                                                 "\ndef test_x():\n    pass\n"}
    in_ci = run_suite(tmp_path, files, ci="1")
    assert in_ci.returncode != 0, in_ci.stdout + in_ci.stderr
    assert "1 error" in in_ci.stdout.rstrip().splitlines()[-1] and "skipped in CI" in in_ci.stdout, in_ci.stdout
    outside = run_suite(tmp_path, files)
    assert "1 skipped" in outside.stdout.rstrip().splitlines()[-1], outside.stdout + outside.stderr


# What starts a process of its own in a test module: a service, a database, a CLI, a broker node.
STARTS_PROCESSES = ("subprocess", "Process(", "start_secantus", "LocalPlatform", "ensure_broker", "local_stack")


def test_every_integration_module_that_starts_processes_is_marked_so_make_test_fast_leaves_it_out():
    unmarked = []
    for path in sorted((ROOT / "tests" / "integration").rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if any(word in text for word in STARTS_PROCESSES) and "pytest.mark.processes" not in text:
            unmarked.append(str(path.relative_to(ROOT)))
    assert unmarked == [], f"starts processes but has no `pytestmark = pytest.mark.processes`: {unmarked}"
