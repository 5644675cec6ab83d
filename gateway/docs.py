"""A self-contained HTML page describing the API, rendered from the OpenAPI
document (no CDN: the procuratorate's network has no internet)."""
import json
from html import escape

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
.op{border:1px solid #e3e3e3;border-radius:6px;margin:.8em 0;padding:.6em 1em}
.m{display:inline-block;min-width:4.5em;font-weight:bold;font-family:monospace}
.get{color:#0a6}.post{color:#06c}.path{font-family:monospace;font-size:1.05em}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #eee;padding:.2em .6em;text-align:left}
pre{background:#f7f7f7;padding:.6em;overflow:auto;font-size:.85em}
"""


def _schema_ref(node):
    if not node:
        return ""
    ref = node.get("$ref") or (node.get("items") or {}).get("$ref") or ""
    return ref.rsplit("/", 1)[-1]


def render(spec):
    out = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(spec['info']['title'])}"
           f"</title><style>{_STYLE}</style></head><body>",
           f"<h1>{escape(spec['info']['title'])} <small>v{escape(spec['info']['version'])}</small></h1>",
           f"<p>{escape(spec['info'].get('description', ''))}</p>",
           "<p>机器可读文档：<a href='/openapi.json'>/openapi.json</a></p><h2>接口</h2>"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            auth = "无需登录" if op.get("security") == [] else "需要 Bearer 令牌"
            out.append(f"<div class='op'><span class='m {method}'>{method.upper()}</span>"
                       f"<span class='path'>{escape(path)}</span> — {escape(op.get('summary', ''))}"
                       f" <small>（{auth}{escape('；' + op['description']) if op.get('description') else ''}）</small>")
            params = op.get("parameters", [])
            if params:
                out.append("<table><tr><th>参数</th><th>位置</th><th>必填</th><th>类型</th></tr>")
                for p in params:
                    out.append(f"<tr><td>{escape(p['name'])}</td><td>{p['in']}</td><td>{'是' if p.get('required') else '否'}"
                               f"</td><td>{escape(json.dumps(p.get('schema', {}), ensure_ascii=False))}</td></tr>")
                out.append("</table>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                out.append(f"<div>请求体：<a href='#schema-{_schema_ref(body)}'>{_schema_ref(body)}</a></div>")
            codes = []
            for status, response in op["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                name = _schema_ref(schema)
                link = f" <a href='#schema-{name}'>{name}</a>" if name else ""
                codes.append(f"{status} {escape(response['description'])}{link}")
            out.append("<div>响应：" + "；".join(codes) + "</div></div>")
    out.append("<h2>数据结构</h2>")
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        out.append(f"<h3 id='schema-{escape(name)}'>{escape(name)}</h3>"
                   f"<pre>{escape(json.dumps(schema, ensure_ascii=False, indent=2))}</pre>")
    out.append("</body></html>")
    return "".join(out)
