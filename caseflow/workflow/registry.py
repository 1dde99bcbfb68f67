"""Registries of guards and effects: plain dicts filled by decorators, checked at start-up.

A guard returns None when it holds, or a Chinese reason when it fails. A guard that needs the
transition's form data is marked `needs_data`: it is skipped when listing the actions a user may take,
and checked when the transition is fired. An effect changes the case inside the transition's transaction.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

GUARDS: dict[str, "Guard"] = {}
EFFECTS: dict[str, Callable] = {}


@dataclass
class Guard:
    fn: Callable
    needs_data: bool = False


@dataclass
class Context:
    """What a guard or effect sees: the locked case, the acting user, the validated form data."""
    case: Any
    actor: Any
    data: dict
    transition: Any
    definition: Any
    today: date
    now: datetime
    approval: Any = None
    notes: list = field(default_factory=list)


def guard(name: str, needs_data: bool = False):
    def register(fn):
        if name in GUARDS:
            raise RuntimeError(f"guard {name} registered twice")
        GUARDS[name] = Guard(fn, needs_data)
        return fn
    return register


def effect(name: str):
    def register(fn):
        if name in EFFECTS:
            raise RuntimeError(f"effect {name} registered twice")
        EFFECTS[name] = fn
        return fn
    return register
