"""Rendering documents: Jinja2 (autoescape, StrictUndefined) fed with plain data, then WeasyPrint to
PDF/A-3b. One FontConfiguration and one parsed stylesheet are reused across renders (architecture:
Documents); the URL fetcher serves only files under document_templates/ — no network, no other file."""
import gc
import hashlib
import logging
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from caseflow.documents import formatting
from caseflow.errors import ConfigurationError

log = logging.getLogger(__name__)

HARFBUZZ_HELP = ("缺少 HarfBuzz 字体子集库（Debian 软件包 libharfbuzz-subset0）：没有它每份文书要渲染约 20 秒。"
                 "请执行 sudo apt-get install libharfbuzz-subset0 后重新启动（make run 会自动安装）。")
GC_EVERY = 8  # renders between explicit collections in a long-lived worker (peak memory, architecture)


def check_harfbuzz():
    """Refuse to render without HarfBuzz subsetting (WeasyPrint silently falls back to fontTools, ~40×
    slower)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        raise ConfigurationError(HARFBUZZ_HELP)


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplateOnlyFetcher(URLFetcher):
        """Serves file: URLs under the template folder; refuses everything else (and records it)."""

        def __init__(self, root: Path):
            super().__init__(allowed_protocols={"file"})
            self.root = root.resolve()
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = None
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
            if path is None or not path.is_relative_to(self.root) or not path.is_file():
                self.refused.append(url)
                log.warning("document renderer refused resource %s", url[:200])
                raise ValueError(f"文书模板只能引用模板目录内的文件：{url[:200]}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    return TemplateOnlyFetcher


class Renderer:
    """One per process: the Jinja environment, the font configuration and the parsed stylesheet."""

    def __init__(self, root: Path, public_url: str):
        check_harfbuzz()
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        self.root = Path(root).resolve()
        self.public_url = public_url.rstrip("/")
        self.env = Environment(loader=FileSystemLoader(str(self.root)), autoescape=select_autoescape(default=True),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(cn_date=formatting.cn_date, money=formatting.money,
                                money_upper=formatting.money_upper, or_blank=formatting.or_blank)
        self.fetcher = _fetcher_class()(self.root)
        self.font_config = FontConfiguration()
        css_files = [self.root / "_shared" / "print.css"]
        local_fonts = self.root / "_shared" / "fonts" / "local.css"
        if local_fonts.is_file():  # a deployment's licensed fonts (仿宋_GB2312, 方正小标宋): see docs
            css_files.append(local_fonts)
        self.css_text = "\n".join(p.read_text(encoding="utf-8") for p in css_files)
        self.stylesheets = [CSS(filename=str(p), font_config=self.font_config, url_fetcher=self.fetcher)
                            for p in css_files]
        self._lock = threading.Lock()
        self._renders = 0

    def verify_url(self, code: str) -> str:
        return f"{self.public_url}/verify/{code}"

    def qr_svg(self, code: str) -> Markup:
        qr = segno.make(self.verify_url(code), error="m")
        return Markup(qr.svg_inline(scale=2, border=0, dark="#000"))

    def html(self, key: str, context: dict, screen: bool = False) -> str:
        """The document as HTML. `screen`: with the stylesheet inline for an on-screen preview."""
        template = self.env.get_template(f"{key}/template.html")
        return template.render(**context, screen_css=Markup(self.css_text) if screen else None)

    def pdf(self, html: str, identifier: str | None = None) -> bytes:
        """HTML → PDF/A-3b with every font embedded and subset."""
        from weasyprint import HTML
        document = HTML(string=html, base_url=self.root.as_uri() + "/", url_fetcher=self.fetcher)
        ident = hashlib.sha256((identifier or html).encode()).hexdigest()[:32].encode()
        with self._lock:  # FontConfiguration is not meant for concurrent use
            data = document.write_pdf(stylesheets=self.stylesheets, font_config=self.font_config,
                                      pdf_variant="pdf/a-3b", pdf_identifier=ident)
            self._renders += 1
            if self._renders % GC_EVERY == 0:
                gc.collect()
        return data


_RENDERERS: dict = {}


def get_renderer(app=None) -> Renderer:
    """The process's renderer for the app's template folder and public address, built on first use
    and shared by every app of the process (fonts and stylesheet are loaded once)."""
    from flask import current_app
    app = app or current_app
    key = (str(Path(app.config["DOCUMENT_TEMPLATES_DIR"]).resolve()), app.config["PUBLIC_URL"])
    with _BUILD_LOCK:
        renderer = _RENDERERS.get(key)
        if renderer is None:
            renderer = _RENDERERS[key] = Renderer(Path(key[0]), key[1])
    return renderer


_BUILD_LOCK = threading.Lock()
