"""Document rendering figures (issue 4): cold and warm render time (median, p95) and peak memory for the
penalty decision, the prior notice and the inquiry record; the same HTML rendered by bare WeasyPrint as
the reference; a long-running worker's peak memory over many renders; issuing throughput (number,
snapshot, render, store, audit) on a throwaway SQLite database.

Usage: .venv/bin/python bench/documents.py [--warm N] [--worker N] [--issue N]
Prints figures; asserts nothing.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KEYS = ("penalty_decision", "prior_notice", "inquiry_record")


def p95(values):
    values = sorted(values)
    return values[max(0, int(round(0.95 * len(values))) - 1)]


def ms(value):
    return f"{value * 1000:7.1f} ms"


def cold_render(key: str) -> float:
    """A fresh process: import, fonts, stylesheet, one render (what a one-off CLI call pays)."""
    code = (f"import time; t=time.perf_counter(); from caseflow.documents.rendering import Renderer;"
            f"from caseflow.documents.catalogue import load_catalogue; from caseflow.documents.context import sample_context;"
            f"from pathlib import Path; root=Path({str(ROOT / 'document_templates')!r}); c=load_catalogue(root);"
            f"r=Renderer(root,'http://x'); r.pdf(r.html({key!r}, sample_context(c,{key!r},r)));"
            f"print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def worker_only(count: int):
    """A worker process that only renders: its peak resident memory is the worker's, nothing else's."""
    from caseflow.documents.catalogue import load_catalogue
    from caseflow.documents.context import sample_context
    from caseflow.documents.rendering import Renderer
    root = ROOT / "document_templates"
    catalogue = load_catalogue(root)
    renderer = Renderer(root, "http://127.0.0.1:5000")
    htmls = [renderer.html(k, sample_context(catalogue, k, renderer)) for k in KEYS]
    renderer.pdf(htmls[0])
    after_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    for i in range(count):
        renderer.pdf(htmls[i % len(htmls)])
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB over {count} renders (after the first render {after_first:.0f} MB); "
          f"{count / elapsed:.1f} renders/s")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--worker-only":
        return worker_only(int(sys.argv[2]))
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=20, help="warm renders per document")
    parser.add_argument("--worker", type=int, default=200, help="renders in the long-running worker test")
    parser.add_argument("--issue", type=int, default=30, help="documents issued in the throughput test")
    args = parser.parse_args()

    from weasyprint import HTML

    from caseflow.documents.catalogue import load_catalogue
    from caseflow.documents.context import sample_context
    from caseflow.documents.rendering import Renderer
    root = ROOT / "document_templates"
    catalogue = load_catalogue(root)
    renderer = Renderer(root, "http://127.0.0.1:5000")

    print("== cold render (fresh process, 3 runs each, median)")
    for key in KEYS:
        runs = [cold_render(key) for _ in range(3)]
        print(f"{key:18s} {ms(statistics.median(runs))}")

    print(f"== warm render ({args.warm} runs each) vs bare WeasyPrint on the same HTML")
    css_html = None
    for key in KEYS:
        html = renderer.html(key, sample_context(catalogue, key, renderer))
        renderer.pdf(html)  # warm-up
        ours = []
        for _ in range(args.warm):
            t = time.perf_counter()
            renderer.pdf(html)
            ours.append(time.perf_counter() - t)
        # bare WeasyPrint: the stylesheet inline in the HTML, default fetcher and fonts, no PDF/A variant
        css_html = renderer.html(key, sample_context(catalogue, key, renderer), screen=True)
        HTML(string=css_html, base_url=str(root)).write_pdf()
        bare = []
        for _ in range(args.warm):
            t = time.perf_counter()
            HTML(string=css_html, base_url=str(root)).write_pdf()
            bare.append(time.perf_counter() - t)
        ratio = statistics.median(ours) / statistics.median(bare)
        print(f"{key:18s} ours median {ms(statistics.median(ours))} p95 {ms(p95(ours))} | "
              f"bare median {ms(statistics.median(bare))} p95 {ms(p95(bare))} | ratio {ratio:.2f}x")

    print(f"== long-running worker: {args.worker} renders (the three documents in turn), in a fresh process")
    out = subprocess.run([sys.executable, __file__, "--worker-only", str(args.worker)], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    print(out.stdout.strip())

    print(f"== issuing throughput ({args.issue} penalty decisions: number, snapshot, render, store, audit)")
    issuing(args.issue)


def issuing(count: int):
    from flask_migrate import upgrade

    from caseflow import create_app
    from caseflow.documents import services as documents
    from caseflow.extensions import db
    folder = Path(tempfile.mkdtemp(prefix="caseflow-bench-docs-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}", "INSTANCE_DIR": str(folder),
                      "SECRET_KEY": "bench", "STORAGE_DIR": str(folder / "storage"), "RENDER_ON_ISSUE": True})
    with app.app_context():
        upgrade()
        from caseflow.demo import build_world, parties
        from tests.integration.procedure_helpers import decided_case
        people = build_world(password_hash="x")
        case = decided_case(people, parties()[0])
        sample = documents.catalogue().sample("penalty_decision")["fields"]
        ids = []
        for _ in range(count):
            d = documents.create_draft_in_transaction(case, "penalty_decision", people["officer"])
            d.data = sample
            db.session.commit()
            ids.append(d.id)
        t = time.perf_counter()
        for doc_id in ids:
            doc = db.session.get(documents.Document, doc_id)
            documents.issue(doc_id, doc.version, people["officer"])
        elapsed = time.perf_counter() - t
        print(f"{count} issued in {elapsed:.1f} s: {count / elapsed:.2f} documents/s, "
              f"{elapsed / count * 1000:.0f} ms each")
        print(json.dumps({"storage_objects": sum(1 for _ in (folder / "storage").rglob("*") if _.is_file())}))


if __name__ == "__main__":
    main()
