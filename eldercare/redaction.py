"""Log lines never carry a resident ID number or a full mobile number.

Our own code logs ids, never numbers; but an exception can carry one in its text (asyncpg's
unique-violation message ends with ``DETAIL: Key (id_number)=(…) already exists``), and a
library or an access log may print a request's query. Installed once per process, a log
record factory masks both kinds of number in every record's message, arguments, traceback
and stack before any handler sees it: ``510903********123X``, ``138****5678``.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# 6 digits (region), 8 (birth date), 3 (sequence) and a check character, standing alone.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# A mainland mobile number, standing alone (not part of a longer run of digits).
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")

_installed = False


def redact(text: str) -> str:
    return _MOBILE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text))


def _clean_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(redact(a) if isinstance(a, str) else a for a in args)
    if isinstance(args, dict):
        return {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
    return args


def clean(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the numbers of one record in place (message, arguments, traceback, stack)."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it later, as usual
        message = None
    if message is not None and redact(message) != message:
        # Masking the arguments one by one keeps formatters that read them (uvicorn's access
        # log unpacks its tuple); whatever still shows a number is flattened into the message.
        record.args = _clean_args(record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        try:
            masked = record.getMessage()
        except Exception:
            masked = message
        if redact(masked) != masked:
            record.msg, record.args = redact(masked), ()
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact(text)  # formatters use exc_text when it is set
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install() -> None:
    """Wrap the process's log record factory (once); every logger then goes through it."""
    global _installed
    if _installed:
        return
    # aiosqlite's DEBUG lines carry every query's parameters (names, addresses, numbers):
    # never let them reach a log, whatever level the root logger runs at.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return clean(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
