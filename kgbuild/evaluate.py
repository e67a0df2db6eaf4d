"""Scoring of per-paper extractions against gold, as the Scoring section of ANNOTATION.md defines it."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .extract.catalogue import norm

__all__ = ["score", "score_files", "load_annotations", "format_report"]

TYPES = ("Method", "Model", "Dataset", "Hardware")


def _norm(s: object) -> str:
    return "" if s is None else norm(str(s))


def _forms(e: dict) -> set[str]:
    return {f for f in (_norm(x) for x in [e.get("name"), *(e.get("aliases") or [])]) if f}


def load_annotations(path: str | Path) -> dict[str, dict]:
    """Papers keyed by id, plus a "t:<normalised title>" key each for pairing by title."""
    out: dict[str, dict] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                out[rec.get("id") or _norm(rec.get("title"))] = rec
                if rec.get("title"):
                    out.setdefault("t:" + _norm(rec["title"]), rec)
    return out


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def _match_entities(gold: list[dict], pred: list[dict], typed: bool, proposed_only: bool = False) -> tuple[int, int, int]:
    """Greedy: each prediction takes the first gold entity sharing a form; optional gold counts nothing."""
    tp = fp = 0
    used: set[int] = set()
    for p in pred:
        if proposed_only and not p.get("proposed"):
            continue
        pf = _forms(p)
        hit = next((i for i, g in enumerate(gold) if (not typed or g.get("type") == p.get("type")) and pf & _forms(g)), None)
        if hit is None:
            fp += 1
            continue
        g = gold[hit]
        if g.get("optional") or (proposed_only and not g.get("proposed")):
            fp += int(proposed_only and not g.get("proposed") and not g.get("optional"))
        elif hit not in used:
            used.add(hit)
            tp += 1
    fn = sum(1 for i, g in enumerate(gold)
             if not g.get("optional") and i not in used and (g.get("proposed") or not proposed_only))
    return tp, fp, fn


def _same_value(a: dict, b: dict) -> bool:
    try:
        x, y = float(a["value"]), float(b["value"])
    except (TypeError, ValueError, KeyError):
        return False
    return abs(x - y) <= 0.01 * max(abs(x), abs(y), 1e-9)


def _attr_ok(gold: object, pred: object, gold_entities: list[dict], loose: bool = False) -> bool:
    g, p = _norm(gold), _norm(pred)
    if not g or not p:
        return not g and not p
    if g == p or (loose and (g in p or p in g)):
        return True
    return any(g in f and p in f for f in map(_forms, gold_entities))


def _metric_ok(gold: str | None, pred: str | None) -> bool:
    words = lambda s: set(re.findall(r"[a-z]+", (s or "").lower())) - {"speed", "the", "of"}  # noqa: E731
    gw, pw = words(gold), words(pred)
    return not gw or bool(gw & pw) or any(a[:5] == b[:5] for a in gw for b in pw)


def score(gold: dict[str, dict], pred: dict[str, dict]) -> dict:
    """Entity P/R/F1 (typed, untyped, proposed, per type), speedup P/R/F1 and attribute accuracy."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    speed = [0, 0, 0]
    attrs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    papers = [k for k in gold if not k.startswith("t:")]
    missing = 0
    for key in papers:
        g = gold[key]
        p = pred.get(key) or pred.get("t:" + _norm(g.get("title")))
        if p is None:
            missing += 1
            p = {}
        ge, pe = g.get("entities", []), p.get("entities") or []
        for t in TYPES:
            _add(counts[t], _match_entities([x for x in ge if x.get("type") == t], [x for x in pe if x.get("type") == t], True))
        _add(counts["typed"], _match_entities(ge, pe, True))
        _add(counts["untyped"], _match_entities(ge, pe, False))
        _add(counts["proposed"], _match_entities(ge, pe, False, proposed_only=True))
        gs, used = list(g.get("speedups", [])), set()
        for x in p.get("speedups") or []:
            j = next((i for i, y in enumerate(gs) if i not in used and y.get("unit") == x.get("unit") and _same_value(x, y)), None)
            if j is None:
                speed[1] += 1
                continue
            used.add(j)
            speed[0] += 1
            y = gs[j]
            oks = {"method": _attr_ok(y.get("method"), x.get("method"), ge),
                   "baseline": _attr_ok(y.get("baseline"), x.get("baseline"), ge, loose=True),
                   "hardware": _attr_ok(y.get("hardware"), x.get("hardware"), ge, loose=True),
                   "metric": _metric_ok(y.get("metric"), x.get("metric"))}
            for k, ok in {**oks, "all": all(oks.values())}.items():
                attrs[k][0] += ok
                attrs[k][1] += 1
        speed[2] += len(gs) - len(used)
    res: dict = {k: _prf(*v) for k, v in counts.items()}
    res["speedup"] = _prf(*speed)
    res["speedup_attr_acc"] = {k: round(a / n, 3) if n else None for k, (a, n) in attrs.items()}
    res["papers"] = len(papers)
    res["papers_missing_in_pred"] = missing
    return res


def _add(acc: list[int], triple: Iterable[int]) -> None:
    for i, v in enumerate(triple):
        acc[i] += v


def score_files(gold_path: str | Path, pred_path: str | Path) -> dict:
    return score(load_annotations(gold_path), load_annotations(pred_path))


def format_report(res: dict) -> str:
    lines = []
    for k in ("typed", "untyped", "proposed", *TYPES, "speedup"):
        v = res[k]
        lines.append(f"{k:10s} P={v['p']:.3f} R={v['r']:.3f} F1={v['f1']:.3f}  (tp={v['tp']} fp={v['fp']} fn={v['fn']})")
    lines.append(f"speedup attribute accuracy: {res['speedup_attr_acc']}")
    lines.append(f"papers={res['papers']} missing_in_pred={res['papers_missing_in_pred']}")
    return "\n".join(lines)
