"""Sync with the provincial system: the permission-checked use cases over desk_app/sync/.

Who (DESIGN.md §6, domain/roles.py): the IT officer configures the connection
(Action.CONFIGURE_SYNC); the IT officer and the desk's service identity `layanan` run the sync
and read its results (Action.RUN_SYNC); nobody else. overview() holds counts only and is open to
any signed-in user (the status bar shows how many complaints wait); changed_since_last_look()
and mark_looked() serve the clerk's list (Action.VIEW).

Nothing here shows or keeps what was sent: item views carry tracking numbers, kinds, results,
provincial ids and field errors as words; the secret goes to the OS keyring (or this session's
memory when there is none) and never into a setting, a log, an audit event or an error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import uuid6
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from desk_app import settings
from desk_app.audit.words import field_label
from desk_app.domain.roles import Action
from desk_app.errors import DeskError, ValidationFailed
from desk_app.i18n import N_, _, ngettext
from desk_app.services import audit
from desk_app.services.access import require, require_signed_in
from desk_app.services.desk import Desk
from desk_app.store import models
from desk_app.store.faults import storage_error
from desk_app.sync import client as sync_client
from desk_app.sync import credentials, outbox
from desk_app.sync import protocol as p
from desk_app.sync.transport import HttpTransport, RetryPolicy, Transport, check_server

OB, B, C = models.Outbox, models.SyncBatch, models.Complaint

# Tests and the bench may replace how the transport is made (a fault-injecting one, shorter
# waits); the desk always uses HttpTransport with the protocol's retry policy.
RETRY_POLICY = RetryPolicy()
TransportFactory = Callable[..., Transport]


def _http_transport(server, client_id, secret, *, ca_bundle, cancelled) -> Transport:
    return HttpTransport(
        server, client_id, secret, ca_bundle=ca_bundle, cancelled=cancelled, policy=RETRY_POLICY
    )


make_transport: TransportFactory = _http_transport


# -- errors said in words ----------------------------------------------------------------------


class SyncNotConfigured(DeskError):
    code = "sync_not_configured"
    template = N_(
        "The connection to the provincial system is not set up. The IT officer sets it up "
        "with `desk-app sync setup` or on the Sync screen."
    )


class SyncSecretNeeded(DeskError):
    code = "sync_secret_needed"
    template = N_(
        "This computer has no keyring to keep the provincial secret, so it is asked for "
        "once per session. Type the client secret to continue."
    )


class SyncBusy(DeskError):
    code = "sync_busy"
    template = N_("A sync is already running on this desk. Wait for it to finish.")


class SyncSetupRefused(DeskError):
    """configure() refused a value: `reason` is words."""

    code = "sync_setup_refused"
    template = N_("The connection was not saved: {reason}")


# Why a run stopped, by SyncError code (protocol §3 and the client's own).
STOP_REASONS = {
    "unreachable": N_("The provincial server could not be reached. Check the connection."),
    "timeout": N_("The provincial server did not answer in time."),
    "tls_refused": N_(
        "The provincial server's certificate was not accepted. Check the server address and "
        "the province's CA certificate file."
    ),
    "unauthorized": N_(
        "The provincial server refused the client id or secret. The IT officer sets them "
        "again with `desk-app sync setup`."
    ),
    "forbidden": N_("The provincial server refused: this desk may not send that."),
    "wrong_desk": N_("The provincial account belongs to another desk code. Check the client id."),
    "rate_limited": N_("The provincial server is busy (too many requests). Try again later."),
    "server_error": N_("The provincial server had an error. Try again later."),
    "unavailable": N_("The provincial server is not available now. Try again later."),
    "idempotency_key_reused": N_(
        "The provincial server refused a batch as changed since its first sending. "
        "Report this to the developers."
    ),
    "insecure_url": N_(
        "The server address must start with https:// (plain http:// only to this computer)."
    ),
    "bad_url": N_("The server address is not a web address (https://...)."),
    "ca_bundle_unreadable": N_("The province's CA certificate file cannot be read."),
    "cancelled": N_("The sync was cancelled. What was sent stays sent."),
    "busy": N_("A sync is already running on this desk. Wait for it to finish."),
    "bad_answer": N_("The provincial server answered something this desk does not understand."),
}
STOP_REFUSED = N_("The provincial server refused the request ({code}).")


def stop_reason(code: str | None) -> str:
    """Why a run stopped, in the user's language ("" when it did not)."""
    if not code:
        return ""
    text = STOP_REASONS.get(code)
    return _(text) if text else _(STOP_REFUSED).format(code=code)


