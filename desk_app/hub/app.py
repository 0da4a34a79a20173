"""The training hub's HTTP side: every endpoint of docs/sync-protocol.md on FastAPI.

`create_app(store, faults)` makes the application; `desk-app hub serve` runs it on uvicorn.
Error answers are application/problem+json with a stable `code` (codes.ERROR_CODES) and an
English `detail`; none holds a value the desk sent (FastAPI's own validation answer would echo
the input: it is replaced here).
"""

# No `from __future__ import annotations`: FastAPI reads these annotations at run time.
import asyncio
import hashlib
import json
import zlib
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request, Response, Security
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from desk_app import paths, reference
from desk_app.hub import codes
from desk_app.hub.faults import DROP_HEADER, Faults
from desk_app.hub.store import HubStore, Item, KeyReused, NotOwned

PROBLEM = "application/problem+json"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
REFERENCE_FILES = reference.SHIPPED_FILES


class HubError(Exception):
    """An error answer: status and code from codes.ERROR_CODES, an English detail."""

    def __init__(
        self,
        code: str,
        detail: str,
        errors: list[dict] | None = None,
        retry_after: int | None = None,
        status: int | None = None,
    ):
        super().__init__(detail)
        self.code = code
        self.status = status or codes.ERROR_CODES[code]
        self.detail = detail
        self.errors = errors or []
        self.retry_after = retry_after


