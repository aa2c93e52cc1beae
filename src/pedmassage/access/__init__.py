"""Who may see what: sites, users and their roles, guardian links, tokens, login sessions, the
one authorization policy (``policy.py``) and password hashing (``passwords.py``)."""
