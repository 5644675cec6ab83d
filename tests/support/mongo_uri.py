"""Taking a MongoDB URI apart with the driver's own parser, never by splitting strings.

PINGJIAN_TEST_MONGO_URI may be any URI a driver accepts (a replica set with
options, credentials, several seeds), so only pymongo's parser reads it right.
"""
from urllib.parse import quote_plus

from pymongo.uri_parser import parse_uri


def first_node(uri):
    """(host, port) of the first seed of ``uri``. For a multi-node replica set, list its primary first:
    a test that proxies one node talks to that node alone."""
    host, port = parse_uri(uri)["nodelist"][0]
    return host, port


def direct_uri(uri, host, port):
    """``uri``'s deployment reached at host:port as a single node (directConnection, no replicaSet: the
    proxy is not in the set's member list); credentials and authSource are kept."""
    parsed = parse_uri(uri)
    userinfo = ""
    if parsed["username"]:
        userinfo = quote_plus(parsed["username"])
        if parsed["password"] is not None:
            userinfo += ":" + quote_plus(parsed["password"])
        userinfo += "@"
    options = ["directConnection=true"]
    auth_source = {k.lower(): v for k, v in parsed["options"].items()}.get("authsource")
    if auth_source:
        options.append("authSource=" + quote_plus(auth_source))
    return f"mongodb://{userinfo}{host}:{port}/?{'&'.join(options)}"
