"""Summarise py-spy ``--format raw`` profiles (collapsed stacks) into where the CPU goes.

``BENCH_PROFILE=1 make bench`` records them into var/bench/profiles/<phase>-<process>.txt
and writes var/bench/profile.md with this module; it can also be re-run by hand:

    .venv/bin/python bench/profile_report.py var/bench/profiles [var/bench/last-run.json]

Each sample is attributed to one *layer* (logging if it is inside a logging
call, else the innermost library frame: a socket send inside pymongo counts as
pymongo) and, overlapping, to product *activities* (outbox relay, token check,
validation, ...). Recorded with ``--gil``: only samples in which the thread
holds the GIL, i.e. runs Python code; without it, on a busy 2-core machine,
py-spy also counts time a process waits for a CPU (typically right after a
socket send woke its peer), which inflates socket frames.
"""
import collections
import json
import re
import sys
from pathlib import Path

# Layer of a sample: logging if any frame is in the logging machinery (so the json.dumps of a
# log line counts as logging); otherwise the innermost (leaf-most) frame that belongs to one of
# these libraries (so a socket send inside pymongo counts as pymongo).
LOGGING = re.compile(r"\((logging/__init__\.py|kit/logging\.py)")
LAYERS = [
    ("marshmallow (validation, dump, event schemas)", re.compile(r"\(marshmallow/")),
    ("pymongo + bson (MongoDB driver; bson only, in SecantusDB)", re.compile(r"\((pymongo|bson)/")),
    ("kombu + amqp (AMQP client)", re.compile(r"\((kombu|amqp)/")),
    ("PyJWT", re.compile(r"\(jwt/")),
    ("json", re.compile(r"\(json/")),
    ("werkzeug", re.compile(r"\(werkzeug/")),
    ("eventlet.wsgi (HTTP parsing, writing)", re.compile(r"\(eventlet/wsgi\.py")),
    ("eventlet hub (epoll, timers, switches)", re.compile(r"\(eventlet/(hubs/|greenthread|event\.py|queue\.py|semaphore|timeout)")),
    ("nameko (containers, rpc, messaging)", re.compile(r"\(nameko/")),
    ("Pingjian code itself (gateway, services, kit, contracts)", re.compile(r"\((gateway|services|kit|contracts)/")),
]
LOGGING_LABEL = "logging (stdlib logging + kit/logging.py JSON lines)"
# Inclusive shares of some product activities (a sample may count in several); matched
# against the whole stack "frame;frame;...".
F = r"(?:^|;)"
FEATURES = [
    ("outbox relay (kit/outbox.py Relay: lease, poll, publish, mark sent)", re.compile(F + r"Relay\.run ")),
    ("outbox write: build_event + envelope/payload validation (contracts/envelope.py)", re.compile(F + r"build_event ")),
    ("per-call log line (kit/context.py RequestContext.worker_result)", re.compile(F + r"RequestContext\.worker_result ")),
    ("HTTP access log line (eventlet.wsgi → logger nameko.web.server)",
     re.compile(r"HttpProtocol\.handle_one_response \(eventlet/wsgi\.py:\d+\);Logger\.")),
    ("all logging", re.compile(r"\((logging/__init__\.py|kit/logging\.py)")),
    ("token check (gateway/auth.py actor_from_header)", re.compile(F + r"TokenIssuer\.actor_from_header ")),
    ("body/query validation (kit/validation.py load)", re.compile(F + r"load \(kit/validation\.py")),
    ("marshmallow Schema() instantiation (Schema.__init__)", re.compile(F + r"Schema\.__init__ \(marshmallow/")),
    ("response/contract dump (marshmallow Schema.dump)", re.compile(F + r"Schema\.dump ")),
    ("MongoDB transaction (kit/mongo.py run_in_transaction)", re.compile(F + r"run_in_transaction ")),
    ("inbox dedupe transaction (kit/events.py once)", re.compile(F + r"_InboxHandle\.once ")),
    ("user existence check (gateway/users.py exists)", re.compile(F + r"UserStore\.exists ")),
    ("RPC call from the gateway (nameko MethodProxy: publish + confirm + reply)", re.compile(F + r"MethodProxy\.__call__ ")),
    ("RPC reply publish (nameko Responder.send_response)", re.compile(F + r"Responder\.send_response ")),
    ("nameko ServiceContainer worker (whole entrypoint call)", re.compile(F + r"ServiceContainer\._run_worker ")),
]
# Whose functions get an "inclusive" top list: the product's, or SecantusDB's for its process.
OWN_CODE = re.compile(r"\((gateway|services|kit|contracts|secantus)/")
SOCKET_LEAF = re.compile(r"^(send|recv|sendall|recv_into|sendto|recvfrom|__libc_send|__libc_recv)\b|"
                         r"GreenSocket\._(send|recv)_loop|_recv_exactly|socket\.(send|recv)")
