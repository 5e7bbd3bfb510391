"""The Lambda-compatible HTTP API (``/2015-03-31/functions/...``), authenticated with SigV4."""
