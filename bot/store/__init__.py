"""The store: the only place that talks SQL."""
