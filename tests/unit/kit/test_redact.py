"""kit.redact: no message or log line shows the password of a URI."""
import json
import logging
import sys

import pytest

from kit.logging import JsonFormatter
from kit.redact import redact


@pytest.mark.parametrize("text, expected", [
    ("RabbitMQ is not reachable at pyamqp://guest:guest@127.0.0.1:5672/ (refused)",
     "RabbitMQ is not reachable at pyamqp://guest:***@127.0.0.1:5672/ (refused)"),
    ("mongodb://app:s3cret@m1:27017,m2:27017/?replicaSet=rs0",
     "mongodb://app:***@m1:27017,m2:27017/?replicaSet=rs0"),
    # a raw '@' in the password: everything up to the host's '@' is hidden
    ("amqp://u:p@ss@host/vhost", "amqp://u:***@host/vhost"),
    ("'amqps://user:pa%2Fss@broker:5671//'", "'amqps://user:***@broker:5671//'"),
    ("two: amqp://a:1@h1/ and mongodb://b:2@h2/", "two: amqp://a:***@h1/ and mongodb://b:***@h2/"),
    ("empty password amqp://a:@h/", "empty password amqp://a:***@h/"),
])
def test_uri_passwords_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "pyamqp://guest@127.0.0.1:5672/",  # no password
    "http://127.0.0.1:8000/v1/users/x@y",  # a port, a path and an '@' later on: not a password
    "ordinary text with a:colon and an@at",
    "",
])
def test_text_without_uri_passwords_is_unchanged(text):
    assert redact(text) == text


def record(message, *args, exc_info=None):
    return logging.LogRecord("pingjian.test", logging.ERROR, __file__, 1, message, args, exc_info)


def test_json_log_lines_mask_passwords_in_message_and_exception():
    try:
        raise ConnectionError("cannot reach mongodb://app:s3cret@db:27017/")
    except ConnectionError:
        exc_info = sys.exc_info()
    log = record("connecting to %s", "pyamqp://guest:hunter2@broker:5672/", exc_info=exc_info)
    log.relay_uri = "amqp://relay:letmein@broker/"  # an extra= field
    line = JsonFormatter().format(log)
    assert "hunter2" not in line and "s3cret" not in line and "letmein" not in line
    parsed = json.loads(line)
    assert parsed["relay_uri"] == "amqp://relay:***@broker/"
    assert parsed["message"] == "connecting to pyamqp://guest:***@broker:5672/"
    assert "mongodb://app:***@db:27017/" in parsed["exc"]
