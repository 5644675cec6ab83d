"""The README's curl story, run as written (acceptance 1): only the address and the admin's
credentials are swapped for this platform's. If the README drifts from the API, this fails."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[3] / "README.md"


def story_script():
    text = README.read_text(encoding="utf-8")
    section = text.split("## The story, by curl", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def json_values(output):
    """Every JSON value curl and jq printed, in order (curl's have no newline after them)."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(output):
        if output[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(output, at)
        values.append(value)
    return values


def require_curl_and_jq():
    """Skip without curl or jq, except in CI (CI=true), where the story must run or fail."""
    missing = [tool for tool in ("curl", "jq") if not shutil.which(tool)]
    if not missing:
        return
    reason = f"the README story needs {' and '.join(missing)}"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"{reason}; CI must run it (.ci/run installs curl and jq)", pytrace=False)
    pytest.skip(reason)


def test_the_readme_story_works_as_written(stack):
    require_curl_and_jq()
    script = story_script()
    for original in ("B=http://127.0.0.1:8000", "login admin pingjian-dev-admin"):
        assert original in script, f"the README story no longer contains {original!r}"
    script = (script.replace("B=http://127.0.0.1:8000", f"B={stack.base_url}")
                    .replace("login admin pingjian-dev-admin", f"login {stack.admin_user} {stack.admin_password}"))
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # The last command prints the prosecutor's newest notification, as the README's comment shows.
    last = json_values(result.stdout)[-1]
    assert last["title"] == "新案件分配：平检刑诉〔2026〕18号"
    assert "张某等电信网络诈骗案" in last["body"] and last["ref"]["kind"] == "case"
