"""Browser tests: headless Chromium (Debian's package) driven by Playwright against the real stack."""
