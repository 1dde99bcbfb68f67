"""Assembling the case file (立卷): what goes in, in which order, the D50 archive documents, and the combined PDF.

Order (spec §3.13, general practice S30 ◐, not a 医保-specific national rule):
- 正卷 (main volume): cover; 卷内目录; the decision with its 送达回证; the other documents served on the party,
  each with its 送达回证; evidence (证据目录 first; 询问笔录 and the party's statements, documentary and physical
  evidence, witness statements, expert opinions, 现场检查笔录 and photos, audio-visual material, electronic data);
  execution materials; the closing approval; 备考表.
- 副卷 (sub-volume, internal): cover; 卷内目录; approval forms; investigation-concluded report; legal review;
  collective discussion; hearing report; other internal documents; 备考表.
The reporter's identity and report (举报笔录, confidential document types) are kept apart under confidentiality
(§8) and never enter the file.

Pages are numbered per volume from the first document after the 卷内目录; cover, 卷内目录 and 备考表 are not
numbered. The combined PDF is made by merging the stored PDFs (issued documents are never re-rendered) with
bookmarks (volume → document) and page labels. It is a plain PDF: each merged document keeps its embedded, subset
fonts, but the merge cannot carry the PDF/A-3b claim of its parts (the archived originals, which are PDF/A-3b, go
into the BagIt package beside it) — see docs/decisions/0003-archive.md.
"""
import io
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.db import unit_of_work
from caseflow.extensions import db
from caseflow.timeutil import local_now

DECISION_KEYS = ("penalty_decision", "no_penalty_decision", "onsite_decision")
ARCHIVE_KEYS = ("file_cover", "file_catalogue", "evidence_catalogue", "reference_sheet")
MAIN_INTERNAL_KEYS = ("closing_approval",)
# evidence section ranks (spec §3.13 item 5): documents that are evidence, and evidence items by statutory type
EVIDENCE_DOCUMENT_RANK = {"inquiry_record": 2, "inspection_record": 6, "sampling_record": 6, "evidence_extraction": 3}
EVIDENCE_TYPE_RANK = {"party_statement": 2, "documentary": 3, "physical": 3, "testimony": 4, "expert_opinion": 5,
                      "inspection_record": 6, "audiovisual": 7, "electronic": 8}
# 副卷 order: approvals; investigation report; legal review; collective discussion; hearing report; the rest
SUB_RANK = {"investigation_report": 2, "legal_review_submission": 3, "legal_review_opinion": 3, "statement_review": 3,
            "collective_discussion_record": 4, "extension_discussion_record": 4, "hearing_report": 5,
            "disclosure_record": 6}
MERGEABLE = {"pdf", "jpeg", "png", "tiff"}
VOLUMES = {"main": "正卷", "sub": "副卷"}


def _catalogue():
    return current_app.extensions["caseflow_documents"]


# ---------------------------------------------------------------- what goes into the file

def _doc_entry(doc, section: str) -> dict:
    doc_type = _catalogue()[doc.key]
    return {"kind": "document", "id": doc.id, "key": doc.key, "code": doc_type.code, "title": doc.title,
            "number": doc.number or "", "issued_on": doc.issued_at.date().isoformat() if doc.issued_at else None,
            "served_on": doc.served_on.isoformat() if doc.served_on else None, "external": doc_type.external,
            "served_on_party": doc.status == "served" or (doc.key == "service_receipt"),
            "superseded": False, "pdf_sha256": doc.pdf_sha256, "section": section}


def evidence_name(item) -> str:
    """How the file names an item: a patient-level item by its number only (spec §8: no patient's name)."""
    if item.patient_level:
        return f"证据{item.seq}（涉及患者个人信息）"
    return f"证据{item.seq}：{item.title}"


def _evidence_entry(item) -> dict:
    return {"kind": "evidence", "id": item.id, "seq": item.seq, "title": evidence_name(item),
            "type": item.evidence_type, "type_label": item.type_label, "source": item.source,
            "proves": "；".join(item.violations or []) or (item.description or ""),
            "collected_on": item.collected_at.date().isoformat(), "patient_level": bool(item.patient_level),
            "section": "evidence",
            "attachments": [{"id": a.id, "sha256": a.sha256, "name": a.original_name, "type": a.detected_type,
                             "size": a.size, "merge": a.detected_type in MERGEABLE} for a in item.attachments]}


