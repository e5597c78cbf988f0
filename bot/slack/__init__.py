"""The Slack app: Bolt listeners over bot.service, served by `tykbot serve`."""
