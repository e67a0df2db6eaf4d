"""The hardware catalogue: complete records, no form naming two things, and facts a reader would check."""
from __future__ import annotations

import pytest

from kgbuild.errors import ReaderError
from kgbuild.extract import catalogue
from kgbuild.extract.catalogue import hardware, hardware_classes, hardware_index, load_jsonl, norm, vendors

CLASSES = {"GPU", "CPU", "TPU", "NPU", "FPGA", "ASIC", "edge device", "smartphone", "accelerator", "other"}


def forms(record: dict) -> list[str]:
    return [record["name"], *record.get("aliases", [])]


def device(form: str) -> dict:
    return hardware_index()[norm(form)]


def test_the_catalogue_covers_many_devices() -> None:
    assert len(hardware()) >= 150


def test_every_device_has_the_fields_the_readme_names() -> None:
    vendor_names = {v["name"] for v in vendors()}
    class_values = {c["class"] for c in hardware_classes()}
    allowed = {"name", "vendor", "family", "architecture", "class", "aliases", "year", "ambiguous"}
    for d in hardware():
        assert set(d) <= allowed, d["name"]
        assert d["vendor"] in vendor_names, d["name"]
        assert d["class"] in class_values, d["name"]
        assert d["family"].strip() and d["architecture"].strip(), d["name"]
        assert isinstance(d["aliases"], list), d["name"]
        assert d.get("ambiguous", True) is True, "ambiguous is written only when true"
        if "year" in d:
            assert isinstance(d["year"], int) and 2007 <= d["year"] <= 2026, d["name"]


def test_device_classes_are_classes_that_can_be_matched_bare() -> None:
    names = {c["name"] for c in hardware_classes()}
    assert {d["class"] for d in hardware()} <= names


def test_hardware_classes_follow_the_readme() -> None:
    for c in hardware_classes():
        assert c["class"] in CLASSES, c["name"]
        assert isinstance(c["optional"], bool), c["name"]
    by_name = {c["name"]: c for c in hardware_classes()}
    assert "GPUs" in by_name["GPU"]["aliases"] and "graphics processing units" in by_name["GPU"]["aliases"]
    assert "field-programmable gate arrays" in by_name["FPGA"]["aliases"]
    assert by_name["accelerator"]["optional"] and not by_name["GPU"]["optional"]
    assert not by_name["edge device"]["optional"] and "smartphones" in by_name["smartphone"]["aliases"]
    assert not {"vram", "mobile"} & {norm(f) for c in hardware_classes() for f in forms(c)}


@pytest.mark.parametrize("records", [hardware_classes, vendors], ids=["classes", "vendors"])
def test_no_form_names_two_classes_or_vendors(records) -> None:
    seen: dict[str, str] = {}
    for r in records():
        for f in forms(r):
            assert seen.setdefault(norm(f), r["name"]) == r["name"], f


def test_no_device_form_is_also_a_class_or_vendor() -> None:
    others = {norm(f) for r in (*hardware_classes(), *vendors()) for f in forms(r)}
    assert not others & set(hardware_index())


def test_device_names_are_unique_and_every_form_is_indexed() -> None:
    names = [d["name"] for d in hardware()]
    assert len(names) == len(set(names))
    for d in hardware():
        assert all(hardware_index()[norm(f)] is d for f in forms(d)), d["name"]


def test_vendor_spellings() -> None:
    nvidia = next(v for v in vendors() if v["name"] == "NVIDIA")
    assert {"Nvidia", "NVidia", "nVidia"} <= set(nvidia["aliases"])


@pytest.mark.parametrize("form, vendor, architecture, cls", [
    ("A100", "NVIDIA", "Ampere", "GPU"),
    ("A100-SXM4-80GB", "NVIDIA", "Ampere", "GPU"),
    ("H100 SXM", "NVIDIA", "Hopper", "GPU"),
    ("RTX4090", "NVIDIA", "Ada Lovelace", "GPU"),
    ("V100S", "NVIDIA", "Volta", "GPU"),
    ("Jetson AGX Orin", "NVIDIA", "Ampere", "edge device"),
    ("MI250X", "AMD", "CDNA 2", "GPU"),
    ("MI250x", "AMD", "CDNA 2", "GPU"),
    ("MI300X", "AMD", "CDNA 3", "GPU"),
    ("RX 7900 XTX", "AMD", "RDNA 3", "GPU"),
    ("EPYC 7763", "AMD", "Zen 3", "CPU"),
    ("TPU v4", "Google", "TPU v4", "TPU"),
    ("Gaudi 2", "Intel", "Gaudi2", "ASIC"),
    ("Alveo U280", "Xilinx", "UltraScale+", "FPGA"),
    ("Ascend 910B", "Huawei", "Da Vinci", "NPU"),
    ("Snapdragon 8 Gen 3", "Qualcomm", "Cortex-X4", "smartphone"),
    ("Raspberry Pi 4", "Raspberry Pi Ltd", "Cortex-A72", "edge device"),
])
def test_known_devices(form: str, vendor: str, architecture: str, cls: str) -> None:
    d = device(form)
    assert (d["vendor"], d["architecture"], d["class"]) == (vendor, architecture, cls)


@pytest.mark.parametrize("form, name", [("TPUv4", "TPU v4"), ("TPU-v4", "TPU v4"), ("A100-80GB", "A100"),
                                        ("A100 80GB", "A100"), ("A100-40GB", "A100"), ("H100-80GB", "H100"),
                                        ("Gaudi 2", "Gaudi2"), ("RTX4090", "RTX 4090"), ("TITAN XP", "Titan Xp")])
def test_spellings_of_one_device_meet(form: str, name: str) -> None:
    assert device(form)["name"] == name


@pytest.mark.parametrize("a, b", [("A10", "A100"), ("MI250", "MI250X"), ("H100", "H200"), ("H800", "H100"),
                                  ("L40", "L40S"), ("M2", "M2 Max"), ("TPU v5e", "TPU v5p"), ("Jetson Orin", "Jetson Orin Nano")])
def test_neighbouring_model_numbers_are_different_devices(a: str, b: str) -> None:
    assert device(a) is not device(b)
    assert (device(a)["name"], device(b)["name"]) == (a, b)


def test_risky_bare_names_are_marked_ambiguous() -> None:
    for name in ("M1", "M2", "M3", "M4", "L4", "Hexagon", "CS-2"):
        assert device(name).get("ambiguous") is True, name
    for name in ("A100", "M2 Max", "TPU v4", "Xeon"):
        assert "ambiguous" not in device(name), name


def test_norm_keeps_only_letters_digits_and_dot_plus_hash() -> None:
    assert norm("TPU v4") == norm("TPUv4") == "tpuv4"
    assert norm("A100-80GB") == "a10080gb"
    assert norm("Ryzen AI Max+ 395") == "ryzenaimax+395"


def test_an_unknown_data_file_is_named_with_the_choices() -> None:
    with pytest.raises(ReaderError, match=r"nosuch\.jsonl: no such data file — choose one of: .*hardware\.jsonl"):
        load_jsonl("nosuch.jsonl")


def test_a_colliding_alias_is_reported_with_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"name": "A100", "aliases": []}, {"name": "A10", "aliases": ["A-100"]}]
    monkeypatch.setattr(catalogue, "hardware", lambda: records)
    catalogue.hardware_index.cache_clear()
    try:
        with pytest.raises(ReaderError, match=r"hardware\.jsonl:2: 'A-100' of 'A10' is also a form of 'A100'"):
            catalogue.hardware_index()
    finally:
        monkeypatch.undo()
        catalogue.hardware_index.cache_clear()