def problem(
    status: int,
    code: str,
    detail: str,
    errors: list[dict] | None = None,
    retry_after: int | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        "errors": errors or [],
    }
    headers = {}
    if retry_after is not None:
        body["retry_after"] = retry_after
        headers["Retry-After"] = str(retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


# -- the protocol's shapes (these make docs/sync-openapi.json) ---------------------------------


class FieldErrorModel(BaseModel):
    field: str
    code: str = Field(description="one of: " + ", ".join(codes.FIELD_CODES))
    message: str


class Problem(BaseModel):
    """Every error answer (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    code: str = Field(description="stable: " + ", ".join(sorted(codes.ERROR_CODES)))
    detail: str
    errors: list[FieldErrorModel] = []
    retry_after: int | None = None


class TokenRequest(BaseModel):
    client_id: str = Field(max_length=64)
    client_secret: str = Field(max_length=256)


class TokenAnswer(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = codes.TOKEN_SECONDS
    desk_code: str


class Anchor(BaseModel):
    event_no: int = Field(ge=0)
    hash: str = Field(min_length=1, max_length=128)
    at: str = Field(max_length=40, description="RFC 3339 time")


class HeldAnchor(Anchor):
    received_at: str


class AnchorList(BaseModel):
    anchors: list[HeldAnchor]


class AttachmentRef(BaseModel):
    sha256: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=0)
    filename: str = Field(max_length=255)


class Complaint(BaseModel):
    """The complaint object (§6). A batch item's `complaint` is checked by the hub item by
    item, so a bad field rejects that item, not the batch; this schema documents it."""

    model_config = ConfigDict(extra="allow")

    id: str
    tracking_no: str
    desk_code: str
    report_type: Literal["pengaduan", "aspirasi", "permintaan_informasi"]
    channel: Literal["datang_langsung", "telepon", "whatsapp", "surat", "email"]
    received_at: str
    recorded_by: str
    reporter_name: str | None = None
    reporter_nik: str | None = None
    reporter_phone: str | None = Field(None, description="E.164")
    reporter_email: str | None = None
    reporter_address: str | None = None
    anonymous: bool
    confidential: bool
    subject: str = Field(max_length=200)
    description: str = Field(max_length=5000)
    category: str
    agency: str
    region: str
    district: str | None = None
    village: str | None = None
    event_date: str | None = None
    event_place: str | None = ""
    loss: str | None = ""
    remedy: str | None = ""
    complained_before: bool | None = None
    due_date: str
    attachments: list[AttachmentRef] = []


class BatchItem(BaseModel):
    item_id: str = Field(max_length=64)
    kind: Literal["record", "correction", "erasure"]
    complaint_id: str = Field(max_length=36)
    revision: int = Field(ge=0)
    complaint: dict[str, Any] | None = Field(
        None,
        description="record and correction: the whole complaint (schema Complaint)",
    )
    changed_fields: list[str] | None = None
    erased_fields: list[str] | None = None
    erased_at: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self):
        if self.kind in ("record", "correction") and self.complaint is None:
            raise ValueError("a record or correction item needs its complaint")
        if self.kind == "erasure" and not self.erased_fields:
            raise ValueError("an erasure item needs erased_fields")
        return self


class BatchRequest(BaseModel):
    batch_id: str = Field(max_length=64)
    desk_code: str = Field(max_length=8)
    audit_anchor: Anchor | None = None
    items: list[BatchItem]


class ItemResult(BaseModel):
    item_id: str
    complaint_id: str
    result: Literal["accepted", "duplicate", "conflict", "rejected"]
    provincial_id: str | None = None
    errors: list[FieldErrorModel] | None = None


class BatchAnswer(BaseModel):
    batch_id: str
    received_at: str
    results: list[ItemResult]


class MissingRequest(BaseModel):
    sha256: list[Annotated[str, Field(pattern=SHA256_PATTERN)]] = Field(max_length=10_000)


class MissingAnswer(BaseModel):
    missing: list[str]


class StatusChange(BaseModel):
    seq: int
    provincial_id: str
    complaint_id: str
    status: Literal[codes.STATUSES]  # type: ignore[valid-type]
    agency: str | None = None
    note: str | None = None
    changed_at: str


class StatusPage(BaseModel):
    changes: list[StatusChange]
    next_cursor: int
    more: bool


class ReferenceVersion(BaseModel):
    name: Literal[codes.REFERENCE_SETS]  # type: ignore[valid-type]
    version: str


class ReferenceIndex(BaseModel):
    sets: list[ReferenceVersion]


ERRORS = {
    status: {"model": Problem, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 409, 413, 415, 422, 429, 500)
}


def _errors(*statuses: int) -> dict:
    return {s: ERRORS[s] for s in statuses}


# -- reference sets ----------------------------------------------------------------------------


def reference_sets(resources: Path | None = None) -> dict[str, dict]:
    """name -> the desk's own reference file plus its version (source date + first 8 hex of
    the file's SHA-256)."""
    resources = resources or paths.resources_dir()
    sets = {}
    for name, relative in REFERENCE_FILES.items():
        raw = (resources / relative).read_bytes()
        data = json.loads(raw)
        sets[name] = {**data, "version": reference.file_version(raw)}
    return sets


# -- the ASGI layers ---------------------------------------------------------------------------


class HubApp(FastAPI):
    """FastAPI, plus the dropped connection of --drop-after-commit: an answer carrying
    DROP_HEADER is never sent; the connection is aborted instead (uvicorn's transport)."""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        dropped = False

        async def guarded(message):
            nonlocal dropped
            if dropped:
                return
            if message["type"] == "http.response.start" and any(
                k.decode("latin-1").lower() == DROP_HEADER for k, _v in message.get("headers", [])
            ):
                dropped = True
                transport = getattr(getattr(send, "__self__", None), "transport", None)
                if transport is None:  # not under uvicorn: fail the exchange instead
                    raise ConnectionAbortedError("connection dropped after commit")
                transport.abort()
                return
            await send(message)

        await super().__call__(scope, receive, guarded)
        if dropped:  # let uvicorn see the lost connection before it looks for an answer
            for _ in range(3):
                await asyncio.sleep(0)


def _limit_for(scope) -> int:
    if scope["method"] == "PUT" and scope["path"].startswith("/api/v1/attachments/"):
        return codes.MAX_ATTACHMENT
    return codes.MAX_BODY


class BodyMiddleware:
    """Request bodies: gzip decoded (another encoding 415), at most 16 MiB after decoding (an
    attachment 50 MiB), else 413; a broken gzip stream is 400."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        encoding = headers.get("content-encoding", "").strip().lower()
        limit = _limit_for(scope)
        if encoding not in ("", "identity", "gzip"):
            return await problem(
                415, "unsupported_encoding", "Only gzip request bodies are accepted."
            )(scope, receive, send)
        too_large = problem(413, "too_large", f"The body is over {limit} bytes.")
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return await too_large(scope, receive, send)
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                return await too_large(scope, receive, send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if encoding == "gzip":
            try:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                body = inflater.decompress(body, limit + 1)
                if len(body) > limit or inflater.unconsumed_tail:
                    return await too_large(scope, receive, send)
                if not inflater.eof:
                    raise zlib.error("truncated")
            except zlib.error:
                return await problem(400, "bad_request", "The gzip body cannot be read.")(
                    scope, receive, send
                )
        scope = dict(scope)
        scope["headers"] = [
            (k, v)
            for k, v in scope["headers"]
            if k.lower() not in (b"content-encoding", b"content-length")
        ] + [(b"content-length", str(len(body)).encode())]
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class FaultMiddleware:
    """--latency: wait before answering; --fault-rate: a 500 before doing anything."""

    def __init__(self, app, faults: Faults):
        self.app = app
        self.faults = faults

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            if self.faults.latency_ms:
                await asyncio.sleep(self.faults.latency_ms / 1000)
            if self.faults.should_fail():
                return await problem(500, "server_error", "Injected fault (--fault-rate).")(
                    scope, receive, send
                )
        await self.app(scope, receive, send)


# -- the application ---------------------------------------------------------------------------


def create_app(store: HubStore, faults: Faults | None = None) -> FastAPI:
    faults = faults or Faults()
    sets = reference_sets()
    bearer = HTTPBearer(auto_error=False, description="the token from POST /api/v1/token")
    app = HubApp(
        title="Meja Aduan sync protocol (training hub)",
        version="1",
        description="docs/sync-protocol.md in machine-readable form. Every error answer is "
        "application/problem+json (schema Problem).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.faults = faults
    app.add_middleware(BodyMiddleware)
    app.add_middleware(FaultMiddleware, faults=faults)  # the outer one: before anything else

    def desk_of(credentials: HTTPAuthorizationCredentials | None) -> str:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HubError("unauthorized", "A bearer token is needed.")
        desk = store.desk_for_token(credentials.credentials)
        if desk is None:
            raise HubError("unauthorized", "The token is unknown or has expired.")
        _rate(desk)
        return desk

    def _rate(key: str) -> None:
        wait = faults.retry_after(key)
        if wait is not None:
            raise HubError("rate_limited", "Too many requests; try again later.", retry_after=wait)

    async def desk_dependency(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> str:
        return await run_in_threadpool(desk_of, credentials)

    Desk = Annotated[str, Depends(desk_dependency)]

    @app.post(
        "/api/v1/token",
        response_model=TokenAnswer,
        responses=_errors(401, 422, 429),
        summary="exchange the desk's client id and secret for a 15-minute bearer token",
    )
    def token(request: TokenRequest) -> TokenAnswer:
        _rate("client:" + request.client_id)
        issued = store.issue_token(request.client_id, request.client_secret)
        if issued is None:
            raise HubError("unauthorized", "The client id or secret is wrong.")
        return TokenAnswer(access_token=issued[0], desk_code=issued[1])

    @app.post(
        "/api/v1/batches",
        response_model=BatchAnswer,
        response_model_exclude_none=True,
        responses=_errors(400, 401, 403, 409, 413, 415, 422, 429, 500),
        summary="upload a batch of record, correction and erasure items (idempotent)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}
                },
            }
        },
    )
    async def batches(
        raw: Request,
        desk: Desk,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", max_length=64)
        ] = None,
    ):
        # Parsed from the bytes by Pydantic in one pass: FastAPI's own way (json.loads, then
        # validating the Python objects) took four times as long for a batch of 200.
        try:
            request = BatchRequest.model_validate_json(await raw.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None
        if not idempotency_key:
            raise HubError("bad_request", "The Idempotency-Key header is missing.")
        if idempotency_key != request.batch_id:
            raise HubError("bad_request", "The Idempotency-Key header must equal batch_id.")
        if len(request.items) > codes.MAX_ITEMS:
            raise HubError("too_large", f"A batch holds at most {codes.MAX_ITEMS} items.")
        if request.desk_code != desk:
            raise HubError("forbidden", "The batch is not of the token's desk.")
        return await run_in_threadpool(apply, request, desk, idempotency_key)

    def apply(request: BatchRequest, desk: str, idempotency_key: str) -> JSONResponse:
        items = [
            Item(
                i.item_id,
                i.kind,
                i.complaint_id,
                i.revision,
                i.complaint,
                tuple(i.erased_fields or ()),
            )
            for i in request.items
        ]
        anchor = request.audit_anchor.model_dump() if request.audit_anchor else None
        try:
            envelope = request.model_dump_json(exclude={"items": {"__all__": {"complaint"}}})
            answer = store.apply_batch(desk, idempotency_key, envelope, items, anchor)
        except KeyReused:
            raise HubError(
                "idempotency_key_reused", "This Idempotency-Key came with another batch."
            ) from None
        except NotOwned:
            raise HubError("forbidden", "An item's complaint is not of the token's desk.") from None
        headers = {DROP_HEADER: "1"} if faults.should_drop() else None
        return JSONResponse(answer, headers=headers)

    @app.post(
        "/api/v1/attachments/missing",
        response_model=MissingAnswer,
        responses=_errors(401, 422, 429),
        summary="which of these files (by SHA-256) the hub lacks",
    )
    def attachments_missing(request: MissingRequest, desk: Desk) -> MissingAnswer:
        return MissingAnswer(missing=store.missing_attachments(request.sha256))

    @app.put(
        "/api/v1/attachments/{sha256}",
        status_code=201,
        responses={200: {"description": "already held"}, **_errors(401, 413, 422, 429)},
        summary="upload one file's bytes (application/octet-stream), checked against its hash",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    async def attachment_put(
        sha256: Annotated[str, PathParam(pattern=SHA256_PATTERN)], raw: Request, desk: Desk
    ):
        data = await raw.body()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise HubError("hash_mismatch", "The bytes do not have this SHA-256.")
        created = await run_in_threadpool(store.put_attachment, sha256, data)
        return Response(status_code=201 if created else 200)

    @app.put(
        "/api/v1/anchors",
        status_code=204,
        responses=_errors(401, 422, 429),
        summary="keep the desk's latest audit event number and hash",
    )
    def anchors_put(request: Anchor, desk: Desk) -> Response:
        store.add_anchor(desk, request.model_dump())
        return Response(status_code=204)

    @app.get(
        "/api/v1/anchors",
        response_model=AnchorList,
        responses=_errors(401, 429),
        summary="every anchor the token's desk sent, oldest first",
    )
    def anchors_get(desk: Desk) -> AnchorList:
        return AnchorList(anchors=store.anchors(desk))

    @app.get(
        "/api/v1/statuses",
        response_model=StatusPage,
        responses=_errors(401, 422, 429),
        summary="status changes of the token's desk's complaints after a cursor",
    )
    def statuses(
        desk: Desk,
        cursor: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=codes.MAX_STATUS_PAGE)] = 100,
    ) -> StatusPage:
        return StatusPage(**store.status_changes(desk, cursor, limit))

    @app.get(
        "/api/v1/reference",
        response_model=ReferenceIndex,
        responses=_errors(401, 429),
        summary="the reference sets and their versions",
    )
    def reference_index(desk: Desk) -> ReferenceIndex:
        return ReferenceIndex(
            sets=[ReferenceVersion(name=n, version=s["version"]) for n, s in sets.items()]
        )

    @app.get(
        "/api/v1/reference/{name}",
        responses={404: {"model": Problem}, **_errors(401, 429)},
        summary="one reference set, in the form of the desk's own file, with its version",
    )
    def reference_set(name: str, desk: Desk) -> dict[str, Any]:
        if name not in sets:
            raise HubError("not_found", "No reference set has this name.")
        return sets[name]

    _install_handlers(app)
    _document(app)
    return app


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def _hub_error(_request, exc: HubError):
        return problem(exc.status, exc.code, exc.detail, exc.errors, exc.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request, exc: RequestValidationError):
        errors = []
        for error in exc.errors():
            if error.get("type") == "json_invalid":
                return problem(400, "bad_request", "The body is not valid JSON.")
            location = [str(p) for p in error.get("loc", ())]
            if location and location[0] in ("body", "query", "path", "header"):
                location = location[1:]
            # The type and Pydantic's message (which names limits, never the input).
            errors.append(
                {
                    "field": ".".join(location) or "body",
                    "code": str(error.get("type", "invalid")),
                    "message": str(error.get("msg", "")),
                }
            )
        return problem(422, "invalid", "The request does not have the protocol's shape.", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return problem(404, "not_found", "No such path.")
        if exc.status_code == 405:
            return problem(405, "method_not_allowed", "This path does not take that method.")
        return problem(400, "bad_request", "The request cannot be read.")

    @app.exception_handler(OperationalError)
    async def _database(_request, _exc):
        return problem(503, "unavailable", "The hub's database is busy.", retry_after=1)

    @app.exception_handler(Exception)
    async def _bug(_request, _exc):
        return problem(500, "server_error", "The hub failed; try again.")


def _document(app: FastAPI) -> None:
    """Add the Complaint schema to the OpenAPI document (a batch item refers to it)."""
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = original()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            # The batch body is parsed by the endpoint itself (batches), so FastAPI does not
            # describe it: its schema is added here, as FastAPI would have.
            batch_schema = BatchRequest.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            for name, sub in batch_schema.pop("$defs", {}).items():
                components.setdefault(name, sub)
            components.setdefault("BatchRequest", batch_schema)
            components["Complaint"] = Complaint.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            for name, sub in components["Complaint"].pop("$defs", {}).items():
                components.setdefault(name, sub)
            item = components["BatchItem"]["properties"]["complaint"]
            item["anyOf"] = [{"$ref": "#/components/schemas/Complaint"}, {"type": "null"}]
            # Every error answer is a Problem as application/problem+json (FastAPI would
            # describe its own validation answer, which this hub does not give).
            for operations in schema["paths"].values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        if int(status) >= 400:
                            response["description"] = HTTPStatus(int(status)).phrase
                            response["content"] = {
                                PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                            }
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
