"""Load and validate the workflow definitions (workflows/*.yaml).

A definition that names an unknown guard, effect, role, state or field type, has a state no path
reaches, or a non-terminal state with no way out, stops the app with a message naming the problem.
"""
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from caseflow.auth.roles import ALL_ROLES
from caseflow.errors import ConfigurationError
from caseflow.workflow.registry import EFFECTS, GUARDS

FIELD_TYPES = {"text", "textarea", "date", "decimal", "integer", "boolean", "choice", "officers", "user",
               "violations", "circumstances"}
WORKFLOW_FILES = ("general_procedure", "simplified_procedure")


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: str
    required: bool = True
    max_length: int | None = None
    choices: tuple = ()
    help: str = ""
    role: str | None = None      # for type user: the role the chosen user must hold
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class StateDef:
    name: str
    label: str
    stage: str
    description: str = ""


@dataclass(frozen=True)
class TransitionDef:
    trigger: str
    label: str
    sources: tuple
    dest: str | None             # None: an internal transition (an approval or record that keeps the state)
    roles: tuple
    guards: tuple                # ((name, args), ...)
    effects: tuple
    fields: tuple
    description: str = ""
    style: str = "primary"
    # available at any time (e.g. extending a time limit): offered on the case page, not a to-do item
    standing: bool = False
    # documents: drafts created on entering the step, forms issued by it, documents it requires
    documents: "DocumentsSpec" = None

    @property
    def internal(self) -> bool:
        return self.dest is None


@dataclass(frozen=True)
class DocumentsSpec:
    """A transition's `documents:` block. `requires` maps a document key to issued or served: the
    transition is refused until a document of that key is (guard documents_ready); `drafts` are created
    and `issues` (approval forms, records of the act) issued when it fires (effect prepare_documents)."""
    drafts: tuple = ()            # ((key, ((field, value), ...)), ...): created when the conditions hold
    issues: tuple = ()
    requires: tuple = ()          # ((key, "issued" | "served"), ...)

    def keys(self):
        return {k for k, _ in self.drafts} | set(self.issues) | {k for k, _ in self.requires}


DOCUMENT_STATUSES_REQUIRED = ("issued", "served")


@dataclass
class WorkflowDefinition:
    name: str
    label: str
    initial: str
    terminal: tuple
    states: dict
    transitions: list
    timeline: tuple = ()
    _by_source: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for t in self.transitions:
            for s in t.sources:
                self._by_source.setdefault(s, []).append(t)

    def transitions_from(self, state: str) -> list:
        return list(self._by_source.get(state, []))

    def find(self, state: str, trigger: str):
        return next((t for t in self._by_source.get(state, []) if t.trigger == trigger), None)

    def knows_trigger(self, trigger: str) -> bool:
        return any(t.trigger == trigger for t in self.transitions)

    def state_label(self, state: str) -> str:
        return self.states[state].label


def _named_calls(items, registry, kind, where, problems):
    calls = []
    for item in items or ():
        if isinstance(item, str):
            name, args = item, {}
        elif isinstance(item, dict) and len(item) == 1:
            name, args = next(iter(item.items()))
            args = args or {}
        else:
            problems.append(f"{where}: {kind} 写法无效：{item!r}")
            continue
        if name not in registry:
            problems.append(f"{where}: 未知的 {kind} '{name}'")
        calls.append((name, tuple(sorted(args.items()))))
    return tuple(calls)


def _fields(items, where, problems):
    result = []
    for raw in items or ():
        if raw.get("type") not in FIELD_TYPES:
            problems.append(f"{where}: 字段 {raw.get('name')} 的类型 '{raw.get('type')}' 无效")
            continue
        if raw.get("role") and raw["role"] not in ALL_ROLES:
            problems.append(f"{where}: 字段 {raw['name']} 的角色 '{raw['role']}' 无效")
        result.append(FieldDef(
            name=raw["name"], type=raw["type"], label=raw["label"], required=raw.get("required", True),
            max_length=raw.get("max_length"), help=raw.get("help", ""), role=raw.get("role"),
            min=raw.get("min"), max=raw.get("max"),
            choices=tuple((c["value"], c["label"]) for c in raw.get("choices", ())),
        ))
    return tuple(result)


def _documents(raw, where, problems) -> DocumentsSpec:
    if not raw:
        return DocumentsSpec()
    if not isinstance(raw, dict) or set(raw) - {"drafts", "issues", "requires"}:
        problems.append(f"{where}: documents 只能包含 drafts、issues、requires：{raw!r}")
        return DocumentsSpec()
    requires = raw.get("requires") or {}
    for key, status in requires.items():
        if status not in DOCUMENT_STATUSES_REQUIRED:
            problems.append(f"{where}: 文书 {key} 的要求状态 '{status}' 应为 issued 或 served")
    drafts = []
    for item in raw.get("drafts") or ():
        if isinstance(item, str):
            drafts.append((item, ()))
        elif isinstance(item, dict) and item.get("key") and isinstance(item.get("when", {}), dict):
            drafts.append((item["key"], tuple(sorted((item.get("when") or {}).items()))))
        else:
            problems.append(f"{where}: documents.drafts 写法无效：{item!r}")
    return DocumentsSpec(drafts=tuple(drafts), issues=tuple(raw.get("issues") or ()),
                         requires=tuple(sorted(requires.items())))


