"""Deployment: the local launcher (embedded default) and production manifests."""
