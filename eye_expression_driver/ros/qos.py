"""The graph's QoS profiles, defined once (REP 2003 for sensor data).

Images are best effort keep-last (a late frame is worth nothing); observations,
coefficients and face expressions are reliable keep-last 10, so a consumer that keeps up
sees every one and a slow one never holds the producer back for long.
"""

from __future__ import annotations

from rclpy.qos import QoSProfile, QoSReliabilityPolicy, qos_profile_sensor_data

SENSOR_DATA = qos_profile_sensor_data
RELIABLE = QoSProfile(depth=10, reliability=QoSReliabilityPolicy.RELIABLE)
# What a recorder must not lose (the synthetic ground truth; the headset's images when
# the demo asks for reliable ones): reliable with a deep queue.
RELIABLE_DEEP = QoSProfile(depth=50, reliability=QoSReliabilityPolicy.RELIABLE)
# Pictures for people (the avatar preview): reliable keep-last 1 matches both reliable
# and best-effort viewers and never queues an old picture.
LATEST_PICTURE = QoSProfile(depth=1, reliability=QoSReliabilityPolicy.RELIABLE)
