"""Launch the eye expression graph: two eye trackers, the coefficient node, the avatar bridge.

    ros2 launch eye_expression_driver eye_expression.launch.py namespace:=headset \
        left_image_topic:=/camera/left/image_raw right_image_topic:=/camera/right/image_raw

With no image topic named, the built-in synthetic headset publishes the images
(use_synthetic_headset:=auto, the default; true or false say it explicitly); it pauses
while another node publishes on its topics. vmc:=true also starts the VMC/OSC sender.
The coefficient node and the avatar bridge run composed in one process (coefficient_bridge,
the same node names and parameters) unless composed:=false.

Without launch_ros, ``eye-expression run`` starts the same processes with the same
parameters (eye_expression_driver/ros/graph.py; a test checks that the two agree).
Image topics are resolved in each tracker's namespace (<ns>/left, <ns>/right) unless
absolute.
"""

from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription

PACKAGE = "eye_expression_driver"


def _absolute(namespace):
    """'' or 'a/b/' -> '/' or '/a/b' (as ros/graph.py absolute)."""
    parts = [p for p in namespace.split("/") if p]
    return "/" + "/".join(parts)


def _join(namespace, name):
    return namespace.rstrip("/") + "/" + name


def _image_topic(namespace, eye, topic):
    """Where a tracker's remapped image_raw resolves (as ros/graph.py image_topic)."""
    return topic if topic.startswith("/") else _join(_join(namespace, eye), topic)


def _use_synthetic_headset(value, left_image, right_image):
    """true, or auto with no camera named (as ros/graph.py uses_synthetic_headset)."""
    named = left_image != "image_raw" or right_image != "image_raw"
    return value == "true" or (value == "auto" and not named)


def _nodes(context):
    ns = _absolute(LaunchConfiguration("namespace").perform(context))
    config = LaunchConfiguration("config_file").perform(context)
    backend = LaunchConfiguration("backend").perform(context)
    left_image = LaunchConfiguration("left_image_topic").perform(context)
    right_image = LaunchConfiguration("right_image_topic").perform(context)
    headset = LaunchConfiguration("use_synthetic_headset").perform(context)
    vmc = LaunchConfiguration("vmc").perform(context)
    composed = LaunchConfiguration("composed").perform(context)
    coefficients = _join(ns, "coefficients")
    nodes = [
        Node(package=PACKAGE, executable="eye_tracker", name="eye_tracker",
             namespace=_join(ns, "left"),
             parameters=[config, {"eye": "left", "backend": backend}],
             remappings=[("image_raw", left_image), ("coefficients", coefficients)],
             output="screen"),
        Node(package=PACKAGE, executable="eye_tracker", name="eye_tracker",
             namespace=_join(ns, "right"),
             parameters=[config, {"eye": "right", "backend": backend}],
             remappings=[("image_raw", right_image), ("coefficients", coefficients)],
             output="screen"),
    ]
    if composed == "true":  # no name: each node keeps its own (as ros/graph.py ros_args)
        nodes.append(Node(package=PACKAGE, executable="coefficient_bridge", namespace=ns,
                          parameters=[config], output="screen"))
    else:
        nodes += [Node(package=PACKAGE, executable=executable, name=executable, namespace=ns,
                       parameters=[config], output="screen")
                  for executable in ("coefficient_node", "avatar_bridge")]
    if _use_synthetic_headset(headset, left_image, right_image):
        images = {"left": left_image, "right": right_image}
        remaps = [(eye + "/image_raw", _image_topic(ns, eye, topic))
                  for eye, topic in images.items() if topic != "image_raw"]
        nodes.insert(0, Node(package=PACKAGE, executable="synthetic_headset",
                             name="synthetic_headset", namespace=ns, parameters=[config],
                             remappings=remaps, output="screen"))
    if vmc == "true":
        nodes.append(Node(package=PACKAGE, executable="vmc_sender", name="vmc_sender",
                          namespace=ns, parameters=[config], output="screen"))
    return nodes


def generate_launch_description():
    default_config = PathJoinSubstitution(
        [FindPackageShare(PACKAGE), "config", "eye_expression.yaml"])
    return LaunchDescription([
        DeclareLaunchArgument("namespace", default_value="",
                              description="namespace of the whole graph"),
        DeclareLaunchArgument("left_image_topic", default_value="image_raw",
                              description="left camera topic (relative to <ns>/left)"),
        DeclareLaunchArgument("right_image_topic", default_value="image_raw",
                              description="right camera topic (relative to <ns>/right)"),
        DeclareLaunchArgument("backend", default_value="geometric",
                              choices=["geometric", "learned"],
                              description="eye tracker backend"),
        DeclareLaunchArgument("config_file", default_value=default_config,
                              description="parameter YAML (config/eye_expression.yaml)"),
        DeclareLaunchArgument("use_synthetic_headset", default_value="auto",
                              choices=["auto", "true", "false"],
                              description="the built-in synthetic headset publishes the "
                                          "images; auto = when no image topic is named"),
        DeclareLaunchArgument("vmc", default_value="false", choices=["true", "false"],
                              description="also send FaceExpression to a VMC/OSC avatar app"),
        DeclareLaunchArgument("composed", default_value="true", choices=["true", "false"],
                              description="coefficient_node and avatar_bridge in one process "
                                          "(saves a hop); false: a process each"),
        OpaqueFunction(function=_nodes),
    ])
