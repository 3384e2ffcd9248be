"""A face expression as VMC protocol OSC messages, for VSeeFace and other VMC avatar apps.

VMC sets blendshapes with one ``/VMC/Ext/Blend/Val <name> <value>`` per blendshape and then
``/VMC/Ext/Blend/Apply``, which makes the receiver apply them together. Names stay ARKit's
unless a name map renames them (many VRM avatars have their own clip names); a map entry
with an empty target drops that blendshape. Everything here is plain data plus python-osc
encoding, so the sender node only moves bytes (its parameters: ros.node_params).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # python-osc is needed to send, not to read the parameters
    from pythonosc.osc_bundle import OscBundle
    from pythonosc.osc_message import OscMessage

VAL_ADDRESS = "/VMC/Ext/Blend/Val"
APPLY_ADDRESS = "/VMC/Ext/Blend/Apply"
DEFAULT_PORT = 39539  # the VMC protocol's default receiver (Marionette) port
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")

Message = tuple[str, tuple[str | float, ...]]  # (OSC address, arguments)


def check_host(host: str) -> str | None:
    """Why this is not an IP address or host name, or None when it is one."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    return None if _HOSTNAME.match(host) else f"{host!r} is not an IP address or host name"


def parse_name_map(entries: Iterable[str]) -> dict[str, str]:
    """["eyeBlinkLeft=Blink_L", "tongueOut="] -> {from: to}; raises ValueError on a bad entry."""
    mapping: dict[str, str] = {}
    for entry in entries:
        source, sep, target = entry.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source:
            raise ValueError(f"name map entry {entry!r} is not 'arkitName=avatarName'")
        if source in mapping:
            raise ValueError(f"name map maps {source!r} twice")
        mapping[source] = target
    return mapping


def blend_messages(names: Sequence[str], weights: Sequence[float],
                   name_map: Mapping[str, str] | None = None) -> list[Message]:
    """One Val per usable blendshape (weight clipped to 0..1, NaN skipped), then Apply."""
    name_map = name_map or {}
    messages: list[Message] = []
    for name, value in zip(names, weights, strict=False):
        target = name_map.get(name, name)
        if not target or not math.isfinite(value):
            continue
        messages.append((VAL_ADDRESS, (target, min(max(float(value), 0.0), 1.0))))
    messages.append((APPLY_ADDRESS, ()))
    return messages


def osc_message(message: Message) -> OscMessage:
    from pythonosc.osc_message_builder import OscMessageBuilder

    address, args = message
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg, OscMessageBuilder.ARG_TYPE_FLOAT if isinstance(arg, float)
                        else OscMessageBuilder.ARG_TYPE_STRING)
    return builder.build()


def osc_bundle(messages: Iterable[Message]) -> OscBundle:
    """All messages in one bundle to be applied immediately, in order."""
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder

    builder = OscBundleBuilder(IMMEDIATELY)
    for message in messages:
        builder.add_content(osc_message(message))
    return builder.build()
