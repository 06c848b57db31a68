"""costbot: cloud cost answers, budget alerts and approved idle shutdowns for ML teams, in Slack."""

__version__ = "0.1.0"
