"""The plain data a document template receives (architecture principle 6: never ORM objects).

Every template sees: org, case, party, officers, approval (or None), facts (the case's workflow facts),
derived (texts composed from the facts: legal basis, other measures …), documents (the case's issued
documents by key), f (the document's own field values) and doc (title, number, verification code …).
"""
from datetime import date, datetime

from caseflow.auth.roles import ROLE_LABELS
from caseflow.parties.models import PARTY_KINDS

# Organisation settings printed on documents; the admin fills them in (单位设置). Without the
# reconsideration body and the court no external decision can be issued (their rights notice needs them).
ORG_SETTINGS = {
    "address": "机关地址",
    "phone": "联系电话",
    "postcode": "邮政编码",
    "reconsideration_body": "行政复议机关（同级人民政府，《行政复议法》第二十四条）",
    "court": "管辖人民法院",
    "superior": "上级医疗保障部门",
    "police": "同级公安机关",
    "fine_payee_name": "罚没款收款单位（国库）",
    "fine_payee_bank": "罚没款代收银行",
    "fine_payee_account": "罚没款账号",
    "fund_payee_name": "基金财政专户户名",
    "fund_payee_bank": "基金财政专户开户银行",
    "fund_payee_account": "基金财政专户账号",
}
REQUIRED_FOR_EXTERNAL = ("reconsideration_body", "court", "address", "phone")
MEASURES = {
    "service_suspension_months": "责令暂停相关责任部门涉及医疗保障基金使用的医药服务{n}个月",
    "settlement_suspension_months": "暂停当事人医疗费用联网结算{n}个月",
}


