"""ROS-free plumbing the nodes use: the latest-frame slot, render-ahead prefetch, rate and
timing statistics, and parameter specs. Testable without ROS; above ``core``."""
