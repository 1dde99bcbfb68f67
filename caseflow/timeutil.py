"""The one clock of the application: local (China) time, so 'today' matches the statutory calendar."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now_local() -> datetime:
    return datetime.now(CHINA)


def today() -> date:
    return now_local().date()


def local_now() -> datetime:
    """Naive local time for database columns (the app stores China time throughout, like the audit trail)."""
    return now_local().replace(tzinfo=None)
