import base64
import io

from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from py_vapid import Vapid


def test_make_vapid_keys_prints_a_pair_that_pywebpush_can_sign_with():
    out = io.StringIO()
    call_command("make_vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    vapid = Vapid.from_string(lines["DJANGO_VAPID_PRIVATE_KEY"])
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert base64.urlsafe_b64encode(public).rstrip(b"=").decode() == lines["DJANGO_VAPID_PUBLIC_KEY"]
    headers = vapid.sign({"sub": "mailto:test@example.org", "aud": "https://push.example.net"})
    assert headers["Authorization"].startswith("vapid t=")
