"""Getting pixels in and out: image decoding from any message-like object, and rosbag2
types and files (``rosbags``). Above ``core``; no rclpy."""
