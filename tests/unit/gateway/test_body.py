"""Request bodies: invalid Unicode is named wherever it hides."""
from gateway.body import INVALID_TEXT, invalid_text_fields


def test_invalid_text_is_named_wherever_it_hides():
    found = invalid_text_fields({"ok": "fine", "bad": "\ud800", "nested": {"list": ["a", "\udc00"]}, "\udfff": 1})
    assert found == {"bad": [INVALID_TEXT], "nested": {"list": {1: [INVALID_TEXT]}}, "\\udfff": [INVALID_TEXT]}
