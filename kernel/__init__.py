"""Shared kernel: settings, database base, audit chain, gRPC bootstrap, small helpers."""
