"""tykbot: turns Tyk API Gateway errors pasted into Slack (or a terminal) into answers."""

__version__ = "0.1.0"
