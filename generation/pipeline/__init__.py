"""Loading and running diffusers + controlnet-aux. Imported by the worker only (it imports torch)."""

from generation.pipeline import torch_compat

torch_compat.install()  # before anything can import torchvision: see torch_compat's docstring
