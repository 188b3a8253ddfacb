"""Temporal workflows (the process), their activities (thin gRPC clients) and the worker."""
