"""Log records lose every resident ID number and mobile number before a handler sees them."""

from __future__ import annotations

import logging
import sys

from eldercare import redaction

ID_NUMBER = "51090319400501771X"
PHONE = "13812345678"


def record(msg: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("eldercare.test", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_numbers_are_masked_in_the_text_and_the_arguments():
    clean = redaction.clean(record("elder %s phone %s", ID_NUMBER, PHONE))
    assert clean.getMessage() == "elder 510903********771X phone 138****5678"
    clean = redaction.clean(record(f"Key (id_number)=({ID_NUMBER.lower()}) already exists"))
    assert ID_NUMBER.lower() not in clean.getMessage()


def test_other_numbers_are_left_alone():
    text = "booking 13812 paid 6217731234567890 at 20261128170000 for 123456789012"
    assert redaction.redact(text) == text


def test_an_argument_that_only_shows_a_number_when_formatted_is_flattened():
    clean = redaction.clean(record("answer %r", {"phone": PHONE}))
    assert PHONE not in clean.getMessage() and "138****5678" in clean.getMessage()


def test_tracebacks_are_masked_too():
    try:
        raise ValueError(f"duplicate key\nDETAIL:  Key (id_number)=({ID_NUMBER}) already exists.")
    except ValueError:
        clean = redaction.clean(record("unhandled error", exc_info=sys.exc_info()))
    formatted = logging.Formatter().format(clean)
    assert ID_NUMBER not in formatted and "510903********771X" in formatted


def test_uvicorns_access_log_keeps_its_argument_tuple():
    clean = redaction.clean(
        record(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET", f"/staff/elders?q={PHONE}", "1.1", 200
        )
    )
    assert isinstance(clean.args, tuple) and len(clean.args) == 5
    assert PHONE not in clean.getMessage()


def test_once_installed_every_logger_masks(caplog):
    redaction.install()
    redaction.install()  # twice is once
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("sent to %s", PHONE)
    assert caplog.records and PHONE not in caplog.text
