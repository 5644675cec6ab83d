"""tests.support.mongo_uri: PINGJIAN_TEST_MONGO_URI may be a replica-set URI with options."""
from pymongo.uri_parser import parse_uri

from tests.support.mongo_uri import direct_uri, first_node


def test_a_replica_set_uri_gives_its_host_and_port():
    assert first_node("mongodb://db.example:27017/?replicaSet=rs0") == ("db.example", 27017)


def test_the_first_seed_of_several_with_credentials_and_options():
    uri = "mongodb://app:s%40cret@m1:27018,m2:27019/pingjian?replicaSet=rs0&authSource=admin&w=majority"
    assert first_node(uri) == ("m1", 27018)


def test_the_default_port_and_a_bare_uri():
    assert first_node("mongodb://127.0.0.1") == ("127.0.0.1", 27017)
    assert first_node("mongodb://127.0.0.1:27117/") == ("127.0.0.1", 27117)


def test_direct_uri_keeps_credentials_and_drops_the_replica_set():
    uri = "mongodb://app:s%40cret@m1:27018,m2:27019/?replicaSet=rs0&authSource=admin"
    direct = direct_uri(uri, "127.0.0.1", 40001)
    parsed = parse_uri(direct)
    assert parsed["nodelist"] == [("127.0.0.1", 40001)]
    assert (parsed["username"], parsed["password"]) == ("app", "s@cret")
    assert parsed["options"]["directConnection"] is True and parsed["options"]["authSource"] == "admin"
    assert "replicaSet" not in parsed["options"]


def test_direct_uri_without_credentials():
    assert direct_uri("mongodb://127.0.0.1:27117/?replicaSet=secantus", "127.0.0.1", 5) == \
        "mongodb://127.0.0.1:5/?directConnection=true"
