"""The app's log: a rotating file in the data folder's logs/ (1 MB x 5), for the GUI and the CLI.

Logs never carry personal data (UU 27/2022): the code logs codes, counts, exception types and
tracebacks, never names, NIK, phone numbers, e-mail addresses or complaint text. As defence in
depth a filter on the handler scrubs what looks like a NIK (16 digits), an Indonesian phone
number (+62 / 62 / 0 followed by 8-12 digits) or an e-mail address from every record's
message, arguments, exception text and stack. Names and free text cannot be recognised: for
those the rule above is the only protection.

Uncaught exceptions (main thread and other threads) are logged as their type and traceback
only (an exception's text may hold personal data); the user is told in plain words where the
details were written (log_bug), never shown the traceback.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from desk_app import paths

LOG_FILE = "meja-aduan.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NIK = re.compile(r"(?<!\d)(?:\d[ .-]?){15}\d(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?62|62|0)(?:[\s().-]{0,2}\d){8,12}(?!\d)")
MASKS = (("[EMAIL]", _EMAIL), ("[NIK]", _NIK), ("[PHONE]", _PHONE))


def scrub(text: str) -> str:
    """`text` with anything that looks like an e-mail address, a NIK or a phone number masked."""
    for mask, pattern in MASKS:
        text = pattern.sub(mask, text)
    return text


class ScrubFilter(logging.Filter):
    """Mask personal identifiers in the formatted message, the exception text and the stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class _QuietRotatingHandler(logging.handlers.RotatingFileHandler):
    """A log that cannot be written (disk full, folder made read-only) must not print a
    traceback over the user's screen: the record is dropped, once noted in `failed`."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self.failed = True


_handler: logging.Handler | None = None
_log_file: Path | None = None
log = logging.getLogger(__name__)


def setup(level: int = logging.INFO, excepthook: bool = True) -> logging.Handler:
    """Log to logs/meja-aduan.log in the data folder (paths.init first). Calling it again
    replaces the handler (another data folder). Returns the handler.

    A log folder that cannot be written (a read-only data folder, a full disk) is no reason to
    refuse the desk: then the log goes to MejaAduan-logs/ in the system's temporary folder
    (private, scrubbed the same way; log_file() says where), and when even that fails, warnings
    go to standard error and bugs are told without details.
    """
    global _handler, _log_file
    handler: logging.Handler | None = None
    for folder in (paths.log_dir(), Path(tempfile.gettempdir()) / f"{paths.APP_NAME}-logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            paths.make_private(folder)
            handler = _QuietRotatingHandler(
                folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
            )
            _log_file = folder / LOG_FILE
            break
        except OSError:
            continue
    if handler is None:  # no file at all: warnings (one line each, no traceback) on stderr
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)
        _log_file = None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ScrubFilter())
    root = logging.getLogger()
    teardown()
    root.addHandler(handler)
    root.setLevel(level)
    _handler = handler
    if excepthook:
        sys.excepthook = _excepthook
        threading.excepthook = _thread_excepthook
    return handler


def log_file() -> Path | None:
    """The file setup() logs to; None when it logs to standard error (or was not set up)."""
    if isinstance(_handler, _QuietRotatingHandler) and not _handler.failed:
        return _log_file
    return None


def teardown() -> None:
    """Remove and close the handler setup() added (tests; a data folder switch)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def crash_text(exc_type, tb) -> str:
    """An uncaught exception as its type and traceback, without its (possibly personal) text."""
    return f"{exc_type.__name__}\n{''.join(traceback.format_tb(tb))}"


def log_bug(exc: BaseException, where: str = "") -> str:
    """Log a bug (type and traceback, never its text) and return what to tell the user: plain
    words with the log's path, no class name, no traceback."""
    from desk_app.errors import UnexpectedError, UnexpectedErrorNoLog

    path = log_file()
    if path is not None:  # never a traceback on the user's screen, even as a log fallback
        log.critical("unexpected error%s: %s", where, crash_text(type(exc), exc.__traceback__))
    return (UnexpectedError(log=str(path)) if path else UnexpectedErrorNoLog()).message()


def _excepthook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc is None:
        exc = exc_type()
    exc.__traceback__ = tb
    print(f"Meja Aduan: {log_bug(exc)}", file=sys.stderr)


def _thread_excepthook(args) -> None:
    if args.exc_type is SystemExit:
        return
    exc = args.exc_value if args.exc_value is not None else args.exc_type()
    exc.__traceback__ = args.exc_traceback
    name = args.thread.name if args.thread else "?"
    print(f"Meja Aduan: {log_bug(exc, where=f' in thread {name}')}", file=sys.stderr)