def check_document_wiring(definitions: dict, catalogue) -> None:
    """Every document a workflow names exists in the catalogue; a document served by a transition is an
    external one. Run at start-up after both are loaded."""
    problems = []
    for defn in definitions.values():
        for t in defn.transitions:
            where = f"{defn.name}.{t.trigger}"
            for key in sorted(t.documents.keys()):
                if key not in catalogue:
                    problems.append(f"{where}: 文书目录中没有 '{key}'")
            for name, args in t.effects:
                document = dict(args).get("document")
                if name == "record_service" and document and (document not in catalogue
                                                              or not catalogue[document].external):
                    problems.append(f"{where}: 送达的文书 '{document}' 不是对外文书")
    if problems:
        raise ConfigurationError("流程与文书目录不一致：\n  - " + "\n  - ".join(problems))


def parse_definition(raw: dict, source: str) -> WorkflowDefinition:
    problems = []
    states = {name: StateDef(name, spec["label"], spec.get("stage", ""), spec.get("description", ""))
              for name, spec in (raw.get("states") or {}).items()}
    initial, terminal = raw.get("initial"), tuple(raw.get("terminal") or ())
    if initial not in states:
        problems.append(f"初始状态 '{initial}' 未定义")
    for s in terminal:
        if s not in states:
            problems.append(f"终止状态 '{s}' 未定义")
    transitions, seen = [], set()
    for i, t in enumerate(raw.get("transitions") or ()):
        where = f"transition {t.get('trigger', i)}"
        sources = tuple([t["source"]] if isinstance(t.get("source"), str) else t.get("source") or ())
        dest = t.get("dest")
        for s in sources + ((dest,) if dest else ()):
            if s not in states:
                problems.append(f"{where}: 状态 '{s}' 未定义")
        for s in sources:
            if (s, t["trigger"]) in seen:
                problems.append(f"{where}: 在状态 '{s}' 下重复定义")
            seen.add((s, t["trigger"]))
            if s in terminal:
                problems.append(f"{where}: 终止状态 '{s}' 不能再有转换")
        roles = tuple(t.get("roles") or ())
        if not roles:
            problems.append(f"{where}: 没有列出可执行的角色")
        for r in roles:
            if r not in ALL_ROLES:
                problems.append(f"{where}: 未知角色 '{r}'")
        documents = _documents(t.get("documents"), where, problems)
        guards = _named_calls(t.get("guards"), GUARDS, "guard", where, problems)
        effects = _named_calls(t.get("effects"), EFFECTS, "effect", where, problems)
        if documents.requires:
            guards += (("documents_ready", (("requires", documents.requires),)),)
        if documents.drafts or documents.issues:
            effects += (("prepare_documents", (("drafts", documents.drafts), ("issues", documents.issues))),)
        transitions.append(TransitionDef(
            trigger=t["trigger"], label=t["label"], sources=sources, dest=dest, roles=roles,
            guards=guards, effects=effects, fields=_fields(t.get("fields"), where, problems),
            description=t.get("description", ""), style=t.get("style", "primary"),
            standing=bool(t.get("standing", False)), documents=documents,
        ))
    timeline = tuple(raw.get("timeline") or ())
    for s in timeline:
        if s not in states:
            problems.append(f"timeline: 状态 '{s}' 未定义")
    if not problems:
        problems += _graph_problems(states, initial, terminal, transitions)
    if problems:
        raise ConfigurationError(f"流程定义 {source} 无效：\n  - " + "\n  - ".join(problems))
    return WorkflowDefinition(raw["name"], raw["label"], initial, terminal, states, transitions, timeline)


def _graph_problems(states, initial, terminal, transitions):
    edges = {}
    for t in transitions:
        if t.dest:
            for s in t.sources:
                edges.setdefault(s, set()).add(t.dest)
    reached, queue = {initial}, deque([initial])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    problems = [f"状态 '{s}' 从初始状态不可达" for s in states if s not in reached]
    problems += [f"状态 '{s}' 不是终止状态却没有出口" for s in states if s not in terminal and not edges.get(s)]
    return problems


def load_definitions(directory) -> dict:
    """Load every workflow file; raise ConfigurationError on the first invalid one."""
    result = {}
    for name in WORKFLOW_FILES:
        path = Path(directory) / f"{name}.yaml"
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"无法读取流程定义 {path}：{exc}") from exc
        definition = parse_definition(raw, str(path))
        if definition.name != name:
            raise ConfigurationError(f"流程定义 {path} 的 name 应为 {name}")
        result[name] = definition
    return result
