"""ROS 2 glue, the only room that imports rclpy and message types.

``nodes/`` holds one module per node executable, named as the executable; ``tools/`` the
commands that start or feed graphs (run, demo, record, play). Beside them: the graph's
description (``graph``), node parameters, message conversions, diagnostics and QoS.
"""
