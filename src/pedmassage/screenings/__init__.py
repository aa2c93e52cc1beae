"""Stored screenings: the spine's second box.

A screening keeps its whole input and result with the rule and policy versions, so a past decision
can be reproduced and explained. ``reliance.py`` holds the one answer to "may this care rest on
this screening, at this time"; sessions, home programs, the web app and the CLI all ask it.
"""
