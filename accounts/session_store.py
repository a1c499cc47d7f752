"""Django's database sessions, read with SQL compiled once per process.

Every request reads its session: the ORM would compile the same SELECT each time, which costs
more Python than PostgreSQL spends answering it. Everything else (saving, cycling the key at
login, deleting, ``clearsessions``) is Django's own ``db`` backend, on the same table.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from monitoring.prepared import Prepared

LIVE_SESSION = Prepared(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now)[:1],
    kinds=("text", "datetime"),
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        try:
            if self.get_model_class() is not Session:  # a subclass's own model: Django's way
                return super()._get_session_from_db()
            found = LIVE_SESSION(self.session_key, timezone.now(), using=self.model.objects.db)
            if not found:
                raise Session.DoesNotExist
            return found[0]
        except (Session.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
                logger.warning(str(error))
            self._session_key = None
            return None
