"""`desk-app hub ...`: the training hub's commands (docs/sync-protocol.md).

    desk-app hub serve --data-dir DIR [--host 127.0.0.1] [--port N] [--db URL]
                       [--fault-rate P] [--latency MS] [--rate-limit N] [--drop-after-commit P]
                       [--tls-cert FILE --tls-key FILE]
    desk-app hub add-desk --data-dir DIR --desk-code CODE      (client id and secret, once)
    desk-app hub export --data-dir DIR [--db URL]              (JSON Lines of what it holds)
    desk-app hub set-status --data-dir DIR PROVINCIAL_ID STATUS [--note TEXT] [--agency CODE]

The hub is the province's side: its commands need no desk and no desk user. FastAPI and
uvicorn (the `hub` extra) are imported only inside these commands, so the desk's CLI and its
bundle never need them; without them the command says in words which extra to install.
`serve` prints "listening on http://HOST:PORT" (https with --tls-cert; the real port with
--port 0) once it accepts connections, for scripts and test fixtures.
"""

from __future__ import annotations

import argparse
import json
import sys

from desk_app.hub.codes import STATUSES
from desk_app.i18n import _

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(_("give a number from 0 to 1"))
    return value


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(_("give a whole number from 0 on"))
    return value


def add_parser(sub) -> None:
    hub = sub.add_parser(
        "hub",
        help=_("the training hub: the provincial system's side of sync, for tests and training"),
    )
    actions = hub.add_subparsers(dest="hub_command", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help=_("run the training hub (an HTTP server)"))
    add = actions.add_parser(
        "add-desk", help=_("register a desk; prints its client id and secret once")
    )
    export = actions.add_parser(
        "export", help=_("write every complaint the hub holds as JSON Lines")
    )
    status = actions.add_parser(
        "set-status", help=_("set a complaint's status as the province's administrator")
    )
    agencies = actions.add_parser(
        "agencies", help=_("list the agency codes set-status --agency takes")
    )
    for parser in (serve, add, export, status, agencies):
        parser.add_argument(
            "--data-dir",
            dest="hub_data_dir",
            metavar="DIR",
            help=_("the hub's data folder (its database and attachments)"),
        )
        parser.add_argument(
            "--db",
            metavar="URL",
            help=_("a PostgreSQL database URL instead of the SQLite file in the data folder"),
        )
    serve.add_argument("--host", default="127.0.0.1", metavar="HOST")
    serve.add_argument(
        "--port", type=_whole, default=8765, metavar="N", help=_("0 picks a free port")
    )
    serve.add_argument(
        "--fault-rate",
        type=_probability,
        default=0.0,
        metavar="P",
        help=_("each request fails with a server error with this probability"),
    )
    serve.add_argument(
        "--latency", type=_whole, default=0, metavar="MS", help=_("wait MS ms before answering")
    )
    serve.add_argument(
        "--rate-limit",
        type=_whole,
        default=0,
        metavar="N",
        help=_("allow N requests per second per desk, then answer 429 (0: no limit)"),
    )
    serve.add_argument(
        "--drop-after-commit",
        type=_probability,
        default=0.0,
        metavar="P",
        help=_("with this probability, commit a batch and then close the connection unanswered"),
    )
    serve.add_argument(
        "--tls-cert",
        metavar="FILE",
        help=_("serve HTTPS with this certificate (PEM, with its chain); needs --tls-key"),
    )
    serve.add_argument("--tls-key", metavar="FILE", help=_("the certificate's private key (PEM)"))
    serve.add_argument("--seed", type=int, default=None, help=argparse.SUPPRESS)
    add.add_argument("--desk-code", required=True, metavar="CODE")
    status.add_argument("provincial_id", metavar="PROVINCIAL_ID")
    status.add_argument("status", choices=STATUSES, metavar="STATUS", help=", ".join(STATUSES))
    status.add_argument("--note", metavar="TEXT", help=_("the province's note for the desk"))
    status.add_argument("--agency", metavar="CODE", help=_("the agency (for disposed)"))


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.hub_command == "agencies":
        return _agencies()
    data_dir = args.hub_data_dir or args.data_dir
    if not data_dir:
        _err(_("Give the hub's data folder with --data-dir."))
        return EXIT_USAGE
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        _err(
            _(
                "The training hub is not part of this installation. Install the `hub` extra "
                "(pip install 'meja-aduan[hub]') to run it."
            )
        )
        return EXIT_ERROR
    from sqlalchemy.exc import OperationalError

    from desk_app.hub.store import HubStore

    try:
        store = HubStore(data_dir, args.db)
    except (OperationalError, OSError):
        _err(_("The hub's database cannot be opened: check --data-dir and --db."))
        return EXIT_ERROR
    try:
        if args.hub_command == "serve":
            return _serve(store, args)
        if args.hub_command == "add-desk":
            return _add_desk(store, args)
        if args.hub_command == "export":
            for row in store.export():
                print(json.dumps(row, ensure_ascii=False, sort_keys=True))
            return EXIT_OK
        return _set_status(store, args)
    finally:
        store.close()


