"""Project-level views: the health check and the error pages."""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def health(request):
    """For load balancers and monitors: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database is unavailable")
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """The 500 handler: a plain 503 page when the database cannot be reached, else the plain 500 page.

    Rendered without a request context: the user and session may need the database that failed.
    """
    error = sys.exc_info()[1]
    # Only a database that cannot be reached is an outage; refused data (DataError, IntegrityError) is a bug.
    if isinstance(error, OperationalError | InterfaceError):
        return HttpResponse(loader.render_to_string("503.html"), status=503, headers={"Retry-After": "30"})
    return HttpResponse(loader.render_to_string("500.html"), status=500)
