"""Request/response records, WP-style errors and WP REST argument validation."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from adapter.emulators.woocommerce.dates import parse_request_date


@dataclass
class Request:
    """One HTTP request as the API layer sees it."""

    method: str
    path: str  #: raw path, not decoded
    query: dict[str, Any]  #: PHP-style $_GET
    params: dict[str, Any]  #: WP's merged params: URL < GET < POST < JSON
    headers: Mapping[str, str]
    tls: bool
    body: Any = None  #: decoded JSON body, if any


@dataclass
class Response:
    """One HTTP response."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=UTF-8"
    fields_applied: bool = False  #: ``_fields`` was already applied while building the body


class WpError(Exception):
    """A WP_Error: ``{"code","message","data":{"status",…}}``."""

    def __init__(self, code: str, message: str, status: int = 400, **data: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.data = data
        self.headers: list[tuple[str, str]] = []

    def payload(self) -> dict[str, Any]:
        """The JSON body WordPress sends."""
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def json_response(data: Any, status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> Response:
    """A JSON response."""
    body = json.dumps(data).encode("utf-8")  # WordPress escapes non-ASCII as \uXXXX too
    return Response(status, body, list(headers))


def response_fields(value: Any) -> dict[str, Any] | None:
    """WordPress's ``_fields`` parameter as a tree of kept keys (``rest_filter_response_fields``).

    A comma/space separated list (or an array) of keys; ``a.b`` keeps ``b``
    inside ``a``; a key already kept whole ignores its sub-keys. None when
    the parameter is absent or empty (the response is left alone).
    """
    if value is None:
        return None
    if isinstance(value, dict):
        value = list(value.values())
    items = value if isinstance(value, list) else re.split(r"[\s,]+", str(value))
    fields = [str(f).strip() for f in items if str(f).strip()]
    if not fields:
        return None
    keyed: dict[str, Any] = {}
    for name in fields:
        parts = name.split(".")
        ref = keyed
        for part in parts[:-1]:
            if ref.get(part) is True:
                break
            ref = ref.setdefault(part, {})
        else:
            ref[parts[-1]] = True
    return keyed


def _intersect(value: Any, keyed: dict[str, Any]) -> Any:
    """PHP ``_rest_array_intersect_key_recursive`` (a list is an array with keys 0, 1, …)."""
    if isinstance(value, list):
        kept = {str(i): v for i, v in enumerate(value) if str(i) in keyed}
        out: Any = {k: _intersect(v, keyed[k]) if isinstance(keyed[k], dict) else v for k, v in kept.items()}
        return list(out.values()) if list(out) == [str(i) for i in range(len(out))] else out
    if not isinstance(value, dict):
        return value
    return {k: _intersect(v, keyed[k]) if isinstance(keyed[k], dict) and isinstance(v, dict | list) else v
            for k, v in value.items() if k in keyed}


def filter_fields(data: Any, keyed: dict[str, Any]) -> Any:
    """The response data cut down to ``keyed`` (each item of a list response on its own)."""
    if isinstance(data, list):
        return [_intersect(item, keyed) for item in data]
    return _intersect(data, keyed)


def error_response(err: WpError) -> Response:
    """The response for a WP_Error."""
    return json_response(err.payload(), err.status, err.headers)


def invalid_id(kind: str, status: int = 404) -> WpError:
    """``woocommerce_rest_{post_type}_invalid_id``."""
    return WpError(f"woocommerce_rest_{kind}_invalid_id", "Invalid ID.", status)


# --------------------------------------------------------------------------- validation

Spec = dict[str, Any]


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and re.fullmatch(r"-?\d+(\.0*)?", value.strip()) is not None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return value in (1, "1")
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[\s,]+", value) if v.strip()]
    return [value]


def _check(name: str, value: Any, spec: Spec) -> tuple[Any, tuple[str, str] | None]:
    """Validate and sanitize one value; return (value, (code, message)) on failure."""
    kind = spec.get("type")
    if value is None and spec.get("nullable"):
        return None, None
    if kind == "integer":
        if not _is_int(value):
            return value, ("rest_invalid_type", f"{name} is not of type integer.")
        value = int(float(value))
        low, high = spec.get("minimum"), spec.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            return value, ("rest_out_of_bounds", f"{name} must be between {low} (inclusive) and {high} (inclusive)")
    elif kind == "string":
        if not isinstance(value, str):
            return value, ("rest_invalid_type", f"{name} is not of type string.")
        if spec.get("format") == "date-time" and parse_request_date(value, gmt=True) is None:
            return value, ("rest_invalid_date", "Invalid date.")
        if spec.get("format") == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            return value, ("rest_invalid_email", "Invalid email address.")
    elif kind == "boolean":
        parsed = _as_bool(value)
        if parsed is None:
            return value, ("rest_invalid_type", f"{name} is not of type boolean.")
        value = parsed
    elif kind == "array":
        if isinstance(value, str) and not spec.get("strict_array"):
            value = _as_list(value)
        if not isinstance(value, list):
            return value, ("rest_invalid_type", f"{name} is not of type array.")
        item = spec.get("items")
        if item:
            out = []
            for i, element in enumerate(value):
                checked, problem = _check(f"{name}[{i}]", element, item)
                if problem:
                    return value, problem
                out.append(checked)
            value = out
    elif kind == "object" and not isinstance(value, dict):
        return value, ("rest_invalid_type", f"{name} is not of type object.")
    if "enum" in spec and value not in spec["enum"]:
        return value, ("rest_not_in_enum", f"{name} is not one of {', '.join(spec['enum'])}.")
    return value, None


def validate(params: dict[str, Any], schema: Mapping[str, Spec]) -> dict[str, Any]:
    """Validate ``params`` against ``schema`` like WP REST; unknown keys pass through.

    Raises ``rest_missing_callback_param`` / ``rest_invalid_param`` (400); returns
    the sanitized params with defaults filled in.
    """
    missing = [n for n, s in schema.items() if s.get("required") and n not in params]
    if missing:
        raise WpError("rest_missing_callback_param", f"Missing parameter(s): {', '.join(missing)}", 400,
                      params=missing)
    out = dict(params)
    problems: dict[str, tuple[str, str]] = {}
    for name, spec in schema.items():
        if name not in params:
            if "default" in spec:
                out[name] = spec["default"]
            continue
        value, problem = _check(name, params[name], spec)
        if problem:
            problems[name] = problem
        out[name] = value
    if problems:
        raise WpError(
            "rest_invalid_param", f"Invalid parameter(s): {', '.join(problems)}", 400,
            params={n: p[1] for n, p in problems.items()},
            details={n: {"code": p[0], "message": p[1], "data": None} for n, p in problems.items()},
        )
    return out


def collection_schema(orderby: Sequence[str], default_orderby: str = "date", default_order: str = "desc") -> dict[str, Spec]:
    """The collection params every WooCommerce list endpoint shares."""
    return {
        "context": {"type": "string", "enum": ["view", "edit"], "default": "view"},
        "page": {"type": "integer", "minimum": 1, "default": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
        "search": {"type": "string"},
        "after": {"type": "string", "format": "date-time"},
        "before": {"type": "string", "format": "date-time"},
        "modified_after": {"type": "string", "format": "date-time"},
        "modified_before": {"type": "string", "format": "date-time"},
        "dates_are_gmt": {"type": "boolean", "default": False},
        "exclude": {"type": "array", "items": {"type": "integer"}, "default": []},
        "include": {"type": "array", "items": {"type": "integer"}, "default": []},
        "offset": {"type": "integer"},
        "order": {"type": "string", "enum": ["asc", "desc"], "default": default_order},
        "orderby": {"type": "string", "enum": list(orderby), "default": default_orderby},
    }


def page_headers(req: Request, base_url: str, total: int, page: int, per_page: int) -> list[tuple[str, str]]:
    """X-WP-Total, X-WP-TotalPages and a Link header with rel prev/next."""
    pages = math.ceil(total / per_page) if per_page else 0
    headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    links = []
    query = {k: v for k, v in req.query.items() if k != "page" and not isinstance(v, dict)}

    def link(target: int, rel: str) -> str:
        return f'<{base_url}{req.path}?{urlencode({**query, "page": target})}>; rel="{rel}"'

    if page > 1:
        links.append(link(min(page - 1, max(pages, 1)), "prev"))
    if pages > page:
        links.append(link(page + 1, "next"))
    if links:
        headers.append(("Link", ", ".join(links)))
    return headers
