"""The catalogue of statutory time limits (caseflow/rules/data/time_limits.yaml), loaded once."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from caseflow.errors import ConfigurationError

DATA = Path(__file__).parent / "data" / "time_limits.yaml"


@dataclass(frozen=True)
class TimeLimit:
    code: str
    kind: str
    days: int
    unit: str
    basis: str
    level: str
    verified: bool
    extension_days: int | None = None

    @property
    def citation(self) -> str:
        return self.basis if self.verified else f"{self.basis}（条款待核实）"


@lru_cache(maxsize=1)
def time_limits() -> dict[str, TimeLimit]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    result = {}
    for code, spec in raw.items():
        if spec.get("unit") not in ("working", "calendar", "months"):
            raise ConfigurationError(f"时限 {code} 的单位无效")
        result[code] = TimeLimit(code, spec["kind"], int(spec["days"]), spec["unit"], spec["basis"],
                                 spec["level"], bool(spec["verified"]),
                                 (spec.get("extension") or {}).get("days"))
    return result
