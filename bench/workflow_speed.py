"""Measure how long the engine takes to fire transitions and to list available actions.

Usage: .venv/bin/python bench/workflow_speed.py [--cases N] [--database-url URL]
Prints figures; asserts nothing. Uses a throwaway SQLite file unless a database URL is given
(which must point at an empty, migrated-or-migratable database).
"""
import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from flask_migrate import upgrade

from caseflow import create_app
from caseflow.cases import services as cases
from caseflow.demo import ACTORS, GENERAL_PENALTY_PATH, WAIT, build_world, parties, step_data
from caseflow.extensions import db
from caseflow.workflow import engine


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="caseflow-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(folder), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        people = build_world()
        party = parties()[0]
        fire_ms, available_ms = [], []
        started = time.perf_counter()
        for i in range(args.cases):
            today = date(2025, 3, 3)
            case = cases.register_clue(people["officer"], source="complaint", received_on=today, summary="bench",
                                       party_id=party.id, on=today)
            for trigger in GENERAL_PENALTY_PATH:
                today = date.fromordinal(today.toordinal() + WAIT.get(trigger, 1))
                actor = people[ACTORS.get(trigger, "officer")]
                t0 = time.perf_counter()
                engine.available(case, actor, today)
                available_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                case = engine.fire(case.id, trigger, case.version, step_data(trigger, today, people), actor, today=today)
                fire_ms.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - started
        backend = db.engine.dialect.name
    print(f"backend: {backend}; cases: {args.cases}; transitions fired: {len(fire_ms)}")
    for label, values in (("fire", fire_ms), ("available", available_ms)):
        values.sort()
        print(f"{label:>9}: median {statistics.median(values):.1f} ms, p95 {values[int(len(values) * .95)]:.1f} ms, "
              f"max {values[-1]:.1f} ms")
    print(f"whole procedures (clue → archive): {total / args.cases * 1000:.0f} ms per case")


if __name__ == "__main__":
    main()
