"""The public REST API v1 (DESIGN §6), one module per resource; app.py mounts them."""
