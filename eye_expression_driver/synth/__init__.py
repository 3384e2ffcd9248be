"""The synthetic near-infrared headset eye camera: renderer, behaviour scripts, ground truth."""
