"""What both HTTP edges share: the request's unit of work and clock (``scope.py``), who is asking
(``actor.py``), the policy declaration every route carries (``guard.py``) with the resources it
is about (``targets.py``), and the security headers (``headers.py``).

The API and the web pages both take these from here, so neither edge imports the other.
"""

from pedmassage.http.actor import ActorDep
from pedmassage.http.guard import allow
from pedmassage.http.scope import NowDep, SessionDep

__all__ = ["ActorDep", "NowDep", "SessionDep", "allow"]
