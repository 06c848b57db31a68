"""Shared cost: rules that split cost no single tag owns among the projects (or teams) that
use it, evenly, in proportion to their own cost, by fixed weights or by measured usage."""