def _add_desk(store, args) -> int:
    code = args.desk_code.strip().upper()
    if not code or len(code) > 8 or not code.isalnum():
        _err(_("A desk code is 1 to 8 letters and digits, e.g. PKU01."))
        return EXIT_USAGE
    client_id, secret = store.add_desk(code)
    print(f"client_id={client_id}")
    print(f"client_secret={secret}")
    _err(
        _(
            "Desk {code} registered. The secret is shown only this once: give it to the desk's "
            "IT officer (desk-app sync setup reads it from standard input)."
        ).format(code=code)
    )
    return EXIT_OK


def _set_status(store, args) -> int:
    from desk_app import reference

    if args.agency and args.agency not in reference.load().agencies:
        _err(
            _("No agency has the code {code}. `desk-app hub agencies` lists the codes.").format(
                code=args.agency
            )
        )
        return EXIT_USAGE
    changed = store.set_status(args.provincial_id, args.status, args.note, args.agency)
    if changed is None:
        _err(_("The hub holds no complaint with this provincial id."))
        return EXIT_USAGE
    print(changed["seq"])
    return EXIT_OK


def _agencies() -> int:
    """The agency codes and names (the shipped list, as the hub serves it)."""
    from desk_app import reference

    for agency in reference.load().agencies.values():
        print(f"{agency.code}\t{agency.name}")
    return EXIT_OK


def listening_socket(host: str, port: int):
    """The hub's bound TCP socket (port 0: any free one). Made with IPPROTO_TCP, not 0:
    asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it every
    answer on a kept-alive connection waited about 40 ms (Nagle against a delayed ACK)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _serve(store, args) -> int:
    import socket
    import ssl

    import uvicorn

    from desk_app.hub.app import create_app
    from desk_app.hub.faults import Faults

    faults = Faults(
        fault_rate=args.fault_rate,
        latency_ms=args.latency,
        rate_limit=args.rate_limit,
        drop_after_commit=args.drop_after_commit,
        seed=args.seed,
    )
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    try:
        sock = listening_socket(args.host, args.port)
    except OSError:
        _err(
            _("The hub cannot listen on {host} port {port}.").format(host=args.host, port=args.port)
        )
        return EXIT_ERROR
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    tls = {}
    if args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key):
            sock.close()
            _err(_("Give both --tls-cert and --tls-key, or neither."))
            return EXIT_USAGE
        try:  # checked here, so a bad file is told in words before the server starts
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                args.tls_cert, args.tls_key
            )
        except (OSError, ssl.SSLError):
            sock.close()
            _err(_("The certificate or its key cannot be read."))
            return EXIT_USAGE
        tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
    url = f"{'https' if tls else 'http'}://{host}:{port}"
    config = uvicorn.Config(
        create_app(store, faults),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        **tls,
    )

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started:
                print(f"listening on {url}", flush=True)  # for scripts: not translated
                _err(_("The training hub is running; stop it with Ctrl+C."))

    from desk_app import startup
    from desk_app.hub import checks

    checks.warm()  # the first batch does not pay for the checks' imports
    startup.settle()  # the web application and its models stay: out of the collector's way
    Server(config).run(sockets=[sock])
    return EXIT_OK
