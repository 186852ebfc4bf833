"""API errors as the real apiserver reports them: a `metav1.Status` with code, reason and message."""

from __future__ import annotations

from typing import Any

from k8stui.sim.resources import Resource

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "",  # the real server sends no reason for internal errors
}


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None,
                 details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason if reason is not None else REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            out["reason"] = self.reason
        out["code"] = self.code
        if self.details is not None:
            out["details"] = self.details
        return out


def _details(res: Resource, name: str | None, **more: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": res.plural}
    if name:
        d["name"] = name
    if res.group:
        d["group"] = res.group
    d.update(more)
    return d


def not_found(res: Resource, name: str) -> ApiError:
    return ApiError(404, f'{res.group_resource} "{name}" not found', details=_details(res, name))


def already_exists(res: Resource, name: str) -> ApiError:
    return ApiError(409, f'{res.group_resource} "{name}" already exists', "AlreadyExists",
                    details=_details(res, name))


def conflict(res: Resource, name: str) -> ApiError:
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {res.group_resource} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        "Conflict", details=_details(res, name))


def invalid(res: Resource, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """causes: (field, reason type e.g. FieldValueRequired, message)."""
    what = f"{res.kind}.{res.group}" if res.group else res.kind  # Deployment.apps, as the server says
    msgs = ", ".join(f"{f}: {m}" for f, _, m in causes)
    message = f'{what} "{name}" is invalid: {msgs}' if len(causes) == 1 else f'{what} "{name}" is invalid: [{msgs}]'
    return ApiError(422, message, "Invalid", details=_details(
        res, name, kind=res.kind,
        causes=[{"reason": r, "message": m, "field": f} for f, r, m in causes]))


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "BadRequest")


def gone(message: str) -> ApiError:
    return ApiError(410, message, "Expired")
