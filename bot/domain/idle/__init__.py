"""Idle machines, as pure rules: what proves a machine idle, and what a stop proposal may become."""
