"""The LIMS services, one package each (DESIGN §3)."""
