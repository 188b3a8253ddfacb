"""Reporting service: certificates of analysis, report numbers, PDF rendering."""
