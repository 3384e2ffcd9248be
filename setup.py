"""pip installation of the ROS-free part: core, vision, synth, training and the CLI.

On a ROS 2 install the package is built by ament_cmake (CMakeLists.txt), which also
generates the messages; this file is for ``pip install .`` without ROS.
"""

from glob import glob

from setuptools import find_packages, setup

setup(
    name="eye_expression_driver",
    version="0.1.0",
    description="Eye expression coefficients (blink, gaze) from VR headset eye cameras",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["eye_expression_driver", "eye_expression_driver.*"]),
    package_data={"eye_expression_driver": ["models/*.onnx", "models/*.md", "data/*"]},
    install_requires=[
        "numpy>=1.24",
        "opencv-python-headless>=4.8",
        "onnxruntime>=1.16",
        "PyYAML>=6",
        "tqdm>=4.60",
    ],
    extras_require={
        "train": ["torch==2.13.0", "onnx>=1.15", "onnxscript>=0.1", "matplotlib>=3.7"],
        "bag": ["rosbags>=0.10", "rosbags-image>=0.10"],
        "osc": ["python-osc>=1.8"],
        "plot": ["matplotlib>=3.7"],
    },
    # message definitions, so bags written without ROS carry this package's types
    data_files=[("share/eye_expression_driver/msg", sorted(glob("msg/*.msg")))],
    entry_points={"console_scripts": ["eye-expression=eye_expression_driver.cli:main"]},
)