def iso(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def org_context(org) -> dict:
    s = dict(org.document_settings or {})
    return {
        "name": org.name, "short_name": org.short_name, "doc_prefix": org.doc_prefix,
        **{k: s.get(k) or "" for k in ("address", "phone", "postcode", "reconsideration_body", "court",
                                         "superior", "police")},
        "fine_payee": {"name": s.get("fine_payee_name") or "", "bank": s.get("fine_payee_bank") or "",
                       "account": s.get("fine_payee_account") or ""},
        "fund_payee": {"name": s.get("fund_payee_name") or "", "bank": s.get("fund_payee_bank") or "",
                       "account": s.get("fund_payee_account") or ""},
    }


def party_context(party) -> dict:
    person = party.is_person
    return {
        "name": party.name, "kind": party.kind, "kind_label": PARTY_KINDS.get(party.kind, party.kind),
        "is_person": person,
        "id_label": "统一社会信用代码" if party.credit_code else "公民身份号码",
        # documents served on the party carry the full number (spec §7.1); exports mask it (issue 5)
        "id_number": party.credit_code or party.id_number or "",
        "representative_label": "法定代表人（负责人）",
        "representative": party.legal_representative or "",
        "address": party.address or "", "phone": party.phone or "",
    }


def officers_context(case) -> list[dict]:
    active = sorted(case.active_officers(), key=lambda o: (not o.lead, o.id))
    return [{"name": o.user.name, "credential_no": o.user.credential_no or ""} for o in active]


def _derived(case, facts: dict) -> dict:
    assessment = facts.get("assessment") or {}
    basis = []
    for item in assessment.get("items", []):
        for b in item.get("basis", []):
            if b not in basis:
                basis.append(b)
    measures = [text.format(n=facts[f"proposed_{k}"]) for k, text in MEASURES.items() if facts.get(f"proposed_{k}")]
    for item in assessment.get("items", []):
        for r in item.get("referrals", []):
            line = f"{r['text']}（{r['to']}）"
            if line not in measures:
                measures.append(line)
    statements = []
    if facts.get("notice_served"):
        statements.append(f"本机关于{facts.get('notice_served_on', '')}向当事人送达了行政处罚事先告知书，告知其拟作出"
                          "行政处罚的事实、理由、依据及依法享有的陈述、申辩"
                          + ("和要求听证" if facts.get("served_notice_hearing_right") else "") + "的权利。")
    for s in facts.get("statements", []):
        statements.append(f"当事人于{s.get('received_on', '')}提出陈述申辩：{s.get('statement', '')}。"
                          f"复核意见：{s.get('review_opinion', '')}")
    if facts.get("statements_outcome") == "expired":
        statements.append("当事人在规定期限内未提出陈述、申辩，视为放弃陈述、申辩权利。")
    elif facts.get("statements_outcome") == "waived":
        statements.append("当事人书面明确放弃陈述、申辩权利。")
    if facts.get("hearing_held"):
        statements.append(f"本机关于{facts.get('hearing_held_on', '')}依法举行听证。{facts.get('hearing_report', '')}")
    violations = [f"{i.get('title', '')}（{'、'.join(i.get('basis', []))}），金额 {i.get('amount', '')} 元"
                  for i in assessment.get("items", [])]
    period = assessment.get("statement_period") or {}
    return {
        # the statement period of the organisation's rules profile (spec §11.2: 5 working days ⚠)
        "statement_days": period.get("days"),
        "basis_text": "、".join(basis),
        "other_measures_text": "\n".join(measures),
        "statements_text": "\n".join(statements),
        "violations_text": "\n".join(violations),
        "officers_text": "、".join(f"{o['name']}（执法证号 {o['credential_no']}）" for o in officers_context(case)),
    }


def case_context(case, documents: dict | None = None) -> dict:
    """Everything but the document's own fields, taken from the case now."""
    facts = dict(case.facts or {})
    clue = case.clue
    return {
        "org": org_context(case.organisation),
        "case": {
            "id": case.id, "number": case.case_number or "", "title": case.title, "cause": case.cause,
            "procedure": "简易程序" if case.workflow == "simplified_procedure" else "一般程序",
            "received_on": iso(clue.received_on) if clue is not None else None,
            "source_label": clue.source_label if clue is not None else "现场检查",
            "filed_on": iso(case.filed_on), "decided_on": iso(case.decided_on), "closed_on": iso(case.closed_on),
            "decision_number": (documents or {}).get("penalty_decision", {}).get("number")
            or (documents or {}).get("no_penalty_decision", {}).get("number") or "",
        },
        "party": party_context(case.party),
        "officers": officers_context(case),
        "facts": facts,
        "derived": _derived(case, facts),
        "documents": documents or {},
        "approval": None,
    }


def approval_context(approval) -> dict | None:
    if approval is None:
        return None
    return {"approver": approval.approver.name, "role_label": ROLE_LABELS.get(approval.role, approval.role),
            "decision_label": approval.decision_label, "opinion": approval.opinion,
            "decided_on": approval.decided_at.date().isoformat(), "decided_at": approval.decided_at.isoformat()}


def resolve(path: str, context: dict):
    """A dotted path (facts.findings, case.decided_on, approval.opinion) looked up in the context."""
    value = context
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def prefill(doc_type, context: dict) -> dict:
    """A new draft's field values: each field's source in the case context, where it has one."""
    values = {}
    for f in doc_type.fields:
        value = resolve(f.source, context) if f.source else None
        if f.type == "rows" and not isinstance(value, list):
            value = []
        values[f.name] = value
    return values


def number_for(doc_type, org, year: int, n: int) -> str:
    """A document number from the organisation's pattern for the type (单位设置) or the default
    「{prefix}医保{series}〔{year}〕{n}号」 (spec §7.3)."""
    from caseflow.documents.catalogue import DEFAULT_NUMBER_PATTERN
    patterns = (org.get("numbering") if isinstance(org, dict) else (org.document_settings or {}).get("numbering")) or {}
    prefix = org["doc_prefix"] if isinstance(org, dict) else org.doc_prefix
    pattern = patterns.get(doc_type.key) or DEFAULT_NUMBER_PATTERN
    return pattern.format(prefix=prefix, series=doc_type.numbering, year=year, n=n)


def verification_code(snapshot_sha256: str) -> str:
    """Ten characters from the SHA-256 of the frozen snapshot, grouped for reading aloud (the PDF cannot
    carry a hash of itself; /verify compares an uploaded PDF with the stored PDF's SHA-256)."""
    import base64
    raw = base64.b32encode(bytes.fromhex(snapshot_sha256)).decode()[:10]
    return f"{raw[:5]}-{raw[5:]}"


def doc_context(doc_type, renderer, *, number=None, revision=1, issued_at=None, code=None, draft=False,
                watermark="", supersedes=None) -> dict:
    return {
        "key": doc_type.key, "code": doc_type.code, "title": doc_type.title, "number": number or "",
        "revision": revision, "external": doc_type.external, "paged": doc_type.paged,
        "issued_at": iso(issued_at), "issued_on": iso(issued_at.date()) if issued_at else None,
        "draft": draft, "watermark": watermark or ("草稿　未签发" if draft else ""),
        "verification_code": code or "", "verify_url": renderer.verify_url(code) if code else "",
        "qr": renderer.qr_svg(code) if code else "", "supersedes": supersedes,
    }


def sample_context(catalogue, key: str, renderer) -> dict:
    """The context of a type's sample: the shared sample case (_shared/sample_case.yaml) with the type's
    sample.yaml field values; numbered and coded like an issued document, watermarked 样本."""
    import hashlib
    import json
    doc_type = catalogue[key]
    base = catalogue.shared_sample()
    sample = catalogue.sample(key)
    ctx = {k: v for k, v in base.items()}
    if not doc_type.confidential:
        ctx.pop("reporter", None)
    for k in ("org", "case", "party", "officers", "approval", "related"):
        if k in sample:
            ctx[k] = sample[k]
    ctx.setdefault("facts", {})
    ctx.setdefault("derived", {})
    ctx.setdefault("documents", {})
    ctx.setdefault("related", None)
    ctx["f"] = {f.name: sample.get("fields", {}).get(f.name) for f in doc_type.fields}
    digest = hashlib.sha256(json.dumps([key, ctx], ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
    issued = datetime(2025, 4, 18, 10, 0)
    number = number_for(doc_type, ctx["org"], 2025, 3) if doc_type.numbering else ""
    ctx["doc"] = doc_context(doc_type, renderer, number=number, issued_at=issued,
                             code=verification_code(digest), watermark="样　本")
    return ctx
