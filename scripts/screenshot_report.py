"""Make docs/report-screenshot.png: the HTML report of the bundled sample corpus, as headless Chromium shows it.

    python scripts/screenshot_report.py                         # sample corpus -> docs/report-screenshot.png
    python scripts/screenshot_report.py PAPERS... --html out/report.html --full
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", help="papers to read (default: kgbuild.readers.sample_path())")
    parser.add_argument("-o", "--output", default=str(REPO / "docs" / "report-screenshot.png"))
    parser.add_argument("--html", help="also keep the report here (default: a temporary file)")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1800, help="viewport height, ignored with --full")
    parser.add_argument("--full", action="store_true", help="capture the whole page")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args(argv)

    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    from kgbuild.extract import extract
    from kgbuild.graph import build_graph
    from kgbuild.readers import read_papers, sample_path
    from kgbuild.report import write_report

    papers = read_papers(args.inputs or [sample_path()], on_error="skip")
    graph = build_graph(extract(papers))
    with tempfile.TemporaryDirectory() as tmp:
        html = write_report(graph, args.html or Path(tmp) / "report.html")
        options = Options()
        options.binary_location = args.chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={tmp}/profile", "--hide-scrollbars",
                    f"--window-size={args.width},{args.height}"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
        try:
            driver.get(html.resolve().as_uri())
            WebDriverWait(driver, 60).until(lambda d: d.execute_script("return window.__reportReady === true"))
            if args.full:
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(args.width, height)
            out = Path(args.output)
            out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
    print(f"{out} ({out.stat().st_size // 1024} KB) from {html if args.html else 'a temporary report'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
