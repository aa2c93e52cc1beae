"""Outcomes: a child's pre/post trend per instrument, and the charts that show it."""
