# The app as one HTML file that works opened from disk, and the release folder.
#
#   make dist-single   dist-single/segment-backfill.html: the page, its styles, the
#                      JS glue, the three wasm modules (page, worker, tables) in
#                      base64 and the worker started from a blob: URL; built from
#                      dist/ by mk/single-html.mjs
#   make test-single   that file opened from file:// in Chromium (Playwright),
#                      Firefox (WebDriver BiDi, puppeteer-core) and WebKitGTK
#                      (WebKitWebDriver under xvfb): pick, map, check, send to
#                      the local receiver, resume after a reload; a workbook,
#                      a Parquet file and two files checked (the CLI's
#                      counts); in WebKit the files cross as bytes,
#                      transferred; in Chromium, every request is file:,
#                      blob:, data: or the endpoint
#                      (SINGLE_BROWSERS=chromium,firefox,webkit picks some)
#   make release       release/: the single file, dist/ as a .tar.gz, the npm
#                      tarball, the CLI for this platform and SHA256SUMS
#   make tools-firefox, make tools-webkit   install the browsers when missing

SINGLE_HTML := dist-single/segment-backfill.html
SINGLE_BROWSERS ?= chromium,firefox,webkit
RELEASE_DIR := release

.PHONY: dist-single test-single release tools-firefox tools-webkit

dist-single: dist
	node mk/single-html.mjs dist $(SINGLE_HTML)

tools-firefox:
	@if ! command -v firefox-esr >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr; fi

tools-webkit:
	@if ! { command -v WebKitWebDriver && command -v xvfb-run; } >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq webkit2gtk-driver xvfb; fi

test-single: dist-single cli fixtures-tables tools-npm tools-chromium tools-firefox tools-webkit
	SINGLE_HTML=$(SINGLE_HTML) SINGLE_BROWSERS=$(SINGLE_BROWSERS) CLI=$(CLI) node tests/e2e/single.test.mjs

EXTRA_TESTS += test-single

# Everything a user downloads, in one folder, with a SHA-256 list:
#   cd release && sha256sum -c SHA256SUMS
release: dist-single pkg cli
	rm -rf $(RELEASE_DIR)
	mkdir -p $(RELEASE_DIR)
	cp $(SINGLE_HTML) $(RELEASE_DIR)/
	tar -czf $(RELEASE_DIR)/segment-backfill-dist.tar.gz --sort=name --owner=0 --group=0 --numeric-owner dist
	cd $(RELEASE_DIR) && npm pack --silent ../$(PKG_DIR) >/dev/null
	cp $(CLI) $(RELEASE_DIR)/segment-backfill-$$(rustc -vV | sed -n 's/^host: //p')
	cd $(RELEASE_DIR) && sha256sum -- * > SHA256SUMS
	@cd $(RELEASE_DIR) && ls -l && cat SHA256SUMS