def content_items(case) -> dict:
    """The case's issued documents and evidence items in file order, per volume, without the D50 documents."""
    from caseflow.documents.services import case_documents, superseded_ids
    from caseflow.evidence.models import Evidence
    docs = [d for d in case_documents(case.id) if d.status != "draft"]
    gone = superseded_ids(docs)
    catalogue = _catalogue()
    receipts = {}
    for d in docs:
        if d.key == "service_receipt" and d.served_document_id:
            receipts.setdefault(d.served_document_id, []).append(d)
    decision, served, evidence_docs, execution, closing, sub = [], [], [], [], [], []
    for d in docs:
        doc_type = catalogue[d.key]
        if doc_type.confidential or d.key in ARCHIVE_KEYS or (d.key == "service_receipt" and d.served_document_id):
            continue
        if d.key in DECISION_KEYS:
            decision.append(d)
        elif d.key in EVIDENCE_DOCUMENT_RANK:
            evidence_docs.append(d)
        elif d.key in MAIN_INTERNAL_KEYS:
            closing.append(d)
        elif doc_type.kind == "internal":
            sub.append(d)
        elif doc_type.stage == "执行":
            execution.append(d)
        else:
            served.append(d)

    def with_receipts(group, section):
        entries = []
        for d in group:
            entry = _doc_entry(d, section)
            entry["superseded"] = d.id in gone
            entries.append(entry)
            entries += [_doc_entry(r, section) for r in receipts.get(d.id, [])]
        return entries

    items = list(db.session.execute(select(Evidence).where(Evidence.case_id == case.id)
                                    .order_by(Evidence.seq)).scalars())
    ranked = [((EVIDENCE_DOCUMENT_RANK[d.key], 0, d.issued_at or datetime.min, d.id), with_receipts([d], "evidence"))
              for d in evidence_docs]
    ranked += [((EVIDENCE_TYPE_RANK.get(e.evidence_type, 9), 1, e.collected_at, e.seq), [_evidence_entry(e)])
               for e in items]
    evidence_entries = [entry for _, group in sorted(ranked, key=lambda pair: pair[0]) for entry in group]
    sub.sort(key=lambda d: (SUB_RANK.get(d.key, 1), d.issued_at or datetime.min, d.id))
    return {
        "main": {"decision": with_receipts(decision, "decision"), "served": with_receipts(served, "served"),
                 "evidence": evidence_entries, "execution": with_receipts(execution, "execution"),
                 "closing": with_receipts(closing, "closing")},
        "sub": {"internal": with_receipts(sub, "internal")},
    }


# ---------------------------------------------------------------- page counts and ranges

def pdf_page_count(data: bytes) -> int | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return None


def document_pdf(entry: dict) -> bytes:
    """The stored PDF of an issued document (rendered from its frozen snapshot on first use)."""
    from caseflow.documents.models import Document
    from caseflow.documents.services import ensure_pdf
    from caseflow.storage import get_store
    doc = db.session.get(Document, entry["id"])
    if doc.pdf_sha256 is None:
        # rendered inside the caller's transaction: flush rather than refresh (a refresh would drop the new hash)
        doc = ensure_pdf(doc.id)
        db.session.flush()
    return get_store().get_bytes(doc.pdf_sha256)


