"""Bolt listeners: parse the payload, call a Service use case, render with bot.slack.blocks."""