# An item's field error by code (the hub's FIELD_CODES): never the value that was sent.
FIELD_PROBLEMS = {
    "required": N_("is required"),
    "wrong_type": N_("has the wrong kind of value"),
    "too_long": N_("is too long"),
    "unknown_code": N_("is not a code the province knows"),
    "invalid_nik": N_("is not a valid NIK"),
    "invalid_phone": N_("is not a valid phone number"),
    "invalid_email": N_("is not a valid e-mail address"),
    "invalid_date": N_("is not a valid date"),
    "invalid_time": N_("is not a valid time"),
    "mismatch": N_("does not match the complaint"),
    "wrong_desk": N_("belongs to another desk"),
    "attachment_missing": N_("names a file the province does not have"),
    "not_erasable": N_("cannot be erased"),
    "unknown_complaint": N_("the province does not hold this complaint"),
    "differs": N_("the province holds different content"),
}
FIELD_PROBLEM_OTHER = N_("was refused ({code})")


def field_problem(code: str) -> str:
    text = FIELD_PROBLEMS.get(code)
    return _(text) if text else _(FIELD_PROBLEM_OTHER).format(code=code)


# -- what the GUI and CLI get ------------------------------------------------------------------


@dataclass(frozen=True)
class SyncConfig:
    server: str
    client_id: str
    ca_bundle: str
    secret_stored: bool  # a secret is at hand (keyring or this session)
    keyring_ok: bool  # a keyring backend keeps it between sessions

    @property
    def configured(self) -> bool:
        return bool(self.server and self.client_id)


@dataclass(frozen=True)
class SyncOverview:
    waiting: int
    rejected: int
    conflicts: int
    sent: int
    last_sync_at: dt.datetime | None  # naive UTC
    last_error: str | None  # a stop code (stop_reason() words it); None: finished
    running: bool


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # connect, upload, statuses, reference, done
    done: int
    total: int


@dataclass(frozen=True)
class SyncReport:
    accepted: int
    duplicate: int
    rejected: int
    conflict: int
    batches: int
    statuses: int
    references: tuple[str, ...]
    pending: int
    error: str | None  # None: the run finished; else a stop code
    status: int | None = None

    @property
    def ok(self) -> bool:
        """Nothing left to do: the run finished and no item waits or was refused."""
        return self.error is None and self.pending == 0 and not (self.rejected or self.conflict)

    @property
    def error_text(self) -> str:
        return stop_reason(self.error)

    @property
    def references_text(self) -> str:
        """The refreshed reference sets in the user's words ("kategori, instansi, wilayah")."""
        return reference_set_names(self.references)


