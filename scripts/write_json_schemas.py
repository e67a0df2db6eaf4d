#!/usr/bin/env python3
"""Write the JSON Schema of kgbuild's records to schemas/ (tests fail when the files drift from the models)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kgbuild.models import Entity, Extraction, Paper, SpeedupClaim

RECORDS = {"paper": Paper, "entity": Entity, "speedup-claim": SpeedupClaim, "extraction": Extraction}


def schema_text(model) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "schemas")
    args = ap.parse_args()
    for name, model in RECORDS.items():
        (args.out / f"{name}.schema.json").write_text(schema_text(model), encoding="utf-8")
        print(f"wrote {args.out / f'{name}.schema.json'}")


if __name__ == "__main__":
    main()
