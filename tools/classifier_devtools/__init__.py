"""Dev tools: event builders, the digits export and the sls output parser (never deployed)."""
