"""Markdown tables from bench/results/*.json: `python bench/report.py FILE` (one run) or `--scaling FILE...`."""

import argparse
import json
from pathlib import Path


def run_table(report: dict) -> str:
    rows = [
        "| target | req/s | x hello | p50 ms | p95 ms | p99 ms | server CPU ms/req | CPU x hello | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in report["targets"]:
        if "rps" not in t:
            rows.append(f"| {t['name']} | skipped: {t['skipped']} | | | | | | | |")
            continue
        cpu = f"{t['server_cpu_ms_per_request']:.2f}"
        if "postgres_cpu_ms_per_request" in t:
            cpu += f" (+{t['postgres_cpu_ms_per_request']:.2f} PostgreSQL)"
        rows.append(
            f"| {t['name']} | {t['rps']:.1f} | {t.get('ratio_rps_to_hello', 1):.3f} | {t['p50_us'] / 1000:.1f} | "
            f"{t['p95_us'] / 1000:.1f} | {t['p99_us'] / 1000:.1f} | {cpu} | {t.get('ratio_cpu_to_hello', 1):.0f} | "
            f"{sum(t['errors'].values())} |"
        )
    return "\n".join(rows)


def scaling_table(reports: list[dict]) -> str:
    names = [t["name"] for t in reports[0]["targets"] if "rps" in t]
    head = " | ".join(f"{r['database']} {r['data']['patients']} x {r['data']['days']}" for r in reports)
    rows = [f"| target | {head} |", "|---|" + "---:|" * len(reports)]
    for name in names:
        cells = []
        for report in reports:
            t = next((t for t in report["targets"] if t["name"] == name and "rps" in t), None)
            cells.append(f"{t['server_cpu_ms_per_request']:.1f}" if t else "-")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--scaling", action="store_true")
    args = parser.parse_args()
    reports = [json.loads(f.read_text()) for f in args.files]
    print(scaling_table(reports) if args.scaling else "\n\n".join(run_table(r) for r in reports))


if __name__ == "__main__":
    main()
