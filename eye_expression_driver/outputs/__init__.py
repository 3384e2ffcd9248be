"""What leaves the graph besides ROS topics: the tracker's debug overlay, the avatar
preview drawing, and VMC blendshapes over OSC."""
