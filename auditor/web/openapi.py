"""A small OpenAPI 3.1 generator over pydantic's JSON Schema.

Every API view is declared with `operation(...)`, which registers the Flask route and records
the models it validates with; `/api/v1/openapi.json` is built from those same models. Other
blueprints (crawl jobs, ...) declare their views the same way and appear in the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from flask import Blueprint, Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from auditor.web.schemas import ErrorResponse

if TYPE_CHECKING:
    from pydantic.json_schema import JsonSchemaMode

ModelRef = type[BaseModel] | Callable[[Flask], type[BaseModel]]

ERROR_DESCRIPTIONS = {
    400: "Malformed JSON (`malformed_json`).",
    401: "A token is required or the token is unknown or revoked.",
    403: "The request's Origin or Host is not allowed (crawls: or private addresses are).",
    404: "No such resource.",
    409: "The resource is not in a state that allows this (e.g. `crawl_not_running`).",
    413: "The body or the text is over the limit (`body_too_large`, `text_too_large`).",
    415: "The body is not `application/json`.",
    422: "Missing or invalid fields, or text the engine will not rate.",
    429: "Rate limited; see `Retry-After`.",
    503: "The database is unavailable.",
}
POST_ERRORS = (400, 401, 403, 413, 415, 422, 429)
GET_ERRORS = (401, 403, 429)


@dataclass
class Operation:
    path: str
    method: str
    summary: str
    endpoint: str
    body: ModelRef | None = None
    query: type[BaseModel] | None = None
    path_params: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    media: str = "application/json"
    errors: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    public: bool = False  # no token needed
    description: str = ""


OPERATIONS: list[Operation] = []


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    body: ModelRef | None = None,
    query: type[BaseModel] | None = None,
    path_params: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    media: str = "application/json",
    errors: tuple[int, ...] | None = None,
    tags: tuple[str, ...] = (),
    public: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on `bp` and describe it in the OpenAPI document.

    `path_params` gives the URL variables' schemas (else plain strings); `status` and `media`
    are the success response's (a non-JSON `media` is documented as a string body).
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        bp.add_url_rule(rule, view_func=fn, methods=[method])
        OPERATIONS.append(
            Operation(
                path=(bp.url_prefix or "") + rule,
                method=method.lower(),
                summary=summary,
                endpoint=f"{bp.name}.{fn.__name__}",
                body=body,
                query=query,
                path_params=path_params,
                response=response,
                status=status,
                media=media,
                errors=errors
                if errors is not None
                else (POST_ERRORS if method in ("POST", "PUT", "PATCH") else GET_ERRORS),
                tags=tags or (bp.name,),
                public=public,
                description=(fn.__doc__ or "").strip(),
            )
        )
        return fn

    return register


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _resolve(app: Flask, model: ModelRef) -> type[BaseModel]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    # a model class is callable too, so the check above cannot narrow `model` to the factory
    return cast("Callable[[Flask], type[BaseModel]]", model)(app)


def build_document(app: Flask, title: str, version: str) -> dict[str, Any]:
    registered = {r.endpoint for r in app.url_map.iter_rules()}
    ops = [op for op in OPERATIONS if op.endpoint in registered]
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorResponse, "serialization")]
    for op in ops:
        if op.body is not None:
            models.append((_resolve(app, op.body), "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    ref = "#/components/schemas/{model}"
    keys, top = models_json_schema(models, ref_template=ref)
    schemas = top.get("$defs", {})

    def ref_of(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return keys[(model, mode)]

    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", op.path)
        spec: dict[str, Any] = {
            "operationId": op.endpoint.replace(".", "_"),
            "summary": op.summary,
            "tags": list(op.tags),
            "responses": {},
        }
        if op.description:
            spec["description"] = op.description
        declared = op.path_params.model_json_schema()["properties"] if op.path_params else {}
        params = []
        for m in _CONVERTER.finditer(op.path):
            schema = dict(declared.get(m.group(2), {}))
            schema.pop("title", None)
            desc = schema.pop("description", None)
            if not schema:
                schema = {"type": "integer" if m.group(1) == "int" else "string"}
            param = {"name": m.group(2), "in": "path", "required": True, "schema": schema}
            if desc:
                param["description"] = desc
            params.append(param)
        if op.query is not None:
            qschema = op.query.model_json_schema(ref_template=ref)
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                prop = dict(prop)
                desc = prop.pop("description", None)
                prop.pop("title", None)
                param = {"name": name, "in": "query", "required": name in required}
                param["schema"] = prop
                if desc:
                    param["description"] = desc
                params.append(param)
        if params:
            spec["parameters"] = params
        if op.body is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": ref_of(_resolve(app, op.body), "validation")}
                },
            }
        if op.response is not None:
            spec["responses"][str(op.status)] = {
                "description": "Accepted" if op.status == 202 else "OK",
                "content": {op.media: {"schema": ref_of(op.response, "serialization")}},
            }
        elif op.media != "application/json":
            spec["responses"][str(op.status)] = {
                "description": "OK",
                "content": {op.media: {"schema": {"type": "string"}}},
            }
        for status in op.errors:
            spec["responses"][str(status)] = {
                "description": ERROR_DESCRIPTIONS.get(status, "Error"),
                "content": {"application/json": {"schema": ref_of(ErrorResponse, "serialization")}},
            }
        if op.public:
            spec["security"] = []
        paths.setdefault(path, {})[op.method] = spec

    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": 'Errors are always JSON `{"error": {"code", "message"}}`.',
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`auditor token create NAME`; not needed on loopback "
                    "without an Origin.",
                }
            },
        },
        "security": [{}, {"bearer": []}],
    }
