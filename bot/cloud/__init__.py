"""Actions out to clouds (stopping idle instances)."""
