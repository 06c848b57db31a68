"""The Slack edge: parse a request, call a service, build Block Kit."""
