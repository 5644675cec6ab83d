"""ops.broker: which broker `make run` uses, and what it says when there is none."""
import pytest

from ops.broker import BrokerError, ensure_broker, find_rabbitmq_server
from ops.launcher import free_port


def nowhere():
    return f"pyamqp://guest:guest@127.0.0.1:{free_port()}/"


def test_an_explicit_unreachable_amqp_uri_is_a_clear_error_with_the_password_masked(tmp_path):
    port = free_port()
    environ = {"AMQP_URI": f"pyamqp://pingjian:very-secret-pw@127.0.0.1:{port}/prod", "PATH": ""}
    with pytest.raises(BrokerError) as raised:
        ensure_broker(environ, tmp_path, tmp_path / "log", say=lambda _: None)
    message = str(raised.value)
    assert "very-secret-pw" not in message
    assert f"RabbitMQ is not reachable at pyamqp://pingjian:***@127.0.0.1:{port}/prod" in message
    assert "AMQP_URI" in message
    assert not (tmp_path / "rabbitmq").exists(), "an explicit AMQP_URI never starts a private node"


def test_no_broker_and_no_rabbitmq_server_installed_says_how_to_install_it(tmp_path):
    default = nowhere()
    with pytest.raises(BrokerError) as raised:
        ensure_broker({"PATH": str(tmp_path)}, tmp_path, tmp_path / "log", default_uri=default,
                      path=str(tmp_path), say=lambda _: None)
    message = str(raised.value)
    assert "rabbitmq-server is not installed" in message
    assert "apt-get install rabbitmq-server" in message and "AMQP_URI" in message
    assert "guest:***@" in message and "guest:guest@" not in message


def test_the_debian_wrapper_is_replaced_by_the_real_script(tmp_path):
    # /usr/sbin/rabbitmq-server -> ../lib/rabbitmq/bin/rabbitmq-script-wrapper, which su's to `rabbitmq`
    lib = tmp_path / "lib" / "rabbitmq" / "bin"
    lib.mkdir(parents=True)
    for name in ("rabbitmq-script-wrapper", "rabbitmq-server"):
        (lib / name).write_text("#!/bin/sh\n")
        (lib / name).chmod(0o755)
    sbin = tmp_path / "sbin"
    sbin.mkdir()
    (sbin / "rabbitmq-server").symlink_to(lib / "rabbitmq-script-wrapper")
    assert find_rabbitmq_server(str(sbin)) == lib / "rabbitmq-server"
    assert find_rabbitmq_server(str(lib)) == lib / "rabbitmq-server"
    assert find_rabbitmq_server(str(tmp_path / "empty")) is None
