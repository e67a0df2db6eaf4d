"""The mypyc-compiled rule modules (setup.py) behave as their Python source: same doctests, same extractions."""
from __future__ import annotations

import doctest
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgbuild.extract import pipeline

_EXTRACT = Path(pipeline.__file__).parent
#: The modules setup.py compiled, read off the installed tree (empty when installed as Python).
_COMPILED = sorted(path.name.split(".")[0] for path in _EXTRACT.glob("*.so"))


def _from_source(name: str):
    """The module loaded from its ``.py`` under a private name, next to the compiled one."""
    spec = importlib.util.spec_from_file_location(f"kgbuild.extract._source_{name}", _EXTRACT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "kgbuild.extract"
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", _COMPILED)
def test_source_doctests_pass_when_compiled(name):
    module = _from_source(name)
    result = doctest.testmod(module, verbose=False)
    assert result.failed == 0


def test_compiled_and_source_extract_the_same(tmp_path):
    """Extractions of the sample corpus through the installed (compiled) rules equal those of the Python source,
    run from a copy of the package without the extension modules."""
    if "assemble" not in _COMPILED:
        pytest.skip("installed as Python")
    package = _EXTRACT.parent
    shutil.copytree(package, tmp_path / "src" / "kgbuild", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    sample = package / "sample" / "daily_papers_sample.txt"
    outputs = {}
    for label, path in (("compiled", None), ("source", tmp_path / "src")):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if path is not None:
            env["PYTHONPATH"] = str(path)
        out = tmp_path / f"{label}.jsonl"
        code = ("import kgbuild.extract.assemble as a, sys; from kgbuild.cli import main; "
                "sys.stderr.write(a.__file__); main()")
        run = subprocess.run([sys.executable, "-c", code, "extract", str(sample), "--on-error", "skip", "-o", str(out)],
                             env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
        assert run.stderr.startswith(str(path or package)), run.stderr[:300]
        outputs[label] = out.read_bytes()
    assert outputs["compiled"].count(b"\n") == 30
    assert outputs["compiled"] == outputs["source"]
