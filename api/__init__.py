"""The Flask HTTP API over the :mod:`audit` library (see the API issue)."""