def image_pdf(data: bytes) -> bytes | None:
    """An image wrapped into one PDF page no larger than A4 (its pixels kept, only the page size chosen)."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            page = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    dpi = max(72.0, page.width / 8.27, page.height / 11.69)  # fit A4 (8.27 × 11.69 inches)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=dpi)
    return out.getvalue()


def attachment_pdf(attachment: dict) -> bytes | None:
    from caseflow.storage import get_store
    if not attachment["merge"]:
        return None
    data = get_store().get_bytes(attachment["sha256"])
    if attachment["type"] == "pdf":
        return data if pdf_page_count(data) else None
    return image_pdf(data)


def _range(start: int, count: int) -> str:
    if count <= 0:
        return "另存" if count == 0 else ""
    return str(start) if count == 1 else f"{start}-{start + count - 1}"


# ---------------------------------------------------------------- the archive_case transition

def volume_layout(content: dict) -> list[tuple[str, list]]:
    """[(volume, [(section, entries)])] in binding order; the 副卷 only when it holds something."""
    main = [("decision", content["main"]["decision"]), ("served", content["main"]["served"]),
            ("evidence", content["main"]["evidence"]), ("execution", content["main"]["execution"]),
            ("closing", content["main"]["closing"])]
    layout = [("main", main)]
    if content["sub"]["internal"]:
        layout.append(("sub", [("internal", content["sub"]["internal"])]))
    return layout


def _counts(entries, counts: dict | None) -> dict:
    """{(kind, id): pages} of the numbered entries, when their PDFs are at hand (None otherwise)."""
    if counts is None:
        return None
    for e in entries:
        key = (e["kind"], e["id"])
        if key in counts:
            continue
        if e["kind"] == "document":
            counts[key] = pdf_page_count(document_pdf(e)) or 0
        else:
            counts[key] = sum(pdf_page_count(pdf) or 0 for pdf in map(attachment_pdf, e["attachments"]) if pdf)
    return counts


def _ranges(entries, counts) -> dict:
    page, ranges = 1, {}
    for e in entries:
        n = counts[(e["kind"], e["id"])]
        ranges[(e["kind"], e["id"])] = _range(page, n)
        page += n
    return ranges


def archive_case_file(case, actor, at: datetime, retention: str | None, note: str | None):
    """Inside the archive_case transition: the archive record (number, retention), the D50 documents issued from
    the case, and the frozen manifest. With rendering on issue the file is assembled here too (page ranges in the
    卷内目录 and 证据目录, pages on the cover); with deferred rendering the D50 documents carry no page numbers and
    the combined PDF is assembled on first use."""
    from caseflow.archive import services
    eager = current_app.config.get("RENDER_ON_ISSUE", True)
    record = services.create_record(case, actor, retention, note, at, manifest={"volumes": []})
    content = content_items(case)
    layout = volume_layout(content)
    counts = {} if eager else None
    volumes = []
    for volume, sections in layout:
        numbered = [e for _, entries in sections for e in entries]
        if volume == "main":
            evidence_doc = _issue_evidence_catalogue(case, actor, at, content["main"]["evidence"], numbered, counts)
            evidence_entry = _doc_entry(evidence_doc, "evidence")
            for i, (name, entries) in enumerate(sections):
                if name == "evidence":
                    sections[i] = (name, [evidence_entry] + entries)
            numbered = [e for _, entries in sections for e in entries]
        counts = _counts(numbered, counts)
        ranges = _ranges(numbered, counts) if counts is not None else {}
        total = sum(counts[(e["kind"], e["id"])] for e in numbered) if counts is not None else None
        common = {"volume_kind": volume, "handling_unit": case.organisation.name}
        cover = _issue(case, "file_cover", actor, at, {
            **common, "case_name": _case_name(case), "decision_number": _decision_number(case),
            "filed_on": (case.filed_on or case.decided_on or case.closed_on).isoformat(),
            "closed_on": case.closed_on.isoformat(),
            "retention": record.retention, "pages": total, "archive_no": record.archive_no,
            "fonds_no": (case.organisation.document_settings or {}).get("fonds_no") or case.organisation.short_name,
            "catalogue_no": "行政处罚", "file_no": f"{record.archive_seq:04d}", "filer": actor.name,
            "archived_on": at.date().isoformat()})
        catalogue = _issue(case, "file_catalogue", actor, at, {
            **common, "entries": [_catalogue_row(e, ranges) for e in numbered]})
        reference = _issue(case, "reference_sheet", actor, at, {
            **common, "item_count": len(numbered), "pages": total,
            "photo_count": _photos(numbered), "media_count": _media(numbered),
            "notes": _reference_notes(volume, numbered, eager), "filer": actor.name, "filed_on": at.date().isoformat(),
            "checker": actor.name, "checked_on": at.date().isoformat()})
        items = [_doc_entry(cover, "cover"), _doc_entry(catalogue, "catalogue")]
        items += [{**e, "pages": ranges.get((e["kind"], e["id"]))} for e in numbered]
        items.append(_doc_entry(reference, "reference"))
        volumes.append({"kind": volume, "label": VOLUMES[volume], "items": items})
    record.manifest = {"case_number": case.case_number, "archive_no": record.archive_no, "volumes": volumes,
                       "excluded": "举报人身份信息及举报笔录另行保密保存，不入卷（《医疗保障基金使用监督管理条例》第三十五条）"}
    case.facts = {**(case.facts or {}), "archive_archive_no": record.archive_no,
                  "archive_retention": record.retention}
    db.session.flush()
    if eager:
        assemble(record.id)
    return record


def _issue(case, key, actor, at, data):
    from caseflow.documents import services as documents
    doc = documents.create_draft_in_transaction(case, key, actor, trigger="archive_case", data=data, quiet=True)
    documents.issue_in_transaction(doc, actor, strict=False, at=at, quiet=True)
    return doc


def _issue_evidence_catalogue(case, actor, at, evidence_entries, numbered, counts):
    """The 证据目录 opens the evidence section; its page numbers depend on its own length, so with rendering on
    issue it is laid out twice (a draft to count its pages, then the issued one)."""
    from caseflow.documents import services as documents
    data = {"evidence": [_evidence_row(e, {}) for e in evidence_entries], "prepared_by": actor.name,
            "prepared_on": at.date().isoformat()}
    doc = documents.create_draft_in_transaction(case, "evidence_catalogue", actor, trigger="archive_case",
                                                data=data, quiet=True)
    if counts is not None:
        own = pdf_page_count(documents.preview_pdf(doc)) or 1
        counts[("document", doc.id)] = own
        before = [e for e in numbered if e["section"] in ("decision", "served")]
        _counts(before + evidence_entries, counts)
        page = 1 + sum(counts[(e["kind"], e["id"])] for e in before) + own
        ranges = {}
        for e in evidence_entries:
            n = counts[(e["kind"], e["id"])]
            ranges[(e["kind"], e["id"])] = _range(page, n)
            page += n
        doc.data = {**doc.data, "evidence": [_evidence_row(e, ranges) for e in evidence_entries]}
    documents.issue_in_transaction(doc, actor, strict=False, at=at, quiet=True)
    return doc


def _sha_groups(sha: str) -> str:
    return " ".join(sha[i:i + 16] for i in range(0, 64, 16))


def _evidence_row(entry: dict, ranges: dict) -> dict:
    if entry["kind"] == "document":
        return {"name": entry["title"] + (f"（{entry['number']}）" if entry["number"] else ""), "kind": "笔录",
                "source": "本机关制作", "proves": "", "pages": ranges.get(("document", entry["id"]), "")}
    kept_apart = [a for a in entry["attachments"] if not a["merge"]]
    name = entry["title"]
    if kept_apart:
        name += "；另存附件：" + "；".join(
            f"{'附件' + str(i + 1) if entry['patient_level'] else a['name']}（SHA-256 {_sha_groups(a['sha256'])}）"
            for i, a in enumerate(kept_apart))
    return {"name": name, "kind": entry["type_label"], "source": entry["source"], "proves": entry["proves"],
            "pages": ranges.get(("evidence", entry["id"]), "")}


def _catalogue_row(entry: dict, ranges: dict) -> dict:
    key = (entry["kind"], entry["id"])
    if entry["kind"] == "document":
        note = "已更正" if entry.get("superseded") else ""
        return {"title": entry["title"], "number": entry["number"], "date": entry["issued_on"] or "",
                "pages": ranges.get(key, ""), "note": note}
    note = entry["type_label"] + ("；另存" if any(not a["merge"] for a in entry["attachments"]) else "")
    return {"title": entry["title"], "number": "", "date": entry["collected_on"], "pages": ranges.get(key, ""),
            "note": note}


def _photos(entries) -> int:
    return sum(1 for e in entries if e["kind"] == "evidence" for a in e["attachments"]
               if a["type"] in ("jpeg", "png", "tiff"))


def _media(entries) -> int:
    return sum(1 for e in entries if e["kind"] == "evidence" for a in e["attachments"] if not a["merge"])


def _reference_notes(volume: str, entries, eager: bool) -> str:
    notes = []
    if volume == "main" and _media(entries):
        notes.append(f"音像、电子数据等不能装订的证据材料 {_media(entries)} 件以原件另存于电子档案包（BagIt），"
                     "其 SHA-256 载于证据目录")
    if volume == "sub":
        notes.append("举报人身份信息及举报材料另行保密保存，未装入本卷")
    if not eager:
        notes.append("页号以电子卷宗（合并 PDF）的页码标签为准")
    return "；".join(notes) or "无"


def _case_name(case) -> str:
    """"当事人＋违法行为＋案", without "涉嫌" once a penalty was decided (file_cover's field note, S30 ◐)."""
    from caseflow.documents.services import effective
    decided = any(effective(case.id, key) is not None for key in ("penalty_decision", "onsite_decision"))
    return case.title.replace("涉嫌", "") if decided else case.title


def _decision_number(case) -> str:
    from caseflow.documents.services import effective
    for key in DECISION_KEYS:
        doc = effective(case.id, key)
        if doc is not None and doc.number:
            return doc.number
    return ""


# ---------------------------------------------------------------- the combined PDF

@unit_of_work
def assemble(record_id: int, progress=None):
    """Merge the file's PDFs into one, with bookmarks and page labels; store it and set the record's hash, size
    and page count once, together with the page ranges of the manifest."""
    from caseflow.archive.models import ArchiveRecord
    from caseflow.storage import get_store
    pg = db.session.get_bind().dialect.name == "postgresql"
    record = db.session.get(ArchiveRecord, record_id, with_for_update=pg, populate_existing=True)
    if record.case_file_sha256 is not None:
        return record
    data, volumes, pages = build_case_file(record, progress)
    record.case_file_sha256 = get_store().put_bytes(data)
    record.case_file_size = len(data)
    record.pages = pages
    record.manifest = {**record.manifest, "volumes": volumes}
    record.assembled_at = local_now().replace(microsecond=0)
    db.session.flush()
    audit.record("CASE_FILE_ASSEMBLED", f"卷宗 {record.archive_no} 合并成册：共 {record.pages} 页", case=record.case,
                 after={"archive_no": record.archive_no, "sha256": record.case_file_sha256, "pages": record.pages})
    return record


def build_case_file(record, progress=None) -> tuple[bytes, list, int]:
    """The combined PDF of the record's manifest: (bytes, the volumes with page ranges, page count)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle
    writer = PdfWriter()
    volumes = []
    for volume in record.manifest["volumes"]:
        first = len(writer.pages)
        parent = None
        number, items = 1, []
        for item in volume["items"]:
            start = len(writer.pages)
            item = dict(item)
            if item["kind"] == "document":
                parts = [document_pdf(item)]
                item["pdf_sha256"] = db.session.get(_document_model(), item["id"]).pdf_sha256
            else:
                pdfs = [attachment_pdf(a) for a in item["attachments"]]
                parts = [p for p in pdfs if p]
                item["attachments"] = [{**a, "in_case_file": pdf is not None}
                                       for a, pdf in zip(item["attachments"], pdfs)]
            for part in parts:  # page by page: about twice as fast as PdfWriter.append, which also merges
                for page in PdfReader(io.BytesIO(part)).pages:  # forms, named destinations and outlines
                    writer.add_page(page)
            count = len(writer.pages) - start
            numbered = item["section"] not in ("cover", "catalogue", "reference")
            if count:
                if parent is None:
                    parent = writer.add_outline_item(title=volume["label"], page_number=first)
                writer.add_outline_item(title=_outline_title(item), page_number=start, parent=parent)
                if numbered:
                    writer.set_page_label(start, start + count - 1, style=PageLabelStyle.DECIMAL,
                                          prefix="" if volume["kind"] == "main" else "副", start=number)
                else:
                    writer.set_page_label(start, start + count - 1, style=PageLabelStyle.DECIMAL,
                                          prefix=f"{volume['label']}{_LABELS[item['section']]}-", start=1)
            if numbered:
                item["pages"] = _range(number, count)
                number += count
            item["pdf_pages"] = [start + 1, start + count] if count else None
            items.append(item)
            if progress:
                progress(1)
        volumes.append({**volume, "items": items, "numbered_pages": number - 1})
    case = record.case
    writer.add_metadata({"/Title": f"{case.title}（{record.archive_no}）", "/Subject": f"行政处罚案卷 {case.case_number}",
                         "/Author": case.organisation.name, "/Keywords": record.archive_no, "/Creator": "Caseflow"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), volumes, len(writer.pages)


_LABELS = {"cover": "封面", "catalogue": "目录", "reference": "备考表"}


def _document_model():
    from caseflow.documents.models import Document
    return Document


def _outline_title(item: dict) -> str:
    if item["kind"] == "document" and item.get("number"):
        return f"{item['title']}（{item['number']}）"
    return item["title"]


def item_count(record) -> int:
    return sum(len(v["items"]) for v in record.manifest["volumes"])