def report_lines(report: SyncReport) -> list[str]:
    """What a run did, in words, one sentence a line: the CLI prints the lines, the Sync screen
    joins them. Its stop reason first when it stopped early; a run that stopped before doing
    anything says only why, and what still waits."""
    did = report.accepted + report.duplicate + report.rejected + report.conflict + report.statuses
    stopped = _("Stopped: {reason}").format(reason=report.error_text) if report.error else None
    if stopped and not did:
        return [stopped, _("Still waiting: {pending}").format(pending=report.pending)]
    lines = [
        stopped or _("Finished."),
        _(
            "Sent: {accepted} accepted, {duplicate} already held; {rejected} rejected, "
            "{conflict} in conflict; {pending} still waiting."
        ).format(
            accepted=report.accepted,
            duplicate=report.duplicate,
            rejected=report.rejected,
            conflict=report.conflict,
            pending=report.pending,
        ),
    ]
    if report.statuses:
        lines.append(
            ngettext(
                "{count} status change from the province.",
                "{count} status changes from the province.",
                report.statuses,
            ).format(count=report.statuses)
        )
    if report.references:
        lines.append(_("Reference data refreshed: {names}.").format(names=report.references_text))
    return lines


# The reference sets' protocol names (§10) in words, for the CLI and the Sync screen.
_SET_WORDS = {"categories": N_("categories"), "agencies": N_("agencies"), "regions": N_("regions")}


def reference_set_names(names) -> str:
    return ", ".join(_(_SET_WORDS[n]) if n in _SET_WORDS else n for n in names)


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    items: int
    state: str  # open, answered, failed
    accepted: int
    duplicate: int
    rejected: int
    conflict: int
    last_error: str | None


@dataclass(frozen=True)
class ItemView:
    item_id: str
    tracking_no: str
    kind: str  # record, correction, erasure
    state: str  # waiting, sent, rejected, conflict, resent
    result: str | None
    provincial_id: str | None
    errors: tuple[tuple[str, str], ...]  # (field label, problem), in the user's language
    batch_id: str | None
    sent_at: dt.datetime | None
    corrected_since: bool = False  # the complaint changed after this answer: send_again helps


@dataclass(frozen=True)
class AnchorReport:
    anchors: int  # how many the hub holds
    checked: int
    problems: tuple[tuple[int, str], ...] = field(default=())  # (event no, "missing"|"differs")

    @property
    def ok(self) -> bool:
        return not self.problems


# -- configuration -----------------------------------------------------------------------------


def _config(desk: Desk) -> SyncConfig:
    loaded = settings.load(desk.db)
    server, client_id = loaded["sync_server"], loaded["sync_client_id"]
    secret = credentials.load(server, client_id) if server and client_id else None
    return SyncConfig(
        server,
        client_id,
        loaded["sync_ca_bundle"],
        secret is not None,
        credentials.keyring_usable(),
    )


def config(desk: Desk) -> SyncConfig:
    """The provincial connection as set up (never the secret: only whether one is at hand)."""
    require(desk, desk.actor, Action.CONFIGURE_SYNC)
    return _config(desk)


def configure(
    desk: Desk, server: str, client_id: str, secret: str | None, ca_bundle: str | None = None
) -> SyncConfig:
    """Set the server URL, client id and CA bundle (settings, audited) and keep the secret in
    the keyring (or, without one, this session's memory: SyncConfig.keyring_ok says which).
    `secret` None keeps the one held. Raises SyncSetupRefused for a bad URL or CA file."""
    require(desk, desk.actor, Action.CONFIGURE_SYNC)
    try:
        server = check_server(server)
    except p.SyncError as exc:
        raise SyncSetupRefused(reason=stop_reason(exc.code)) from None
    client_id = (client_id or "").strip()
    errors = {}
    if not client_id or len(client_id) > 120 or not client_id.isprintable():
        errors["client_id"] = _("Type the client id the province gave (one line).")
    if secret is not None and not secret.strip():
        errors["secret"] = _("Type the client secret the province gave.")
    ca = (ca_bundle or "").strip()
    if ca:
        import ssl

        try:
            ssl.create_default_context(cafile=ca)
        except (OSError, ssl.SSLError):
            errors["ca_bundle"] = stop_reason("ca_bundle_unreadable")
    if errors:
        raise ValidationFailed(errors)
    before = _config(desk)
    try:
        with desk.db.writing() as session:
            settings.store(session, "sync_server", server)
            settings.store(session, "sync_client_id", client_id)
            settings.store(session, "sync_ca_bundle", ca)
            audit.append(
                session,
                desk,
                Action.CONFIGURE_SYNC.value,
                "sync",
                "connection",
                before={"server": before.server, "client_id": before.client_id},
                after={
                    "server": server,
                    "client_id": client_id,
                    "ca_bundle": bool(ca),
                    "secret_changed": secret is not None,
                },
            )
    except OperationalError as exc:
        raise storage_error(exc) from None
    if secret is not None:
        credentials.store(server, client_id, secret.strip())
    return _config(desk)


