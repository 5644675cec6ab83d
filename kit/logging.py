"""Structured logs: one JSON object per line, stamped with the correlation id.

The correlation id lives in a green-thread-local slot that the RequestContext
dependency fills for each worker, so every log line a worker writes (ours,
nameko's, pymongo's) carries the id of the request that caused it.
"""
import json
import logging
from datetime import datetime, timezone

from eventlet.corolocal import local

from kit.redact import redact

_current = local()

# Attributes every LogRecord has; anything else was passed via ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def set_correlation_id(value):
    _current.correlation_id = value


def get_correlation_id():
    return getattr(_current, "correlation_id", None)


class CorrelationFilter(logging.Filter):
    def filter(self, record):
        if not getattr(record, "correlation_id", None):
            record.correlation_id = get_correlation_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; URI passwords in the text (ours or a library's) are masked."""

    def format(self, record):
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "correlation_id": getattr(record, "correlation_id", None) or get_correlation_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)
