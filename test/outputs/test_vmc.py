"""VMC/OSC output: message building without ROS, and the sender node received on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_server import ThreadingOSCUDPServer

from eye_expression_driver.outputs.vmc import (
    APPLY_ADDRESS,
    VAL_ADDRESS,
    blend_messages,
    check_host,
    osc_bundle,
    parse_name_map,
)


def test_vals_then_apply_clipped_and_renamed() -> None:
    names = ["eyeBlinkLeft", "eyeLookUpRight", "jawOpen", "tongueOut", "eyeWideLeft"]
    weights = [0.25, 1.5, float("nan"), 0.5, -0.2]
    messages = blend_messages(names, weights, {"eyeBlinkLeft": "Blink_L", "tongueOut": ""})
    assert messages == [
        (VAL_ADDRESS, ("Blink_L", 0.25)),
        (VAL_ADDRESS, ("eyeLookUpRight", 1.0)),
        (VAL_ADDRESS, ("eyeWideLeft", 0.0)),
        (APPLY_ADDRESS, ()),
    ]


def test_bundle_holds_the_messages_in_order() -> None:
    bundle = OscBundle(osc_bundle(blend_messages(["a", "b"], [0.5, 0.75])).dgram)
    decoded = [(m.address, tuple(m.params)) for m in bundle]
    assert decoded == [(VAL_ADDRESS, ("a", 0.5)), (VAL_ADDRESS, ("b", 0.75)), (APPLY_ADDRESS, ())]


def test_name_map_and_host_checks() -> None:
    assert parse_name_map(["eyeBlinkLeft=Blink_L", " jawOpen = A "]) == {
        "eyeBlinkLeft": "Blink_L", "jawOpen": "A"}
    for bad in (["eyeBlinkLeft"], ["=x"], ["a=b", "a=c"]):
        with pytest.raises(ValueError):
            parse_name_map(bad)
    for good in ("127.0.0.1", "::1", "localhost", "vseeface-pc.local"):
        assert check_host(good) is None
    for bad in ("", "bad host", "300.1.2.3.4/5", "-x"):
        assert check_host(bad) is not None


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


@pytest.mark.ros
@pytest.mark.parametrize("bundle", [True, False])
def test_sender_node_reaches_an_osc_server(bundle: bool, osc_server, ros_env: dict,
                                           ros_domain: int) -> None:
    pytest.importorskip("rclpy")
    from demo_ros_helpers import node_script, peer, spawn, stop
    from eye_expression_driver.msg import FaceExpression
    from rclpy.qos import QoSProfile, QoSReliabilityPolicy

    port, received, applied = osc_server
    proc = spawn([node_script("vmc_sender"), "--ros-args", "-p", f"port:={port}",
                  "-p", f"bundle:={str(bundle).lower()}",
                  "-p", "name_map:=['eyeBlinkRight=Blink_R']"], ros_env)
    names = ["eyeBlinkLeft", "eyeBlinkRight", "eyeLookOutLeft"]
    weights = [0.125, 0.75, 0.3]
    try:
        with peer(ros_domain) as p:
            qos = QoSProfile(depth=10, reliability=QoSReliabilityPolicy.RELIABLE)
            pub = p.node.create_publisher(FaceExpression, "face_expression", qos)
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


@pytest.mark.ros
def test_sender_node_refuses_a_bad_host(ros_env: dict) -> None:
    pytest.importorskip("rclpy")
    from demo_ros_helpers import node_script, spawn

    proc = spawn([node_script("vmc_sender"), "--ros-args", "-p", "host:=not a host"], ros_env)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "host" in out and "Traceback" not in out


@pytest.mark.ros
def test_sender_node_refuses_bad_values_while_running(ros_env: dict, ros_domain: int) -> None:
    pytest.importorskip("rclpy")
    from demo_ros_helpers import node_script, peer, spawn, stop
    from rclpy.parameter import Parameter
    from rclpy.parameter_client import AsyncParameterClient

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
