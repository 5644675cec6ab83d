"""Masking credentials in text meant for people or logs.

Broker and database addresses travel as URIs with the password inside
(``pyamqp://user:password@host/``); any message or log line that quotes one
must show ``user:***@`` instead. One helper, so the launcher, the log
formatter and services all mask the same way.
"""
import re

# scheme://user:password@ — the password runs to the last '@' before a '/' or whitespace, so a raw
# '@' inside it is hidden too; a ':port/' followed by a later '@' in the path is not a password.
_URI_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):[^\s/]*@")


def redact(text):
    """``text`` with every URI password replaced by ``***``."""
    return _URI_PASSWORD.sub(r"\1:***@", text)
