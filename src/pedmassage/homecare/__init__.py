"""Parent home programs: a routine prescribed from the planner, the parent's diary, parent
confidence, and flags for the therapist.

- ``models.py``: care team, home programs, session logs, flags and parent measures (tables).
- ``access.py``: the explicit viewer (a parent by guardian id, staff by name) and who may see what.
- ``rules.py``: the diary vocabulary (``diary.yaml``), entry checks and adherence (pure).
- ``routine.py``: the planner's plan as a parent's routine in plain words (pure).
- ``service.py``: the use cases; ``public.py``: their public shapes; ``demo.py``: demo seeding.
- ``parent.py``: what a parent's pages show and do; ``team.py``: what the care team sees of the
  home program on a child's pages. Each page asks one of their functions, once.
"""
