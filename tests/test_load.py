"""The load script in a small configuration: 20 tablets against gunicorn, nothing lost.
(The full 200 tablets: bench/load.py; results in the README.)"""

import importlib.util
import os
from pathlib import Path


def test_twenty_tablets_lose_and_duplicate_nothing():
    spec = importlib.util.spec_from_file_location(
        "load", Path(__file__).resolve().parent.parent / "bench" / "load.py")
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    result = load.run(tablets=20, workers=2,
                      database_url=os.environ.get("STEGVIS_TEST_DATABASE_URL"), max_seconds=120)
    assert result["errors"] == 0, result["error_samples"]
    assert result["sent"] == 20 * 6
    assert result["stored"] == result["sent"]
    assert result["lost"] == 0
    assert result["duplicates"] == 0
