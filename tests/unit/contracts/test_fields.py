"""The contract building blocks: text that is valid Unicode without control characters, strict booleans."""
import pytest
from marshmallow import ValidationError

from contracts.fields import StrictBoolean, line, text


def test_text_and_line_fields_refuse_invalid_unicode_and_control_characters():
    for field, value in ((line(), "a\x00b"), (line(), "a\nb"), (line(), "a\u202eb"), (text(), "a\x07b"),
                         (line(), "a\ud800b"), (text(), "\udfff")):
        with pytest.raises(ValidationError):
            field.deserialize(value)
    assert text().deserialize("  第一行\n第二行\t! ") == "第一行\n第二行\t!"
    assert line().deserialize("\t平检刑诉〔2026〕1号\n") == "平检刑诉〔2026〕1号"


def test_a_strict_boolean_takes_json_booleans_only():
    assert StrictBoolean().deserialize(True) is True
    for value in (1, 0, "true", "yes", None):
        with pytest.raises(ValidationError):
            StrictBoolean().deserialize(value)