def remember_secret_for_session(desk: Desk, secret: str) -> None:
    """Where no keyring exists: hold the secret in memory until the program ends."""
    require(desk, desk.actor, Action.RUN_SYNC)
    cfg = _config(desk)
    if not cfg.configured:
        raise SyncNotConfigured()
    if not (secret or "").strip():
        raise ValidationFailed({"secret": _("Type the client secret the province gave.")})
    credentials.remember(cfg.server, cfg.client_id, secret.strip())


# -- overview ----------------------------------------------------------------------------------


def _counts(session) -> dict[str, int]:
    rows = session.execute(select(OB.state, func.count()).group_by(OB.state)).all()
    return {state: n for state, n in rows}


def overview(desk: Desk) -> SyncOverview:
    """Counts by upload state and the last run: counts only, so any signed-in user may ask."""
    require_signed_in(desk)
    with desk.db.reading() as session:
        counts = _counts(session)
        last = sync_client.read_state(session, sync_client.LAST_RUN_KEY)
    last_data = json.loads(last) if last else {}
    at = last_data.get("at")
    return SyncOverview(
        waiting=counts.get(outbox.WAITING, 0),
        rejected=counts.get(outbox.REJECTED, 0),
        conflicts=counts.get(outbox.CONFLICT, 0),
        sent=counts.get(outbox.SENT, 0),
        last_sync_at=p.parse_time(at) if at else None,
        last_error=last_data.get("error"),
        running=sync_client.lease_held(desk.db),
    )


# -- the run -----------------------------------------------------------------------------------