FRAME_LINE = re.compile(r":\d+\)$")


def load(path):
    samples = []
    for line in Path(path).read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples.append((stack.split(";"), int(count)))
    return samples


def layer_of(frames):
    if any(LOGGING.search(frame) for frame in frames):
        return LOGGING_LABEL
    for frame in reversed(frames):
        for label, pattern in LAYERS:
            if pattern.search(frame):
                return label
    return "other (stdlib, interpreter, the server's own code)"


def summarise(samples, top=12):
    total = sum(n for _, n in samples) or 1
    layers, leaves, product, features = (collections.Counter() for _ in range(4))
    socket_leaf = 0
    for frames, n in samples:
        layers[layer_of(frames)] += n
        leaves[FRAME_LINE.sub(")", frames[-1])] += n
        if SOCKET_LEAF.search(frames[-1]):
            socket_leaf += n
        joined = ";".join(frames)
        for label, pattern in FEATURES:
            if pattern.search(joined):
                features[label] += n
        seen = set()
        for frame in frames:  # inclusive time of product (or SecantusDB) functions
            if OWN_CODE.search(frame):
                name = FRAME_LINE.sub(")", frame)
                if name not in seen:
                    seen.add(name)
                    product[name] += n
    return {
        "samples": total,
        "layers": [(label, n / total) for label, n in layers.most_common()],
        "features": [(label, features[label] / total) for label, _ in FEATURES if features[label]],
        "socket_syscall_leaf": socket_leaf / total,
        "top_self": [(name, n / total) for name, n in leaves.most_common(top)],
        "top_product_inclusive": [(name, n / total) for name, n in product.most_common(top)],
    }


def markdown(profile_dir, results=None):
    profile_dir = Path(profile_dir)
    files = sorted(profile_dir.glob("*.txt"))
    phases = {"post": ("platform", "post_cases"), "get": ("platform", "get_case"),
              "echo": ("limits", "nameko_http_rpc_echo")}
    run = ""
    if results:
        cfg = results.get("config") or {}
        run = f" — run of {results.get('finished_at', '?')}, commit {cfg.get('commit', '?')}"
    lines = [f"# Where the CPU goes (py-spy record --gil --nonblocking, 100 Hz){run}", "",
             "Samples are taken only while a thread holds the GIL, i.e. while Python code runs (a process "
             "waiting for a CPU or inside a socket syscall is not counted). ms/request converts the shares "
             "with the process's CPU ms per request measured by /proc in the same run, so it also spreads "
             "that process's kernel time pro rata. A profiled run is slower than an unprofiled one.", ""]
    for path in files:
        phase, _, process = path.stem.partition("-")
        samples = load(path)
        if not samples:
            continue
        summary = summarise(samples)
        cpu_ms = None
        if results:
            section, key = phases.get(phase, ("", ""))
            run = (results.get(section) or {}).get(key, {})
            cpu_ms = (run.get("cpu_ms_per_request") or {}).get(process)
        head = f"## {phase} — {process} ({summary['samples']} samples"
        head += f", {cpu_ms:.2f} CPU ms/request)" if cpu_ms else ")"
        lines += [head, "", "| Layer | Share | ms/request |", "|---|---:|---:|"]
        for label, share in summary["layers"]:
            ms = f"{share * cpu_ms:.2f}" if cpu_ms else "—"
            lines.append(f"| {label} | {share:.0%} | {ms} |")
        if summary["features"]:
            lines += ["", "| Activity (inclusive, overlapping) | Share | ms/request |", "|---|---:|---:|"]
            for label, share in summary["features"]:
                ms = f"{share * cpu_ms:.2f}" if cpu_ms else "—"
                lines.append(f"| {label} | {share:.0%} | {ms} |")
        lines += ["", "Top leaf frames (self): " + "; ".join(f"`{n}` {s:.0%}" for n, s in summary["top_self"][:8])]
        if summary["top_product_inclusive"]:
            lines += ["", "Own code (product, or SecantusDB's for its process), inclusive: " + "; ".join(
                f"`{n}` {s:.0%}" for n, s in summary["top_product_inclusive"][:10])]
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv):
    profile_dir = Path(argv[1]) if len(argv) > 1 else Path("var/bench/profiles")
    results = json.loads(Path(argv[2]).read_text()) if len(argv) > 2 else None
    print(markdown(profile_dir, results))


if __name__ == "__main__":
    main(sys.argv)
