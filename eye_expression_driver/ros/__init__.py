"""ROS 2 nodes and message conversions: thin glue over ``core`` and ``vision``."""
