"""Run a service the way ``nameko run`` does, with a bound on how long a stop may take.

``python -m kit.run --config config.yml services.cases.service:CasesService``

nameko's ``run`` answers SIGTERM with a graceful ``stop()``: no new work, then
it waits for every running worker and thread to finish, for as long as that
takes. A worker stuck on something unbounded kept a process from ever
stopping. Our waits are bounded, but a stop must be too: after
SHUTDOWN_SECONDS (default 20) the runner is killed, which ends whatever is
left, and if even the kill hangs (nameko's consumers wait for a broker link
that is gone) the process exits. Unfinished work is not lost by that: unacknowledged messages go back to
their queues, and outbox records stay pending until a relay publishes them.
"""
import errno
import logging
import os
import signal
import sys

import eventlet

eventlet.monkey_patch()  # as nameko's own command does, before anything opens a socket

import nameko.cli.run  # noqa: E402
from nameko.cli.main import main as nameko_main  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from kit import clock  # noqa: E402
from kit.preflight import StartRefused  # noqa: E402

log = logging.getLogger("pingjian.run")


# nameko's kill() itself can hang: a consumer whose broker connection is cut waits for that
# connection to cancel its consumer. Past this, the process leaves without nameko.
KILL_SECONDS = 5


def _finished_within(thread, seconds):
    with eventlet.Timeout(seconds, False):
        thread.wait()
        return True
    return False


def stop_within(runner, seconds):
    """Stop gracefully; kill whatever has not stopped after ``seconds``; if even that hangs, exit."""
    if _finished_within(eventlet.spawn(runner.stop), seconds):
        return
    log.error("graceful stop did not finish within %ss: killing what is left", seconds)
    if _finished_within(eventlet.spawn(runner.kill), KILL_SECONDS):
        return
    log.critical("kill did not finish within %ss either (a broker link that is gone?): exiting now", KILL_SECONDS)
    logging.shutdown()
    os._exit(1)


def run(services, config, backdoor_port=None):
    """nameko.cli.run.run, with SIGTERM and Ctrl-C stopping within SHUTDOWN_SECONDS."""
    seconds = float(os.environ.get("SHUTDOWN_SECONDS") or config.get("SHUTDOWN_SECONDS", 20))
    runner = ServiceRunner(config)
    for service_cls in services:
        runner.add_service(service_cls)

    def on_sigterm(signum, frame):
        # Signal handlers run in the main loop and cannot use eventlet primitives directly.
        eventlet.spawn_n(stop_within, runner, seconds)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        runner.start()
    except StartRefused as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        log.critical("refusing to start: %s", exc)
        os._exit(2)  # nothing is serving yet; nameko's half-started containers need no stop
    waiting = eventlet.spawn(runner.wait)
    while True:
        try:
            waiting.wait()
            return
        except OSError as exc:  # EINTR from the signal arriving while the hub waits
            if exc.errno != errno.EINTR:
                raise
        except KeyboardInterrupt:
            stop_within(runner, seconds)


def main():
    try:
        clock.ensure_allowed()  # before anything starts: a production process with a fake clock is refused
    except clock.FakeClockRefused as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        sys.exit(2)
    nameko.cli.run.run = run  # nameko's argument and config handling, our run loop
    sys.argv = ["nameko", "run", *sys.argv[1:]]
    nameko_main()


if __name__ == "__main__":
    main()
