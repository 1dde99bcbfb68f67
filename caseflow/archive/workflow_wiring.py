"""The archive in the workflow: the archive_case transition's effect (archive record with its number and
retention by outcome, the D50 documents, the frozen manifest; the combined PDF when rendering is on).

A retention shorter than the outcome requires is refused by the effect (ValidationFailed on the `retention`
field, nothing written), not by a guard: it is a check of the submitted form, like a field validation."""
from caseflow.workflow.registry import effect


@effect("archive_case_file")
def archive_case_file(ctx):
    """Archive the closed case: number, retention by outcome, the D50 documents and the frozen manifest."""
    from caseflow.archive.assembly import archive_case_file as archive
    from caseflow.documents.workflow_wiring import act_time
    record = archive(ctx.case, ctx.actor, act_time(ctx), ctx.data.get("retention"), ctx.data.get("retention_note"))
    pages = f"，共 {record.pages} 页" if record.pages else ""
    ctx.notes.append(f"已立卷归档：档号 {record.archive_no}，保管期限{record.retention_label}{pages}")
