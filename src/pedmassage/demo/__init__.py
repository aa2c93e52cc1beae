"""A living demo program: synthetic children, screenings and sessions, reproducible from a seed."""
