"""Django's database sessions, read through a prepared read (`SESSION_ENGINE = "accounts.sessions"`).

Every signed-in request reads its session row first; the ORM builds and compiles that query anew each time, which
costs more than running it (docs/benchmark.md, "Fifth pass"). The store is Django's own in every other respect:
the same table, the same expiry rule, the same handling of a bad key.
"""

import datetime
import logging

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from prepared import prepared


@prepared
def _live_session(*, session_key: str, now: datetime.datetime):
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        try:
            rows = _live_session(session_key=self.session_key, now=timezone.now())
            if rows:
                return rows[0]
        except SuspiciousOperation as error:  # as Django's store: log it, then treat the key as unknown
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
        self._session_key = None
