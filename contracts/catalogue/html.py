"""The event catalogue as one self-contained HTML page (zh-CN; no script, no CDN: the
procuratorate's network has no internet), rendered from the AsyncAPI document."""
import json
from html import escape

from contracts.catalogue import reading

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.5}
nav a{margin-right:1.2em}h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
section.event{border:1px solid #e3e3e3;border-radius:6px;margin:1em 0;padding:.4em 1em}
code{font-family:ui-monospace,monospace;background:#f4f4f4;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #e6e6e6;padding:.25em .6em;text-align:left;
vertical-align:top}th{background:#fafafa;white-space:nowrap}
pre{background:#f7f7f7;padding:.6em;overflow:auto;font-size:.85em}
.muted{color:#777}
"""


def _fields(fields):
    rows = "".join(f"<tr><td><code>{escape(f.name)}</code></td><td>{escape(f.type)}</td>"
                   f"<td>{'是' if f.required else '否'}</td><td>{escape(f.description) or '—'}</td></tr>"
                   for f in fields)
    return f"<table><tr><th>字段</th><th>类型</th><th>必填</th><th>说明</th></tr>{rows}</table>"


def _shapes(shapes, heading):
    out = [_fields(shapes[0].fields)]
    out += [f"<{heading}>{escape(shape.name)}</{heading}>{_fields(shape.fields)}" for shape in shapes[1:]]
    return "".join(out)


def _consumers(event):
    if not event.consumers:
        return "<span class='muted'>暂无</span>"
    return "；".join(f"<code>{escape(c.name)}</code>（队列 <code>{escape(c.queue)}</code>）" for c in event.consumers)


def _event(event):
    return "".join([
        f"<section class='event' id='{escape(event.anchor)}' data-event-type='{escape(event.type)}'>",
        f"<h3><code>{escape(event.type)}</code> v{event.version} — {escape(event.title)}</h3>",
        f"<p>{escape(event.description)}</p>" if event.description else "",
        f"<p>发布者：<code>{escape(event.producer)}</code>（交换机 <code>{escape(event.exchange)}</code>，"
        f"路由键 <code>{escape(event.type)}</code>；载荷结构 <code>{escape(event.schema)}</code>）<br>"
        f"消费者：{_consumers(event)}</p>",
        "<h4>载荷字段</h4>", _shapes([reading.Shape("payload", event.fields), *event.nested], "h5"),
        "<details><summary>示例信封</summary><pre>",
        escape(json.dumps(event.example, ensure_ascii=False, indent=2)) if event.example else "（暂无示例）",
        "</pre></details></section>",
    ])


def render(document):
    events = reading.events(document)
    title = document["info"]["title"]
    overview = "".join(
        f"<tr><td><a href='#{escape(e.anchor)}'><code>{escape(e.type)}</code></a></td><td>{e.version}</td>"
        f"<td>{escape(e.title)}</td><td><code>{escape(e.producer)}</code></td><td>{_consumers(e)}</td></tr>"
        for e in events)
    return "".join([
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(title)}</title>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<link rel='icon' href='data:,'>",  # no icon, and no request for /favicon.ico either
        f"<style>{_STYLE}</style></head><body>",
        "<nav><a href='/docs'>HTTP 接口文档（Swagger UI）</a><a href='/asyncapi.json'>AsyncAPI 文档（JSON）</a>"
        "<a href='/openapi.json'>OpenAPI 文档（JSON）</a></nav>",
        f"<h1>{escape(title)}</h1><p>{escape(document['info'].get('description', ''))}</p>",
        "<p class='muted'>类型后括号中的名称是枚举，其代码的中文名称见 <code>GET /v1/meta/enums</code>。"
        "消费者忽略不认识的字段，因此同一版本可以增加可选字段。</p>",
        f"<h2>事件（{len(events)}）</h2><table id='events'><tr><th>类型</th><th>版本</th><th>名称</th>"
        f"<th>发布者</th><th>消费者</th></tr>{overview}</table>",
        "<h2>信封</h2><p>每个事件都装在同一信封中发布；<code>payload</code> 的结构见各事件。</p>",
        _shapes(reading.envelope(document), "h3"),
        "<h2>各事件</h2>", *(_event(event) for event in events),
        "</body></html>",
    ])
