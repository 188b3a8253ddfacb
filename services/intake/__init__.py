"""Intake: requests, samples, gap-free lab numbers, receipt, the status read model and SLA marks."""
