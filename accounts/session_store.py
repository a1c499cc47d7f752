"""Django's database sessions, read with SQL compiled once per process.

Every request reads its session: the ORM would compile the same SELECT each time, which costs
more Python than PostgreSQL spends answering it. Everything else (saving, cycling the key at
login, deleting, ``clearsessions``) is Django's own ``db`` backend, on the same table.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from monitoring.prepared import Prepared

LIVE_SESSION = Prepared(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now)[:1],
    kinds=("text", "datetime"),
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The live session of this key, or None (the key then forgotten), as Django's."""
        found = LIVE_SESSION(self.session_key, timezone.now(), using=self.model.objects.db)
        if found:
            return found[0]
        self._session_key = None
        return None
