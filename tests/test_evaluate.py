"""`kgbuild eval` agrees with the reference scorer in ../shared/tools/score.py."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kgbuild.cli import main
from kgbuild.evaluate import score

SHARED = Path(__file__).resolve().parents[2] / "shared"
GOLD = SHARED / "gold" / "dev.jsonl"
SCORER = SHARED / "tools" / "score.py"
needs_shared = pytest.mark.skipif(not (GOLD.exists() and SCORER.exists()), reason="../shared (gold and scorer) not present")


def _write(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def _perturbed(gold_path: Path) -> list[dict]:
    """A prediction with misses, extra entities, wrong types and altered claims, so every branch is exercised."""
    out = []
    for i, line in enumerate(gold_path.read_text(encoding="utf-8").splitlines()):
        rec = json.loads(line)
        ents = rec["entities"][::2] + [{"name": "Bogus" + str(i), "aliases": [], "type": "Method", "proposed": i % 2 == 0}]
        if ents and i % 3 == 0:
            ents[0] = {**ents[0], "type": "Model"}
        claims = [{**c, "value": c["value"] * (1.005 if j % 2 else 1.2), "baseline": "" if j % 3 else c["baseline"]}
                  for j, c in enumerate(rec["speedups"])]
        if i % 4 == 0:
            rec.pop("id")
        out.append({**rec, "entities": ents, "speedups": claims})
    return out


@needs_shared
def test_eval_agrees_with_reference_scorer(tmp_path, capsys):
    pred = _write(tmp_path / "pred.jsonl", _perturbed(GOLD))
    ref = json.loads(subprocess.run([sys.executable, str(SCORER), str(GOLD), str(pred), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    assert main(["eval", str(GOLD), str(pred), "--json"]) == 0
    ours = json.loads(capsys.readouterr().out)
    assert ours == ref
    assert 0 < ours["typed"]["f1"] < 1 and 0 < ours["speedup"]["f1"] < 1


def test_optional_gold_counts_nothing_and_aliases_match():
    gold = {"p": {"id": "p", "entities": [
        {"name": "Low-Rank Adaptation", "aliases": ["LoRA"], "type": "Method"},
        {"name": "KV cache", "aliases": [], "type": "Method", "optional": True}], "speedups": [
        {"value": 2.0, "unit": "x", "method": "Low-Rank Adaptation", "baseline": "vLLM", "hardware": "A100", "metric": "throughput"}]}}
    pred = {"p": {"entities": [{"name": "LoRA", "type": "Method"}, {"name": "KV cache", "type": "Method"}],
                  "speedups": [{"value": 2.01, "unit": "x", "method": "LoRA", "baseline": "vLLM 0.4", "hardware": "",
                                "metric": "higher throughput"}]}}
    res = score(gold, pred)
    assert res["typed"] == {"p": 1.0, "r": 1.0, "f1": 1.0, "tp": 1, "fp": 0, "fn": 0}
    assert res["speedup"]["tp"] == 1
    assert res["speedup_attr_acc"] == {"method": 1.0, "baseline": 1.0, "hardware": 0.0, "metric": 1.0, "all": 0.0}
