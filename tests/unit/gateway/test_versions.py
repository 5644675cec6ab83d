"""If-Match in, ETag out (gateway/versions.py)."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import versions
from kit.errors import ValidationFailed


def _request(method, if_match=None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    return Request(EnvironBuilder(method=method, path="/v1/x", headers=headers).get_environ())


@pytest.mark.parametrize("header", ['"3"', 'W/"3"', "3", ' "3" '])
def test_a_version_names_the_record_of_the_last_path_parameter(header):
    expected = versions.expected(_request("PATCH", header), "/v1/cases/<case_id>/suspects/<suspect_id>",
                                 {"case_id": "c1", "suspect_id": "s1"})
    assert expected == {"id": "s1", "version": 3}


@pytest.mark.parametrize("method,header,url", [
    ("PATCH", None, "/v1/cases/<case_id>"),          # no If-Match: the change applies as before
    ("PATCH", "*", "/v1/cases/<case_id>"),           # any version
    ("GET", '"3"', "/v1/cases/<case_id>"),           # a read changes nothing
    ("POST", '"3"', "/v1/cases"),                    # no record named by the path
])
def test_nothing_to_check(method, header, url):
    assert versions.expected(_request(method, header), url, {"case_id": "c1"}) is None


@pytest.mark.parametrize("header", ['"3", "4"', "abc", '"-1"', '"1234567890"'])
def test_a_malformed_if_match_is_a_400_naming_it(header):
    with pytest.raises(ValidationFailed) as refused:
        versions.expected(_request("PUT", header), "/v1/cases/<case_id>", {"case_id": "c1"})
    assert "If-Match" in refused.value.fields


def test_a_versioned_answer_carries_its_etag():
    assert versions.etag_headers({"id": "c1", "version": 7}) == {"ETag": '"7"'}
    assert versions.etag_headers({"items": []}) is None and versions.etag_headers([1]) is None
    assert versions.etag_headers({"version": True}) is None
