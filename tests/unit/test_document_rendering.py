"""Every document type rendered from its sample data, checked the way a reader (or a court) would see
it: pdftotext holds the required elements, pdffonts shows every font embedded, the XMP metadata declares
PDF/A-3; and the renderer fetches nothing outside the template folder."""
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pypdf
import pytest

from caseflow.config import PROJECT_ROOT
from caseflow.documents.catalogue import load_catalogue
from caseflow.documents.context import sample_context
from caseflow.documents.rendering import Renderer

ROOT = PROJECT_ROOT / "document_templates"
CATALOGUE = load_catalogue(ROOT)
# decisions and measures the party may challenge carry the remedy notice (行政复议法 第二十条、第二十四条)
DECISIONS = ("penalty_decision", "no_penalty_decision", "onsite_decision", "preservation_decision",
             "sealing_decision", "correction_order")


def squash(text: str) -> str:
    return "".join(text.split())


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def renderer():
    return Renderer(ROOT, "http://caseflow.test")


@pytest.fixture(scope="module")
def samples(renderer, tmp_path_factory):
    out = tmp_path_factory.mktemp("samples")
    rendered = {}
    for t in CATALOGUE:
        ctx = sample_context(CATALOGUE, t.key, renderer)
        path = out / f"{t.key}.pdf"
        path.write_bytes(renderer.pdf(renderer.html(t.key, ctx)))
        rendered[t.key] = (path, ctx)
    return rendered


@pytest.mark.parametrize("key", sorted(CATALOGUE.types))
def test_sample_holds_the_common_elements(samples, key):
    path, ctx = samples[key]
    text = squash(pdftotext(path))
    doc_type = CATALOGUE[key]
    # a file cover prints the file's own heading (行政处罚案卷), not the form's name
    printed = {"file_cover": "行政处罚案卷", "investigation_status_notice": "调查通知书"}  # the heading chosen
    assert squash(doc_type.title) in text or printed.get(key, "—") in text
    if ctx["doc"]["number"]:
        assert squash(ctx["doc"]["number"]) in text
    assert ctx["doc"]["verification_code"] in text
    if doc_type.kind in ("external", "record") and key not in ("settlement_suspension_notice",):
        assert ctx["party"]["name"] in text, "party"
    if key in DECISIONS:
        assert "60日" in text and "6个月" in text or key == "onsite_decision" and "60日" in text
        assert ctx["org"]["reconsideration_body"] in text
    if doc_type.external:
        assert ctx["org"]["name"] in text


@pytest.mark.parametrize("key", sorted(CATALOGUE.types))
def test_sample_embeds_every_font_and_declares_pdf_a3(samples, key):
    path, _ = samples[key]
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts, "no fonts"
    for row in fonts:
        cols = row.split()
        assert cols[-5] == "yes", row  # emb
    reader = pypdf.PdfReader(str(path))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8", "replace")
    assert "pdfaid:part" in xmp and ("pdfaid:part>3<" in xmp or 'pdfaid:part="3"' in xmp)


def test_penalty_decision_states_amounts_apart_and_the_remedies(samples):
    path, ctx = samples["penalty_decision"]
    text = squash(pdftotext(path))
    assert "退回医疗保障基金38,000.00元" in text and "处罚款76,000.00元" in text
    assert "医疗保障基金财政专户" in text and "国库" in text
    assert "百分之三" in text
    assert "汕尾市城区人民政府申请行政复议" in text and "6个月内" in text and "汕尾市城区人民法院" in text
    assert "本决定不停止执行" in text


def test_multi_page_records_are_numbered_page_x_of_y(samples):
    text = pdftotext(samples["penalty_decision"][0])
    pages = text.count("\f")
    assert pages >= 2
    body = squash(text)
    assert "第1页" in body and f"第{pages}页" in body and f"共{pages}页" in body


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_the_renderer_fetches_nothing_outside_the_template_folder(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "_shared", root / "_shared")
    (root / "_shared" / "fonts").mkdir(exist_ok=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-OUTSIDE", encoding="utf-8")
    (root / "local.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    renderer = Renderer(root, "http://caseflow.test")
    html = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">
      <link rel="stylesheet" href="https://127.0.0.1:{port}/evil-tls.css">
      <style>@import url("file://{secret}"); body {{ background: url("http://127.0.0.1:{port}/bg.png") }}</style>
      </head><body><p>正文</p>
      <img src="http://127.0.0.1:{port}/pixel.png"><img src="file://{secret}"><img src="file:///etc/passwd">
      <iframe src="file://{secret}"></iframe><object data="file://{secret}"></object>
      <img src="local.svg">
      <p>{'&lt;img src="file://' + str(secret) + '"&gt;'}</p></body></html>"""
    pdf = renderer.pdf(html)
    server.shutdown()
    assert _Recorder.hits == []
    out = tmp_path / "out.pdf"
    out.write_bytes(pdf)
    text = pdftotext(out)
    assert "TOPSECRET-OUTSIDE" not in text and "root:x:0:0" not in text
    refused = " ".join(renderer.fetcher.refused)
    assert f"127.0.0.1:{port}/evil.css" in refused and "https://" in refused and str(secret) in refused
    assert "local.svg" not in refused  # files under the template folder are served


def test_a_data_value_cannot_inject_markup(renderer, tmp_path):
    ctx = sample_context(CATALOGUE, "penalty_decision", renderer)
    ctx["f"]["facts"] = '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="file:///etc/passwd">'
    html = renderer.html("penalty_decision", ctx)
    assert "<img src=\"http://127.0.0.1:9" not in html and "&lt;img" in html
    before = len(renderer.fetcher.refused)
    out = tmp_path / "x.pdf"
    out.write_bytes(renderer.pdf(html))
    assert len(renderer.fetcher.refused) == before
    assert "<img" in pdftotext(out)  # shown as text, not loaded
