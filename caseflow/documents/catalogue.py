"""The document catalogue (spec §7.2): one folder per document type under document_templates/, each
with meta.yaml (key, code, title, stage, kind, numbering, template version, fields), template.html and
sample.yaml. Loaded and validated at start-up: a malformed entry stops the app naming the problem."""
from dataclasses import dataclass
from pathlib import Path

import yaml

from caseflow.errors import ConfigurationError

KINDS = {"external": "对外文书（送达当事人）", "internal": "内部文书", "record": "笔录及当事人文书"}
STAGES = ("线索", "立案", "调查", "审核", "告知", "听证", "决定", "送达", "执行", "结案", "归档", "任意")
FIELD_TYPES = {"text", "textarea", "date", "decimal", "integer", "boolean", "choice", "rows"}
DEFAULT_NUMBER_PATTERN = "{prefix}医保{series}〔{year}〕{n}号"
SHARED = "_shared"


@dataclass(frozen=True)
class DocField:
    name: str
    label: str
    type: str = "text"
    required: bool = True
    source: str | None = None     # dotted path into the case context that pre-fills the draft
    choices: tuple = ()           # ((value, label), ...)
    columns: tuple = ()           # rows: ((name, label), ...)
    help: str = ""


@dataclass(frozen=True)
class DocType:
    key: str
    code: str                     # spec §7.2 number, e.g. D36
    title: str
    stage: str
    kind: str
    version: int
    basis: str                    # the legal source requiring the document (spec §7.2 "Req.")
    fields: tuple
    numbering: str | None = None  # the series characters (罚, 罚告 …); None: the case number only
    multiple: bool = False        # a case may hold several (询问笔录, 送达回证)
    paged: bool = False           # multi-page record: 第 X 页 共 Y 页 and a signature on every page
    confidential: bool = False    # holds the reporter's identity (spec §8): only who may see the reporter
    description: str = ""

    @property
    def external(self) -> bool:
        return self.kind == "external"

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    def field(self, name):
        return next((f for f in self.fields if f.name == name), None)


class Catalogue:
    def __init__(self, root: Path, types: dict[str, DocType]):
        self.root = root
        self.types = types

    def __getitem__(self, key) -> DocType:
        return self.types[key]

    def __contains__(self, key) -> bool:
        return key in self.types

    def __iter__(self):
        return iter(sorted(self.types.values(), key=lambda t: (int(t.code[1:3]), t.code, t.key)))

    def __len__(self):
        return len(self.types)

    def sample(self, key) -> dict:
        """The sample field values of a type (document_templates/<key>/sample.yaml)."""
        with open(self.root / key / "sample.yaml", encoding="utf-8") as fh:
            return yaml.load(fh, Loader=YamlLoader) or {}

    def shared_sample(self) -> dict:
        with open(self.root / SHARED / "sample_case.yaml", encoding="utf-8") as fh:
            return yaml.safe_load(fh)


def _fail(where, message):
    raise ConfigurationError(f"文书目录 {where}：{message}")


def _field(where, spec) -> DocField:
    if not isinstance(spec, dict) or not spec.get("name") or not spec.get("label"):
        _fail(where, f"字段定义须有 name 和 label：{spec!r}")
    ftype = spec.get("type", "text")
    if ftype not in FIELD_TYPES:
        _fail(where, f"字段 {spec['name']} 的类型 {ftype} 未知")
    choices = tuple((c["value"], c["label"]) for c in spec.get("choices", ()))
    if ftype == "choice" and not choices:
        _fail(where, f"选择字段 {spec['name']} 没有选项")
    columns = tuple((c["name"], c["label"]) for c in spec.get("columns", ()))
    if ftype == "rows" and not columns:
        _fail(where, f"列表字段 {spec['name']} 没有列定义")
    unknown = set(spec) - {"name", "label", "type", "required", "source", "choices", "columns", "help"}
    if unknown:
        _fail(where, f"字段 {spec['name']} 有未知属性 {sorted(unknown)}")
    return DocField(name=spec["name"], label=spec["label"], type=ftype, required=spec.get("required", True),
                    source=spec.get("source"), choices=choices, columns=columns, help=spec.get("help", ""))


def load_type(folder: Path) -> DocType:
    where = folder.name
    meta_path = folder / "meta.yaml"
    for needed in ("meta.yaml", "template.html", "sample.yaml"):
        if not (folder / needed).is_file():
            _fail(where, f"缺少 {needed}")
    with open(meta_path, encoding="utf-8") as fh:
        meta = yaml.load(fh, Loader=YamlLoader) or {}
    for key in ("key", "code", "title", "stage", "kind", "version", "basis", "fields"):
        if key not in meta:
            _fail(where, f"meta.yaml 缺少 {key}")
    if meta["key"] != folder.name:
        _fail(where, f"key {meta['key']} 与目录名不一致")
    if meta["kind"] not in KINDS:
        _fail(where, f"kind {meta['kind']} 应为 {sorted(KINDS)} 之一")
    if meta["stage"] not in STAGES:
        _fail(where, f"stage {meta['stage']} 应为 {STAGES} 之一")
    if not isinstance(meta["version"], int) or meta["version"] < 1:
        _fail(where, "version 应为正整数")
    fields = tuple(_field(where, f) for f in meta["fields"] or ())
    names = [f.name for f in fields]
    if len(names) != len(set(names)):
        _fail(where, "字段名重复")

    unknown = set(meta) - {"key", "code", "title", "stage", "kind", "version", "basis", "fields", "numbering",
                           "multiple", "paged", "confidential", "description"}
    if unknown:
        _fail(where, f"meta.yaml 有未知属性 {sorted(unknown)}")
    return DocType(key=meta["key"], code=str(meta["code"]), title=meta["title"], stage=meta["stage"],
                   kind=meta["kind"], version=meta["version"], basis=meta["basis"], fields=fields,
                   numbering=meta.get("numbering"), multiple=bool(meta.get("multiple")),
                   paged=bool(meta.get("paged")), confidential=bool(meta.get("confidential")),
                   description=meta.get("description", ""))


_LOADED: dict = {}
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_catalogue(root: Path) -> Catalogue:
    """The catalogue under `root`, validated; loaded once per process while its files are unchanged."""
    root = Path(root)
    try:
        stamp = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in root.glob("*/meta.yaml")))
    except OSError:
        stamp = None
    key = (str(root.resolve()), stamp)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = _load(root)
    return _LOADED[key]


def _load(root: Path) -> Catalogue:
    if not (root / SHARED / "print.css").is_file():
        raise ConfigurationError(f"找不到文书模板目录或共用样式：{root}")
    types = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        doc_type = load_type(folder)
        types[doc_type.key] = doc_type
    series = {}
    for t in types.values():
        if t.numbering:
            if t.numbering in series:
                _fail(t.key, f"文号代字「{t.numbering}」与 {series[t.numbering]} 重复：每类对外文书单独编号")
            series[t.numbering] = t.key
    return Catalogue(root, types)
