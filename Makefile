# The two commands a newcomer needs: `make demo` (set up, build the graph of the bundled sample corpus)
# and `make test` (set up, run the tests). Both install what they need first.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
OUT ?= kg-out

.PHONY: demo test install install-test browser

install:
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q -e ".[test]"

# Debian's Chromium and ChromeDriver for the report's browser tests.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi

demo: install
	kgbuild build --sample --out $(OUT)

test: install-test browser
	$(PYTHON) -m pytest -q -n 2 -p no:cacheprovider
