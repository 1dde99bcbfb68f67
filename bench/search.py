"""Search figures (issue 5): p50 / p95 of 2-, 3- and 5-character Chinese queries through the real search
code (caseflow.search.queries.search, first page of 20, ranked, with snippets) on SQLite and PostgreSQL,
against a plain `LIKE '%…%'` scan of the same text (count of matches: what a LIKE-based page needs for
its total) as the reference.

Generates N cases (default 100,000) with 10 documents each of synthetic enforcement text (about 1,000,000
documents) straight into the index tables of a scratch database: a SQLite file under /tmp and a PostgreSQL
database it creates and drops (`--pg-url` names the server; `--keep` keeps both).

Usage: .venv/bin/python bench/search.py [--cases N] [--runs N] [--skip-sqlite] [--skip-pg]
Prints figures; asserts nothing.
"""
import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOCS_PER_CASE = 10
BATCH_CASES = 2000

CITIES = ["东城", "西城", "朝阳", "海淀", "丰台", "石景山", "通州", "顺义", "昌平", "大兴", "房山", "怀柔", "平谷", "密云"]
HOSPITALS = ["第一人民医院", "第二人民医院", "中医医院", "妇幼保健院", "康复医院", "骨科医院", "口腔医院",
             "社区卫生服务中心", "仁和医院", "博爱医院", "同心诊所", "惠民诊所"]
PHARMACIES = ["康宁大药房", "同仁堂药店", "百姓药房", "济民大药房", "益丰药房", "老百姓大药房"]
VIOLATIONS = ["挂床住院", "串换药品", "虚记费用", "分解住院", "重复收费", "超标准收费", "过度诊疗", "无指征检查",
              "分解收费", "诱导住院", "超量开药", "虚构医药服务项目", "串换诊疗项目", "冒名就医"]
DOC_TITLES = ["立案审批表", "询问笔录", "现场检查笔录", "调查终结报告", "法制审核意见书", "行政处罚事先告知书",
              "陈述申辩笔录", "行政处罚决定书", "送达回证", "结案审批表"]
FILLER = [
    "执法人员出示了行政执法证件，告知当事人依法享有陈述、申辩的权利。",
    "当事人对上述事实无异议，并在笔录上签字确认。",
    "经调取医保结算数据并与住院病历逐项核对，发现多处不一致。",
    "依据《医疗保障基金使用监督管理条例》第三十八条，责令当事人退回医保基金。",
    "本机关依法组织了集体讨论，认为违法事实清楚，证据确凿。",
    "检查中调取了药品进销存台账、收费明细和医嘱单。",
    "当事人提交了书面整改报告，表示将加强内部管理。",
    "住院患者名单与床位实际使用情况不符，部分患者检查时不在院。",
    "以上事实有现场检查笔录、询问笔录、结算清单等证据证实。",
    "当事人在规定期限内未提出陈述、申辩，视为放弃权利。",
]
# probe terms by length (common, middling, rare); the generator plants the rare ones on purpose
PROBES = {
    2: ["骗保", "挂床", "串换", "冒领"],
    3: ["人民医", "超标准", "串换药", "进销存", "伪造票"],
    5: ["医疗保障局", "超标准收费", "虚记费用的", "虚假进销存", "伪造票据的"],
}


def organisation_name(rng):
    return f"北京市{rng.choice(CITIES)}区医疗保障局"


def facility(rng):
    return rng.choice(CITIES) + (rng.choice(HOSPITALS) if rng.random() < 0.7 else rng.choice(PHARMACIES))


def document_text(rng, title, place, day):
    violation = rng.choice(VIOLATIONS)
    amount = f"{rng.randint(200, 900000)}.{rng.randint(0, 99):02d}"
    parts = [f"{title}。", f"{place}于{day.year}年{day.month}月{day.day}日至{day.month % 12 + 1}月期间存在{violation}行为，"
             f"涉及医保基金{amount}元。"]
    parts += rng.sample(FILLER, 3)
    if rng.random() < 0.5:
        parts.append("上述行为属于以欺诈、伪造证明材料等手段骗取医保基金支出的情形（骗保）。")
    if rng.random() < 0.1:
        parts.append(f"另查明存在超标准收费问题，金额{rng.randint(100, 9999)}元。")
    if rng.random() < 0.05:
        parts.append(f"部分费用为虚记费用的情形，共{rng.randint(2, 90)}人次。")
    if rng.random() < 0.002:
        parts.append("当事人提供了虚假进销存记录。")
    if rng.random() < 0.002:
        parts.append("经核实存在伪造票据的行为。")
    if rng.random() < 0.001:
        parts.append("有参保人冒领待遇。")
    return "".join(parts)


