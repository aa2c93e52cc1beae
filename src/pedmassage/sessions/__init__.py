"""Screenings, consent and assent, session records and their pre/post measures."""
