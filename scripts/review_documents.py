"""Review aid (not a test): render every document type's sample and write a PNG of its first page, so a
reviewer can look through the whole set at once.

Usage: .venv/bin/python scripts/review_documents.py OUTDIR
Writes OUTDIR/<key>.pdf and OUTDIR/<key>.png (pdftoppm, 60 dpi) and an index.html showing them all.
"""
import html
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from caseflow.documents.catalogue import load_catalogue  # noqa: E402
from caseflow.documents.context import sample_context  # noqa: E402
from caseflow.documents.rendering import Renderer  # noqa: E402


def main(outdir: Path):
    outdir.mkdir(parents=True, exist_ok=True)
    root = ROOT / "document_templates"
    catalogue = load_catalogue(root)
    renderer = Renderer(root, "http://127.0.0.1:5000")
    cells = []
    for t in catalogue:
        pdf = outdir / f"{t.key}.pdf"
        pdf.write_bytes(renderer.pdf(renderer.html(t.key, sample_context(catalogue, t.key, renderer))))
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(outdir / t.key)], check=True)
        cells.append(f'<figure><img src="{t.key}.png" width="300"><figcaption>{html.escape(t.code)} '
                     f'{html.escape(t.title)}</figcaption></figure>')
        print(f"{t.code} {t.key}: {outdir / (t.key + '.png')}")
    (outdir / "index.html").write_text("<!doctype html><meta charset=utf-8><style>figure{display:inline-block;"
                                       "margin:8px}</style>" + "".join(cells), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