def run(
    desk: Desk,
    *,
    progress: Callable[[SyncProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SyncReport:
    """Upload what waits, then pull statuses and refresh reference data. A run that cannot
    reach the server, or is refused, returns a report with `error` (what was done before
    stays done); raises SyncNotConfigured, SyncSecretNeeded, SyncBusy."""
    require(desk, desk.actor, Action.RUN_SYNC)
    cfg = _config(desk)
    if not cfg.configured:
        raise SyncNotConfigured()
    secret = credentials.load(cfg.server, cfg.client_id)
    if secret is None:
        raise SyncSecretNeeded()
    cancelled = cancelled or (lambda: False)
    try:
        transport = make_transport(
            cfg.server, cfg.client_id, secret, ca_bundle=cfg.ca_bundle or None, cancelled=cancelled
        )
    except p.SyncError as exc:
        return _report(sync_client.RunResult(error=exc.code, pending=_waiting(desk)))
    del secret

    def tell(step: sync_client.Progress) -> None:
        if progress is not None:
            progress(SyncProgress(step.phase, step.done, step.total))

    client = sync_client.SyncClient(
        desk,
        transport,
        batch_size=settings.get(desk.db, "sync_batch_size"),
        progress=tell,
        cancelled=cancelled,
    )
    try:
        result = client.run()
    except p.SyncError as exc:
        if exc.code == "busy":
            raise SyncBusy() from None
        raise
    except OperationalError as exc:
        raise storage_error(exc) from None
    finally:
        transport.close()
    return _report(result)


def _waiting(desk: Desk) -> int:
    with desk.db.reading() as session:
        return _counts(session).get(outbox.WAITING, 0)


def _report(r: sync_client.RunResult) -> SyncReport:
    return SyncReport(
        r.accepted,
        r.duplicate,
        r.rejected,
        r.conflict,
        r.batches,
        r.statuses,
        tuple(r.references),
        r.pending,
        r.error,
        r.status,
    )


# -- batches and items -------------------------------------------------------------------------


def batches(desk: Desk, limit: int = 50) -> list[BatchSummary]:
    """The newest batches first."""
    require(desk, desk.actor, Action.RUN_SYNC)
    with desk.db.reading() as session:
        rows = session.scalars(
            select(B).order_by(B.created_at.desc(), B.batch_id.desc()).limit(limit)
        ).all()
        return [
            BatchSummary(
                b.batch_id,
                b.created_at,
                b.sent_at,
                b.items,
                b.state,
                b.accepted,
                b.duplicate,
                b.rejected,
                b.conflict,
                b.last_error,
            )
            for b in rows
        ]


def _item_views(session, stmt) -> list[ItemView]:
    rows = session.execute(
        stmt.join(C, C.id == OB.complaint_id).add_columns(C.tracking_no, C.updated_at)
    ).all()
    views = []
    for row in rows:
        item, tracking_no, updated_at = row
        errors = json.loads(item.errors) if item.errors else []
        whole = _batch_refused(errors)
        views.append(
            ItemView(
                item.item_id,
                tracking_no,
                item.kind,
                item.state,
                item.result,
                item.provincial_id,
                tuple(
                    (_("The whole batch"), stop_reason(str(e.get("code") or "")))
                    if e.get("field") == sync_client.BATCH_FIELD
                    else (
                        field_label(str(e.get("field") or "")),
                        field_problem(str(e.get("code") or "")),
                    )
                    for e in errors
                ),
                item.batch_id,
                item.sent_at,
                whole or bool(item.sent_at and updated_at and updated_at > item.sent_at),
            )
        )
    return views


def _batch_refused(errors: list) -> bool:
    """The item was rejected with its whole batch (nothing in the complaint to correct: send
    again is open once the cause, named by the code, is fixed)."""
    return any(e.get("field") == sync_client.BATCH_FIELD for e in errors)


def batch_items(desk: Desk, batch_id: str) -> list[ItemView]:
    """The items of one batch, in the order they were sent."""
    require(desk, desk.actor, Action.RUN_SYNC)
    with desk.db.reading() as session:
        return _item_views(session, select(OB).where(OB.batch_id == batch_id).order_by(OB.seq))


def rejected(desk: Desk) -> list[ItemView]:
    """Rejected and conflicting items, oldest first."""
    require(desk, desk.actor, Action.RUN_SYNC)
    with desk.db.reading() as session:
        return _item_views(
            session,
            select(OB).where(OB.state.in_((outbox.REJECTED, outbox.CONFLICT))).order_by(OB.seq),
        )


def send_again(desk: Desk, item_ids: list[str]) -> int:
    """Queue again, as new items, the rejected items whose complaint was corrected since the
    answer, and the conflicting ones (as a correction carrying the desk's version); return how
    many. The old items stay in their batch's history as "resent". Audited."""
    require(desk, desk.actor, Action.RUN_SYNC)
    now = desk.now()
    queued = 0
    try:
        with desk.db.writing() as session:
            rows = session.execute(
                select(OB, C.updated_at)
                .join(C, C.id == OB.complaint_id)
                .where(OB.item_id.in_(list(item_ids)))
                .where(OB.state.in_((outbox.REJECTED, outbox.CONFLICT)))
                .order_by(OB.seq)
            ).all()
            for item, updated_at in rows:
                if item.state == outbox.REJECTED:
                    corrected = item.sent_at and updated_at and updated_at > item.sent_at
                    whole = _batch_refused(json.loads(item.errors) if item.errors else [])
                    if not (corrected or whole):
                        continue  # nothing fixed: it would be rejected again
                    kind, revision = item.kind, item.revision
                    if kind != outbox.RECORD:
                        revision = _next_revision(session, item.complaint_id)
                else:
                    kind, revision = outbox.CORRECTION, _next_revision(session, item.complaint_id)
                session.add(
                    models.Outbox(
                        item_id=str(uuid6.uuid7()),
                        complaint_id=item.complaint_id,
                        kind=kind,
                        revision=revision,
                        fields=item.fields,
                        state=outbox.WAITING,
                        attempts=0,
                        created_at=now,
                    )
                )
                item.state = outbox.RESENT
                queued += 1
            if queued:
                audit.append(
                    session, desk, "sync.send_again", "sync", "items", after={"items": queued}
                )
    except OperationalError as exc:
        raise storage_error(exc) from None
    return queued


def _next_revision(session, complaint_id: str) -> int:
    last = session.scalar(select(func.max(OB.revision)).where(OB.complaint_id == complaint_id))
    return (last or 0) + 1


# -- the audit anchors -------------------------------------------------------------------------


def check_anchors(desk: Desk) -> AnchorReport:
    """Fetch the anchors the hub keeps (§8) and check that the local trail still has, at each
    anchored event number, an event with that hash. Raises SyncNotConfigured,
    SyncSecretNeeded; SyncStopped (in words) when the server cannot be reached or refuses."""
    require(desk, desk.actor, Action.RUN_SYNC)
    cfg = _config(desk)
    if not cfg.configured:
        raise SyncNotConfigured()
    secret = credentials.load(cfg.server, cfg.client_id)
    if secret is None:
        raise SyncSecretNeeded()
    try:
        transport = make_transport(
            cfg.server, cfg.client_id, secret, ca_bundle=cfg.ca_bundle or None, cancelled=None
        )
        try:
            anchors = transport.get_anchors()
        finally:
            transport.close()
    except p.SyncError as exc:
        raise SyncStopped(reason=stop_reason(exc.code)) from None
    problems: list[tuple[int, str]] = []
    E = models.AuditEvent
    with desk.db.reading() as session:
        for start in range(0, len(anchors), 500):
            chunk = anchors[start : start + 500]
            held = dict(
                session.execute(select(E.seq, E.hash).where(E.seq.in_([a.event_no for a in chunk])))
                .tuples()
                .all()
            )
            for a in chunk:
                if a.event_no not in held:
                    problems.append((a.event_no, "missing"))
                elif held[a.event_no] != a.hash:
                    problems.append((a.event_no, "differs"))
    return AnchorReport(len(anchors), len(anchors), tuple(problems))


class SyncStopped(DeskError):
    code = "sync_stopped"
    template = N_("The provincial server was not asked: {reason}")


def anchor_problem_text(event_no: int, kind: str) -> str:
    if kind == "missing":
        return _("Event {no} was sent to the province and is gone from the trail.").format(
            no=event_no
        )
    return _("Event {no} was sent to the province and has been changed since.").format(no=event_no)


# -- what changed since the clerk last looked --------------------------------------------------


def changed_since_last_look(desk: Desk) -> set[str]:
    """Ids of the complaints whose status the province changed since this user last looked
    (mark_looked); all those with a status change when they never looked."""
    require(desk, desk.actor, Action.VIEW)
    with desk.db.reading() as session:
        last = sync_client.read_state(session, sync_client.LOOK_KEY + desk.user)
        stmt = select(C.id).where(C.status_changed_at.is_not(None))
        if last:
            stmt = stmt.where(C.status_changed_at > dt.datetime.fromisoformat(last))
        return set(session.scalars(stmt))


def mark_looked(desk: Desk) -> None:
    """This user has seen the list as it is now."""
    require(desk, desk.actor, Action.VIEW)
    try:
        with desk.db.writing() as session:
            sync_client.write_state(
                session, sync_client.LOOK_KEY + desk.user, desk.now().isoformat()
            )
    except OperationalError as exc:
        raise storage_error(exc) from None
