"""The embedded default: every part on one machine."""
