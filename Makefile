# Everyday commands. Each one sets up .venv first if it is missing or out of date.
#   make site     build the student edition into site/ (runs stale generators)
#   make serve    live preview, instructor edition, http://127.0.0.1:8000/
#   make deploy   publish the student edition to GitHub Pages (gh-pages branch)
#   make email    one offline HTML file per lecture in dist/email/ (instructor: dist/email-instructor/);
#                 COURSE=1 adds course.html, within COURSE_BUDGET_MB (default 12)
#   make figures  every chart as SVG and 300-DPI PNG in dist/figures/
#   make test     all tests, browser tests included (installs Debian chromium if missing)
#   make test-fast  the tests without a browser and without slow builds, in parallel
#   make lecture NAME=x  a new lecture's skeleton (model, generator, params, pages, test)
#   make bench    build-time, page-weight, browser and model-quality benchmarks
# EDITION=student|instructor overrides the edition of any target.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: site serve deploy email figures test test-fast bench lint lecture generators clean chromium pdftotext java

$(STAMP): requirements.lock package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@# Node renders the pages' math (KaTeX, pages/math.py) and serves plotly's small bundle.
	@if ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's nodejs and npm (the build renders math with KaTeX)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else \
	    echo "The build needs Node.js 18+ and npm (math is rendered with KaTeX). Install them with"; \
	    echo "  sudo apt-get install nodejs npm   (Debian/Ubuntu), brew install node (macOS),"; \
	    echo "  or the installer from https://nodejs.org (Windows); then run make again."; exit 1; \
	  fi; \
	fi
	npm ci --silent --no-audit --no-fund --ignore-scripts
	@touch $(STAMP)

# Skipped in well under a second when no input of the site changed (pages/site_stamp.py).
site: $(STAMP)
	@$(BIN)/python -m pages.site_stamp --build

serve: $(STAMP)
	$(BIN)/mkdocs serve --livereload

generators: $(STAMP)
	$(BIN)/python -m generators

deploy: $(STAMP)
	EDITION=student $(BIN)/mkdocs gh-deploy --force --no-history $(DEPLOY_FLAGS)

email: $(STAMP)
	$(BIN)/python -m exports.email $(if $(COURSE),--course) $(if $(COURSE_BUDGET_MB),--course-budget-mb $(COURSE_BUDGET_MB))

figures: $(STAMP) chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m exports.figures

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "Browser tests need Chromium at $(CHROMIUM). Install it with: sudo apt-get install chromium"; \
	    echo "(or set CHROMIUM=/path/to/chromium)."; exit 1; \
	  fi; \
	fi

# The print tests read the text of PDFs that Chromium prints.
pdftotext:
	@if ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's poppler-utils (pdftotext) for the print tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else \
	    echo "The print tests need pdftotext. Install it with: sudo apt-get install poppler-utils"; exit 1; \
	  fi; \
	fi

# The HTML validity test runs the Nu Html Checker (npm's vnu-jar) on Java.
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's Java runtime for the HTML validity test (vnu-jar)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	  else \
	    echo "The HTML validity test needs Java. Install it with: sudo apt-get install default-jre-headless"; exit 1; \
	  fi; \
	fi

# Two workers: much of a browser test's time is spent waiting on Chromium or a server.
test: $(STAMP) chromium pdftotext java
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n 2 --dist worksteal --durations=15

# No browser and no slow tests, in parallel (one torch thread per worker): minutes, not tens.
# A test file goes to one worker, so a lecture's generator chain runs once (tests/generators/conftest.py),
# in the order of tests/conftest.py (the longest first), not xdist's (the most tests first).
test-fast: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -m "not browser and not slow" -n 2 --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check engine generators pages exports models hooks.py tests benchmarks
	$(BIN)/mypy

# A new lecture's skeleton: make lecture NAME=optimizers
lecture: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make lecture NAME=optimizers"; exit 2; }
	$(BIN)/python -m generators new $(NAME)

bench: $(STAMP) chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m benchmarks

clean:
	rm -rf site dist
