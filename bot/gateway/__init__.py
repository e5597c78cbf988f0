"""Read-only checks against a live Tyk Gateway's API: settings, the client and the checks."""