def percentile(values, q):
    values = sorted(values)
    return values[max(0, int(round(q * len(values))) - 1)]


def make_app(url, folder):
    from caseflow import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_DIR": str(folder),
                       "STORAGE_DIR": str(Path(folder) / "storage"), "SQLITE_EXTRA_PRAGMAS": ("synchronous=OFF",)})


def populate(n_cases, dialect, seed=5):
    """World (organisations, users, parties), n_cases cases, and their index rows, in bulk."""
    from sqlalchemy import insert, select, text

    from caseflow.auth.models import User
    from caseflow.cases.models import Case
    from caseflow.demo import build_world
    from caseflow.extensions import db
    from caseflow.parties.models import Party
    from caseflow.search.models import POSTGRESQL_DDL, SearchEntry
    from caseflow.search.tokens import index_text

    build_world(password_hash="bench-not-a-password")
    db.session.commit()
    rng = random.Random(seed)
    officer = db.session.execute(select(User).where(User.username == "officer")).scalar_one()
    org_id, user_id = officer.organisation_id, officer.id  # the officer's organisation handles every case
    party_ids = db.session.execute(select(Party.id)).scalars().all()
    if dialect == "sqlite":
        db.session.execute(text("DROP TRIGGER search_entries_fts_insert"))
    else:
        db.session.execute(text("DROP INDEX ix_search_entries_tsv"))
    db.session.commit()
    columns = ["id", "case_id", "organisation_id", "kind", "ref_id", "title", "body", "tokens", "restricted",
               "fine_amount", "updated_at"]
    entry_id = 0
    started = time.perf_counter()
    for first in range(1, n_cases + 1, BATCH_CASES):
        cases, entries = [], []
        for case_id in range(first, min(first + BATCH_CASES, n_cases + 1)):
            year = rng.randint(2016, 2025)
            filed = date(year, rng.randint(1, 12), rng.randint(1, 28))
            place = facility(rng)
            cause = rng.choice(VIOLATIONS)
            number = f"京{rng.choice(CITIES)}医保罚〔{year}〕{case_id}号"
            stamp = datetime.combine(filed, datetime.min.time()) + timedelta(days=rng.randint(0, 300))
            fine = rng.randint(1000, 500000)
            cases.append({"id": case_id, "organisation_id": org_id, "workflow": "general_procedure",
                          "state": "archived", "version": 1, "case_number": number, "number_series": "general",
                          "case_year": year, "case_seq": case_id, "title": f"{place}涉嫌{cause}案", "cause": cause,
                          "party_id": rng.choice(party_ids), "filed_on": filed, "closed_on": filed + timedelta(days=120),
                          "created_by_id": user_id, "created_at": stamp, "updated_at": stamp, "facts": {}})
            texts = [("case", case_id, f"{place}涉嫌{cause}案",
                      f"{number} {place}涉嫌{cause}案 案由：{cause} {organisation_name(rng)} 罚款 {fine} 元")]
            for n, title in enumerate(DOC_TITLES):
                texts.append(("document", case_id * 100 + n, f"{title} {number}",
                              document_text(rng, title, place, filed + timedelta(days=n * 7))))
            for kind, ref_id, title, body in texts:
                entry_id += 1
                entries.append((entry_id, case_id, org_id, kind, ref_id, title, body, index_text(body), False, fine,
                                stamp))
        db.session.execute(insert(Case.__table__), cases)
        if dialect == "postgresql":
            raw = db.session.connection().connection.driver_connection
            with raw.cursor().copy(f"COPY search_entries ({', '.join(columns)}) FROM STDIN") as copy:
                for row in entries:
                    copy.write_row(row)
        else:
            db.session.execute(insert(SearchEntry.__table__), [dict(zip(columns, row)) for row in entries])
        db.session.commit()
        done = min(first + BATCH_CASES - 1, n_cases)
        print(f"\r  {done:,}/{n_cases:,} cases, {entry_id:,} index rows, {time.perf_counter() - started:.0f} s",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    started = time.perf_counter()
    if dialect == "sqlite":
        db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
        db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
        from caseflow.search.models import SQLITE_DDL
        db.session.execute(text(SQLITE_DDL[1]))
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("SET maintenance_work_mem = '1GB'"))
        db.session.execute(text(POSTGRESQL_DDL[1]))
        db.session.execute(text(f"SELECT setval('search_entries_id_seq', {entry_id})"))
        db.session.execute(text(f"SELECT setval('cases_id_seq', {n_cases})"))
    db.session.commit()
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_entries"))
            conn.execute(text("VACUUM ANALYZE cases"))
    print(f"  full-text index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return entry_id


def measure(runs, like_runs):
    from sqlalchemy import func, select

    from caseflow.auth.models import User
    from caseflow.extensions import db
    from caseflow.search.models import SearchEntry
    from caseflow.search.queries import SearchFilters, search

    officer = db.session.execute(select(User).where(User.username == "officer")).scalar_one()
    rows = []
    for length, terms in PROBES.items():
        fast, slow = [], []
        for term in terms:
            search(None, SearchFilters(q=term))  # warm the cache once
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                result = search(None, SearchFilters(q=term))
                times.append(time.perf_counter() - t)
            scoped = []  # as an officer: the visibility filter (organisation scope) joins in
            for _ in range(max(1, runs // 4)):
                t = time.perf_counter()
                search(officer, SearchFilters(q=term))
                scoped.append(time.perf_counter() - t)
            like_times = []
            for _ in range(like_runs):
                t = time.perf_counter()
                matches = db.session.execute(select(func.count(SearchEntry.id))
                                             .where(SearchEntry.body.like(f"%{term}%"))).scalar_one()
                like_times.append(time.perf_counter() - t)
            fast += times
            slow += like_times
            print(f"    {term:<6} matches {matches:>9,} (search shows {result.total_label}, "
                  f"{len(result.hits)} on page 1): search p50 {statistics.median(times) * 1000:7.1f} ms "
                  f"(as an officer {statistics.median(scoped) * 1000:7.1f} ms), "
                  f"LIKE scan {statistics.median(like_times) * 1000:8.1f} ms", flush=True)
        rows.append((length, statistics.median(fast), percentile(fast, 0.95), statistics.median(slow),
                     percentile(slow, 0.95)))
    return rows


def report(name, rows, docs):
    print(f"\n{name}, {docs:,} index rows:")
    print(f"  {'query':<10}{'search p50':>12}{'search p95':>12}{'LIKE p50':>12}{'LIKE p95':>12}{'speed-up p95':>14}")
    for length, p50, p95, lp50, lp95 in rows:
        print(f"  {str(length) + ' chars':<10}{p50 * 1000:10.1f}ms{p95 * 1000:10.1f}ms{lp50 * 1000:10.1f}ms"
              f"{lp95 * 1000:10.1f}ms{lp95 / p95:13.0f}×")


def run(url, dialect, args, folder):
    from caseflow.extensions import db
    app = make_app(url, folder)
    with app.app_context():
        started = time.perf_counter()
        db.create_all()
        docs = populate(args.cases, dialect)
        print(f"  {dialect}: generated and loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = measure(args.runs, args.like_runs)
        report(dialect, rows, docs)
        db.session.remove()
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20, help="timed searches per probe term")
    parser.add_argument("--like-runs", type=int, default=3, help="timed LIKE scans per probe term")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--pg-db", help="measure this existing database (made by an earlier run with --keep) "
                                        "instead of generating one")
    args = parser.parse_args()
    if args.pg_db:
        from caseflow.extensions import db
        from sqlalchemy import func, select
        from caseflow.search.models import SearchEntry
        folder = Path(tempfile.mkdtemp(prefix="caseflow-bench-search-"))
        with make_app(f"{args.pg_url.rsplit('/', 1)[0]}/{args.pg_db}", folder).app_context():
            report("postgresql", measure(args.runs, args.like_runs),
                   db.session.execute(select(func.count(SearchEntry.id))).scalar_one())
        shutil.rmtree(folder, ignore_errors=True)
        return
    print(f"{args.cases:,} cases × {DOCS_PER_CASE} documents (+1 case row each)")
    folder = Path(tempfile.mkdtemp(prefix="caseflow-bench-search-"))
    if not args.skip_sqlite:
        path = folder / "search.db"
        try:
            run(f"sqlite:///{path}", "sqlite", args, folder)
        finally:
            if not args.keep:
                path.unlink(missing_ok=True)
    if not args.skip_pg:
        from sqlalchemy import create_engine, text
        base = args.pg_url.rsplit("/", 1)[0]
        name = f"caseflow_bench_search_{int(time.time())}"
        admin = create_engine(args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(f"{base}/{name}", "postgresql", args, folder)
        finally:
            if not args.keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
