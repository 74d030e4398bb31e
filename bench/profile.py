"""Profile one page in-process with the production settings: `python -m bench.profile TARGET [--requests N]`.

Run with DJANGO_SETTINGS_MODULE=config.settings_bench and BENCH_DB=<a generated bench file> (a copy: the
write targets add rows). Signs in the first generated patient (or dermatologist) as bench/sessions.py does,
sends the target's request N times through Django's test client after one warm-up request, prints the CPU
time per request (`time.process_time`) and the cProfile functions with the most cumulative time
(`--sort tottime`: own time); `--top 0` skips the profile; `--cold` switches both reference cache tiers off,
`--shared` only the per-process one.
"""

import argparse
import cProfile
import os
import pstats
import re
import sys
import time

import django

if "--cold" in sys.argv:  # every request a miss of both reference cache tiers (config.settings_bench)
    os.environ["BENCH_PAGES_CACHE"] = "off"
elif "--shared" in sys.argv:  # the per-process tier off: every request read from the shared tier
    os.environ["BENCH_PAGES_CACHE"] = "shared"

django.setup()

from django.test import Client  # noqa: E402

from bench import sessions  # noqa: E402
from bench.targets import SAVE_REACTION_BODY, TARGETS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", choices=[t.name for t in TARGETS])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--cold", action="store_true", help="with the reference caches off: every request a miss")
    parser.add_argument("--shared", action="store_true", help="with the per-process cache off: read from the shared")
    args = parser.parse_args()
    target = next(t for t in TARGETS if t.name == args.target)

    client = Client(HTTP_HOST="127.0.0.1")
    patient = sessions.patients(1)[0]
    path = target.path.format(today=patient["today"], day=patient["today"], patient_id="{patient_id}")
    if target.who == "patient":
        client.cookies.load(patient["cookie"])
    elif target.who == "dermatologist":
        _, derms = sessions.dermatologists()
        client.cookies.load(derms[0]["cookie"])
        path = path.format(patient_id=derms[0]["patient_ids"][0])
    body = ""
    if target.method == "POST":
        page = client.get("/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        symptom = sessions.Symptom.objects.get(code="burning").pk
        body = SAVE_REACTION_BODY.format(burning=symptom, csrf=csrf)

    def send():
        if target.method == "POST":
            return client.post(path, body, content_type="application/x-www-form-urlencoded")
        return client.get(path)

    first = send()
    print(f"{target.method} {path}: {first.status_code}, {len(first.content)} bytes")
    started = time.process_time()
    for _ in range(args.requests):
        send()
    per_request = (time.process_time() - started) * 1000 / args.requests
    print(f"CPU {per_request:.2f} ms/request over {args.requests} requests (without the profiler)")
    if args.top == 0:
        return
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        send()
    profiler.disable()
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
