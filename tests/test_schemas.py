"""The JSON Schema files in schemas/ are the pydantic models' own schema: a change to one without the other fails."""
import json
from pathlib import Path

import pytest

from kgbuild.models import Entity, Extraction, Paper, SpeedupClaim

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("name,model", [("paper", Paper), ("entity", Entity), ("speedup-claim", SpeedupClaim),
                                        ("extraction", Extraction)])
def test_schema_file_matches_model(name, model):
    on_disk = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert on_disk == model.model_json_schema(), f"schemas/{name}.schema.json drifted: run scripts/write_json_schemas.py"


def test_extraction_schema_requires_what_annotation_requires():
    schema = Extraction.model_json_schema()
    assert {"id", "title"} <= set(schema["required"])
    claim = schema["$defs"]["SpeedupClaim"]
    assert claim["properties"]["unit"]["enum"] == ["x", "%"]
    assert set(claim["required"]) == {"value", "unit", "evidence"}
