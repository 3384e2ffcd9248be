"""Launch the eye expression graph: two eye trackers, the coefficient node, the avatar bridge.

    ros2 launch eye_expression_driver eye_expression.launch.py namespace:=headset \
        left_image_topic:=/camera/left/image_raw right_image_topic:=/camera/right/image_raw

With no image topic named, the built-in synthetic headset publishes the images
(use_synthetic_headset:=auto, the default; true or false say it explicitly); it pauses
while another node publishes on its topics. vmc:=true also starts the VMC/OSC sender.
The coefficient node and the avatar bridge run composed in one process (coefficient_bridge,
the same node names and parameters) unless composed:=false. Image topics are resolved in
each tracker's namespace (<ns>/left, <ns>/right) unless absolute.

The processes come from eye_expression_driver/ros/graph.py, which ``eye-expression run``
(the graph without launch_ros) starts too; this file only declares the arguments.
"""

from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from eye_expression_driver.ros import graph
from launch import LaunchDescription

PACKAGE = "eye_expression_driver"


def _nodes(context):
    values = {name: LaunchConfiguration(name).perform(context)
              for name in graph.LAUNCH_ARGUMENTS}
    config = LaunchConfiguration("config_file").perform(context)
    # A composed process gets no name: each of its nodes keeps its own.
    return [Node(package=PACKAGE, executable=node.executable, namespace=node.namespace,
                 name=None if node.composed else node.name,
                 parameters=[config, node.parameters], remappings=list(node.remappings),
                 output="screen")
            for node in graph.graph_from_launch_arguments(values)]


def generate_launch_description():
    default_config = PathJoinSubstitution(
        [FindPackageShare(PACKAGE), "config", "eye_expression.yaml"])
    flag = list(graph.BOOLEANS)
    return LaunchDescription([
        DeclareLaunchArgument("namespace", default_value="",
                              description="namespace of the whole graph"),
        DeclareLaunchArgument("left_image_topic", default_value=graph.DEFAULT_IMAGE,
                              description="left camera topic (relative to <ns>/left)"),
        DeclareLaunchArgument("right_image_topic", default_value=graph.DEFAULT_IMAGE,
                              description="right camera topic (relative to <ns>/right)"),
        DeclareLaunchArgument("backend", default_value="geometric",
                              choices=list(graph.BACKENDS), description="eye tracker backend"),
        DeclareLaunchArgument("config_file", default_value=default_config,
                              description="parameter YAML (config/eye_expression.yaml)"),
        DeclareLaunchArgument("use_synthetic_headset", default_value="auto",
                              choices=list(graph.SOURCE_OF_HEADSET),
                              description="the built-in synthetic headset publishes the "
                                          "images; auto = when no image topic is named"),
        DeclareLaunchArgument("vmc", default_value="false", choices=flag,
                              description="also send FaceExpression to a VMC/OSC avatar app"),
        DeclareLaunchArgument("composed", default_value="true", choices=flag,
                              description="coefficient_node and avatar_bridge in one process "
                                          "(saves a hop); false: a process each"),
        OpaqueFunction(function=_nodes),
    ])
