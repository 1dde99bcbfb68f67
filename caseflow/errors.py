"""The DomainError family; each maps to one HTTP status and a stable error code."""


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    """Input that fails validation; details maps field names to Chinese messages."""
    status = 422
    code = "validation_failed"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The record changed since the user saw it (optimistic lock) or a unique rule was hit."""
    status = 409
    code = "conflict"


class TransitionRefused(DomainError):
    """A transition whose guards failed; details['reasons'] lists every failing reason in Chinese."""
    status = 409
    code = "transition_refused"

    def __init__(self, reasons: list[str], details: dict | None = None):
        super().__init__("操作未能执行：" + "；".join(reasons), {"reasons": list(reasons), **(details or {})})
        self.reasons = list(reasons)


class ConfigurationError(Exception):
    """A definition (workflow, rules) that cannot be loaded; stops the app at start-up."""
