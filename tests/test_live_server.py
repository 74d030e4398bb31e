"""The browser tests' live server answers one request at a time (tests/conftest.py)."""

import threading
import urllib.request

from django.http import HttpResponse
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

from tests.conftest import OneRequestAtATimeServer


def test_the_live_server_is_the_one_that_answers_one_request_at_a_time():
    assert LiveServerThread.server_class is OneRequestAtATimeServer


def test_two_requests_at_once_are_answered_one_after_the_other():
    inside, most_inside, first_arrived = 0, 0, threading.Event()
    count = threading.Lock()

    def app(environ, start_response):
        nonlocal inside, most_inside
        with count:
            inside += 1
            most_inside = max(most_inside, inside)
        first_arrived.set()
        threading.Event().wait(0.2)  # long enough for the second request to arrive while the first is answered
        with count:
            inside -= 1
        response = HttpResponse("ok")
        start_response("200 OK", list(response.items()))
        return [response.content]

    server = OneRequestAtATimeServer(("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=False)
    server.set_app(app)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        bodies = []
        second = threading.Thread(target=lambda: bodies.append(urllib.request.urlopen(url, timeout=30).read()))
        first = threading.Thread(target=lambda: bodies.append(urllib.request.urlopen(url, timeout=30).read()))
        first.start()
        first_arrived.wait(30)
        second.start()
        first.join(30)
        second.join(30)
    finally:
        server.shutdown()
        server.server_close()
    assert bodies == [b"ok", b"ok"]
    assert most_inside == 1
