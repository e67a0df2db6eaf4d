"""The report in a real browser: headless Chromium opens the file offline and a user filters, sorts and clicks."""
from __future__ import annotations

import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import pytest

pytest.importorskip("vl_convert", reason="the report needs vl-convert-python (pip install vl-convert-python)")
webdriver = pytest.importorskip("selenium.webdriver", reason="browser tests need selenium")

from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from kgbuild.graph import KnowledgeGraph, build_graph  # noqa: E402
from kgbuild.models import Extraction  # noqa: E402
from kgbuild.report import report_tables, write_report  # noqa: E402
from kgbuild.report.figures import charts  # noqa: E402

CHROMIUM = os.environ.get("KGBUILD_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KGBUILD_CHROMEDRIVER", "/usr/bin/chromedriver")
FIXTURES = Path(__file__).parent / "fixtures" / "graph"

pytestmark = pytest.mark.skipif(
    not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
    reason=f"headless browser tests need Chromium at {CHROMIUM} and chromedriver at {CHROMEDRIVER} "
           "(apt-get install chromium chromium-driver, or set KGBUILD_CHROMIUM / KGBUILD_CHROMEDRIVER)")


def chrome_options(profile_dir: str) -> Options:
    """Headless Chromium that makes no network requests of its own."""
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", f"--user-data-dir={profile_dir}", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


@pytest.fixture(scope="module")
def graph(small_lexicon):
    with (FIXTURES / "small_extractions.jsonl").open(encoding="utf-8") as f:
        records = [Extraction.model_validate_json(line) for line in f if line.strip()]
    return build_graph(records, lexicon=small_lexicon)


@pytest.fixture(scope="module")
def driver(graph, tmp_path_factory):
    report = write_report(graph, tmp_path_factory.mktemp("report") / "report.html")
    with tempfile.TemporaryDirectory() as profile:
        browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=chrome_options(profile))
        try:
            browser.get(report.resolve().as_uri())
            WebDriverWait(browser, 20).until(lambda d: d.execute_script("return window.__reportReady === true"))
            yield browser
        finally:
            browser.quit()


def _visible_rows(driver) -> int:
    return len([r for r in driver.find_elements(By.CSS_SELECTOR, "#claims-table tbody tr") if r.is_displayed()])


def _type_filter(driver, text: str) -> None:
    box = driver.find_element(By.ID, "claims-filter")
    box.clear()
    if text:
        box.send_keys(text)
    else:   # clear() fires no input event
        driver.execute_script("arguments[0].dispatchEvent(new Event('input'))", box)


def test_page_loads_offline_without_console_errors(driver):
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat([document.location.href])")
    assert all(not r.startswith(("http:", "https:")) for r in resources), resources


@pytest.mark.parametrize("chart", [
    "speedups-by-vendor", "speedups-by-method", "top-methods", "hardware-over-time", "families-by-dataset"])
def test_each_chart_draws_as_many_marks_as_its_data_has_rows(driver, graph, chart):
    expected = {c.name: c.marks for c in charts(report_tables(graph))}[chart]
    marks = driver.find_elements(By.CSS_SELECTOR, f"#chart-{chart} svg .mark-point")
    assert len(marks) == expected > 0
    assert all(m.get_attribute("class") == "mark-point" for m in marks)
    assert marks[0].find_element(By.TAG_NAME, "title").get_attribute("textContent")


def test_typing_in_the_filter_shows_the_matching_claims(driver, graph):
    kg = KnowledgeGraph(graph)
    total = len(kg.speedups())
    assert _visible_rows(driver) == total == 9
    _type_filter(driver, "AMD")
    assert _visible_rows(driver) == len(kg.speedups(vendor="AMD")) == 4
    assert driver.find_element(By.ID, "claims-count").get_attribute("data-shown") == "4"
    _type_filter(driver, "mi300x LATENCY")                 # every word, any case
    assert _visible_rows(driver) == len([r for r in kg.speedups(hardware="MI300X") if r["metric"] == "latency"]) == 1
    _type_filter(driver, "no such claim")
    assert _visible_rows(driver) == 0
    _type_filter(driver, "")
    assert _visible_rows(driver) == total


