"""vmc_sender as a real process: FaceExpression in, VMC datagrams received by a real OSC
server on loopback; bad hosts and values refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from demo_ros_helpers import node_script, peer, spawn, stop
from eye_expression_driver.msg import FaceExpression
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient

from eye_expression_driver.outputs.vmc import APPLY_ADDRESS, VAL_ADDRESS
from eye_expression_driver.ros.qos import RELIABLE

pytestmark = pytest.mark.ros


@pytest.fixture
def osc_server() -> Iterator[tuple[int, list[tuple[str, tuple]], threading.Event]]:
    """A python-osc server on an ephemeral loopback port: (port, received, applied)."""
    received: list[tuple[str, tuple]] = []
    applied = threading.Event()

    def handler(address: str, *args: object) -> None:
        received.append((address, args))
        if address == APPLY_ADDRESS:
            applied.set()

    dispatcher = Dispatcher()
    dispatcher.set_default_handler(handler)
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1], received, applied
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("bundle", [True, False])
def test_sender_node_reaches_an_osc_server(bundle: bool, osc_server, ros_env: dict,
                                           ros_domain: int) -> None:

    port, received, applied = osc_server
    proc = spawn([node_script("vmc_sender"), "--ros-args", "-p", f"port:={port}",
                  "-p", f"bundle:={str(bundle).lower()}",
                  "-p", "name_map:=['eyeBlinkRight=Blink_R']"], ros_env)
    names = ["eyeBlinkLeft", "eyeBlinkRight", "eyeLookOutLeft"]
    weights = [0.125, 0.75, 0.3]
    try:
        with peer(ros_domain) as p:
            pub = p.node.create_publisher(FaceExpression, "face_expression", RELIABLE)
            msg = FaceExpression(schema="arkit52", names=names, weights=weights)
            assert p.spin_until(lambda: pub.get_subscription_count() > 0, 30.0), proc.poll()
            pub.publish(msg)
            assert p.spin_until(applied.is_set, 10.0)
    finally:
        code, out = stop(proc)
    assert code == 0, out
    first = received[:4]
    assert [a for a, _ in first] == [VAL_ADDRESS] * 3 + [APPLY_ADDRESS]
    sent = {args[0]: args[1] for _, args in first[:3]}
    assert set(sent) == {"eyeBlinkLeft", "Blink_R", "eyeLookOutLeft"}
    expected = dict(zip(["eyeBlinkLeft", "Blink_R", "eyeLookOutLeft"], weights, strict=True))
    for name, value in expected.items():
        assert sent[name] == pytest.approx(np.float32(value), abs=1e-7)


def test_sender_node_refuses_a_bad_host(ros_env: dict) -> None:

    proc = spawn([node_script("vmc_sender"), "--ros-args", "-p", "host:=not a host"], ros_env)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "host" in out and "Traceback" not in out


def test_sender_node_refuses_bad_values_while_running(ros_env: dict, ros_domain: int) -> None:

    proc = spawn([node_script("vmc_sender")], ros_env)
    try:
        with peer(ros_domain) as p:
            client = AsyncParameterClient(p.node, "vmc_sender")
            assert p.spin_until(lambda: client.services_are_ready(), 30.0), proc.poll()
            future = client.set_parameters([
                Parameter("host", value="not a host"),
                Parameter("port", value=70000),
                Parameter("name_map", value=["broken"]),
                Parameter("port", value=40000),
            ])
            assert p.spin_until(future.done, 10.0)
            results = future.result().results
    finally:
        code, out = stop(proc)
    assert code == 0, out
    assert [r.successful for r in results] == [False, False, False, True]
    assert "host" in results[0].reason and "70000" in results[1].reason
    assert "broken" in results[2].reason
