"""Running work in parallel threads against the test database, as several servers would."""

import threading

from django.db import OperationalError, connection


def retrying_on_table_locks(work):
    """Run `work` as another server would. The in-memory SQLite test database answers "table is locked" at once
    where a real database makes the writer wait its turn (SQLite's busy timeout on a file, PostgreSQL's row
    locks), so wait and try again; on PostgreSQL this never retries."""
    while True:
        try:
            return work()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            threading.Event().wait(0.01)


def in_parallel(count: int, work) -> list[Exception]:
    """Start `count` threads that call `work(n)` at the same moment; return the errors they raised."""
    barrier = threading.Barrier(count)
    errors: list[Exception] = []

    def run(n):
        try:
            barrier.wait()
            work(n)
        except Exception as error:  # returned to the test, which asserts there were none
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