def test_clicking_a_column_header_sorts_the_claims(driver, graph):
    values = sorted(graph.nodes[n]["value"] for n, lab in graph.nodes(data="label") if lab == "SpeedupClaim")
    header = driver.find_element(By.CSS_SELECTOR, '#claims-table th[data-key="value"] button')
    column = lambda: [float(td.get_attribute("data-sort"))  # noqa: E731
                      for td in driver.find_elements(By.CSS_SELECTOR, "#claims-table tbody td.num")]
    header.click()
    assert column() == values
    header.click()
    assert column() == values[::-1]


def test_clicking_a_hardware_node_lists_its_papers_and_claims(driver, graph):
    node = "hardware:mi300x"
    papers = {s.split(":", 1)[1] for s, _, k in graph.in_edges(node, keys=True) if k in ("MENTIONS", "PROPOSES")}
    claims = {s for s, _, k in graph.in_edges(node, keys=True) if k == "MEASURED_ON"}
    driver.find_element(By.CSS_SELECTOR, f'#explorer-svg circle[data-id="{node}"]').click()
    panel = driver.find_element(By.ID, "explorer-panel")
    assert panel.get_attribute("data-node") == node
    assert panel.find_element(By.TAG_NAME, "h3").text == "MI300X"
    listed = {li.get_attribute("data-paper") for li in panel.find_elements(By.CSS_SELECTOR, "li.panel-paper")}
    assert listed == papers == {"974dc559d0"}
    assert {li.get_attribute("data-claim") for li in panel.find_elements(By.CSS_SELECTOR, "li.panel-claim")} == claims
    assert "Wavefront-Aware Attention Kernels for AMD Instinct GPUs" in panel.text


def test_explorer_filters_by_node_type_and_vendor(driver, graph):
    def shown(label=None):
        css = "#explorer-svg circle.explorer-node" + (f'[data-label="{label}"]' if label else "")
        return [c.get_attribute("data-id") for c in driver.find_elements(By.CSS_SELECTOR, css) if c.is_displayed()]

    hardware = sorted(n for n, lab in graph.nodes(data="label") if lab == "Hardware")
    assert sorted(shown("Hardware")) == hardware
    box = driver.find_element(By.CSS_SELECTOR, '#explorer-types input[data-label="Hardware"]')
    box.click()
    assert shown("Hardware") == [] and shown("Method")
    box.click()
    vendor = Select(driver.find_element(By.ID, "explorer-vendor"))
    vendor.select_by_visible_text("AMD")
    amd = sorted(t for t in hardware if any(k == "MADE_BY" and d == "vendor:amd"
                                            for _, d, k in graph.out_edges(t, keys=True)))
    assert sorted(shown("Hardware")) == amd == ["hardware:mi210", "hardware:mi250x", "hardware:mi300x"]
    assert "vendor:nvidia" not in shown()
    vendor.select_by_index(0)
    assert sorted(shown("Hardware")) == hardware


def test_screenshot_is_not_blank(driver, tmp_path):
    path = tmp_path / "report.png"
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.save_screenshot(str(path))
    width, height, pixels = read_png_rows(path.read_bytes(), max_rows=500)
    assert width >= 800 and height >= 500
    colours = {row[i:i + 3] for row in pixels for i in range(0, len(row), 12)}
    assert len(colours) > 20                                # text, cards, chart marks: not one flat colour


def read_png_rows(data: bytes, max_rows: int | None = None) -> tuple[int, int, list[bytes]]:
    """Width, height and the first ``max_rows`` unfiltered RGBA/RGB rows of an 8-bit non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(idat)
    rows, previous = [], bytearray(stride)
    for y in range(min(height, max_rows or height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows
