"""zh-CN message templates, rendered with Jinja2: one file per template and version.

A template file defines two blocks, ``title`` (one line) and ``body`` (plain text, used for the inbox,
the e-mail and the webhook). Undefined variables are errors (StrictUndefined), so a template that
names a field its event does not carry fails its unit test, not a recipient's message."""
import os

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from contracts import enums

DIRECTORY = os.path.join(os.path.dirname(__file__), "templates")


def _label(code, enum_name):
    """``{{ grade | label("evaluation_grades") }}`` → 优秀 (the code itself if unknown)."""
    return enums.ALL.get(enum_name, {}).get(code, code)


def _yuan(fen):
    """``{{ amount_fen | yuan }}`` → 100,000.00 (integer fen shown as yuan, no float on the way)."""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


_env = Environment(loader=FileSystemLoader(DIRECTORY), undefined=StrictUndefined, autoescape=False,
                   keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
_env.filters["label"] = _label
_env.filters["yuan"] = _yuan


def render(template_file, payload):
    """(title, body) of ``template_file`` for an event ``payload``."""
    template = _env.get_template(template_file)
    context = template.new_context({"p": payload})
    title = "".join(template.blocks["title"](context)).strip()
    body = "".join(template.blocks["body"](context)).strip()
    return title, body


DIGEST_TEMPLATE = "digest.v1.j2"


def render_digest(items):
    """(title, body) of the daily digest listing ``items`` (dicts with title, body, type)."""
    template = _env.get_template(DIGEST_TEMPLATE)
    context = template.new_context({"items": items, "count": len(items)})
    return ("".join(template.blocks["title"](context)).strip(), "".join(template.blocks["body"](context)).strip())
