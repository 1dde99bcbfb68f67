"""The BagIt package (RFC 8493) of an archived case, written with the `bagit` library: anyone can check it with
standard tools (`bagit.py --validate`), years from now, without Caseflow.

    <archive number>/            bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
      data/case-file.pdf         the combined case file (archive copy only: it holds the internal 副卷)
      data/documents/…pdf        the issued documents as stored (PDF/A-3b, never re-rendered)
      data/evidence/<seq>-<name> the evidence originals, byte for byte
      data/metadata.json         case metadata and the manifest with every SHA-256

Privacy (spec §8): the reporter's identity and the 举报笔录 never enter the file or the package; ID numbers are
masked in the metadata; patient-level evidence is named by its number only. The party's copy (阅卷, party_copy)
holds only the 正卷 documents served on the party (with their 送达回证) and the evidence that is not patient-level.
The bag is built in a temporary folder inside OUTDIR and renamed into place, so OUTDIR never holds half a bag.
"""
import json
import re
import shutil
import tempfile
from pathlib import Path

import bagit

from caseflow.errors import Conflict
from caseflow.extensions import db

SAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")
ARCHIVE_SECTIONS = ("cover", "catalogue", "reference")


def _safe(name: str) -> str:
    return SAFE.sub("_", name).strip("._") or "file"


def _masked_party(party) -> dict:
    from caseflow.parties.validators import mask_id_number
    return {"name": party.name, "kind": party.kind, "credit_code": party.credit_code or None,
            "id_number": mask_id_number(party.id_number) if party.id_number else None}


def _selected(record, party_copy: bool) -> list[tuple[dict, dict]]:
    """(volume, item) pairs going into the package."""
    chosen = []
    for volume in record.manifest["volumes"]:
        for item in volume["items"]:
            if party_copy:
                if volume["kind"] != "main" or item["section"] in ARCHIVE_SECTIONS:
                    continue
                if item["kind"] == "document" and not item.get("served_on_party"):
                    continue
                if item["kind"] == "evidence" and item["patient_level"]:
                    continue
            chosen.append((volume, item))
    return chosen


def _public_item(item: dict) -> dict:
    """A manifest item as the package shows it: patient-level file names replaced by numbers (spec §8)."""
    item = dict(item)
    if item["kind"] == "evidence" and item["patient_level"]:
        item["attachments"] = [{**a, "name": f"附件{i + 1}"} for i, a in enumerate(item["attachments"])]
    return item


def metadata(record, selected, party_copy: bool) -> dict:
    from caseflow.archive.assembly import _decision_number
    case = record.case
    return {
        "format": "Caseflow 行政处罚电子案卷 1.0",
        "copy": "当事人阅卷副本" if party_copy else "归档案卷",
        "archive_no": record.archive_no, "case_number": case.case_number, "case_name": case.title,
        "cause": case.cause, "procedure": "简易程序" if case.workflow == "simplified_procedure" else "一般程序",
        "organisation": case.organisation.name, "party": _masked_party(case.party),
        "decision_number": _decision_number(case) or None,
        "decision_numbers": sorted({i["number"] for _, i in selected if i["kind"] == "document"
                                    and i["key"] in ("penalty_decision", "no_penalty_decision", "onsite_decision")
                                    and i["number"]}),
        "filed_on": case.filed_on.isoformat() if case.filed_on else None,
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "archived_at": record.archived_at.isoformat(), "archived_by": record.archived_by.name,
        "officers": [{"name": o.user.name, "credential_no": o.user.credential_no} for o in case.officers if o.active],
        "retention": record.retention, "retention_label": record.retention_label,
        "retention_until": record.retention_until.isoformat() if record.retention_until else None,
        "retention_basis": record.retention_basis,
        "case_file": None if party_copy else {"path": "data/case-file.pdf", "sha256": record.case_file_sha256,
                                              "size": record.case_file_size, "pages": record.pages},
        "items": [{"volume": v["label"], **_public_item(i)} for v, i in selected],
        "privacy": "举报人身份信息及举报笔录不入卷、不导出；身份证号码已遮蔽；涉及患者个人信息的证据仅以编号标示"
                   + ("；阅卷副本不含副卷、内部文书和涉及患者个人信息的证据" if party_copy else ""),
    }


def bag_info(record, party_copy: bool) -> dict:
    case = record.case
    org = case.organisation
    settings = org.document_settings or {}
    from caseflow.parties.validators import mask_id_number
    party = case.party.name + (f"（{mask_id_number(case.party.id_number)}）" if case.party.id_number else "")
    info = {"Source-Organization": org.name, "External-Identifier": record.archive_no,
            "External-Description": f"{case.title}（{'当事人阅卷副本' if party_copy else '归档案卷'}）",
            "Internal-Sender-Identifier": case.case_number or "", "Case-Number": case.case_number or "",
            "Case-Party": party, "Case-Cause": case.cause,
            "Case-Filed-On": case.filed_on.isoformat() if case.filed_on else "",
            "Case-Closed-On": case.closed_on.isoformat() if case.closed_on else "",
            "Archive-Number": record.archive_no, "Retention-Period": record.retention_label,
            "Retention-Until": record.retention_until.isoformat() if record.retention_until else "永久",
            "Case-File-Pages": str(record.pages or ""), "Bag-Group-Identifier": record.archive_no}
    if settings.get("address"):
        info["Organization-Address"] = settings["address"]
    if settings.get("phone"):
        info["Contact-Phone"] = settings["phone"]
    return info


def write_bag(record, outdir: Path, party_copy: bool = False, progress=None) -> Path:
    """Write the case's bag into `outdir` (created if missing) and return its path."""
    from caseflow.archive.assembly import document_pdf
    from caseflow.archive.services import case_file_pdf
    from caseflow.storage import get_store
    outdir.mkdir(parents=True, exist_ok=True)
    name = _safe(record.archive_no) + ("-阅卷副本" if party_copy else "")
    final = outdir / name
    if final.exists():
        raise Conflict(f"目标目录中已有 {name}，请换一个输出目录或先移走旧的导出")
    case_pdf = None if party_copy else case_file_pdf(record, progress=progress)
    db.session.refresh(record)
    selected = _selected(record, party_copy)
    store = get_store()
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=outdir))
    try:
        if case_pdf is not None:
            (tmp / "case-file.pdf").write_bytes(case_pdf)
        (tmp / "documents").mkdir()
        (tmp / "evidence").mkdir()
        n = 0
        for _volume, item in selected:
            if item["kind"] == "document":
                n += 1
                number = f"-{_safe(item['number'])}" if item["number"] else ""
                (tmp / "documents" / f"{n:03d}-{_safe(item['title'])}{number}.pdf").write_bytes(document_pdf(item))
            else:
                for i, a in enumerate(item["attachments"], 1):
                    label = f"附件{i}" + Path(a["name"]).suffix if item["patient_level"] else a["name"]
                    # the attachment's position keeps two files of one item with the same name apart
                    target = tmp / "evidence" / f"{item['seq']:03d}-{i:02d}-{_safe(label)}"
                    with store.open(a["sha256"]) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
            if progress:
                progress(1)
        with open(tmp / "metadata.json", "w", encoding="utf-8") as fh:
            json.dump(metadata(record, selected, party_copy), fh, ensure_ascii=False, indent=2)
        bagit.make_bag(str(tmp), bag_info(record, party_copy), processes=1, checksums=["sha256"])
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
