"""The one place that fills the guard and effect registries: the engine's own modules and every domain's
workflow wiring. The app factory and the tests that load workflow definitions import this module."""
from caseflow.archive import workflow_wiring as _archive  # noqa: F401
from caseflow.documents import workflow_wiring as _documents  # noqa: F401
from caseflow.workflow import effects as _effects, guards as _guards  # noqa: F401
