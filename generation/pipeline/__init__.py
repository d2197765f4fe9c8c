"""Loading and running diffusers + controlnet-aux. Reached by the worker only.

Importing this package (or its `config`) has no side effects and imports no torch: the
torchvision fix (`torch_compat.install()`) is made by the loader and the trainer just
before they import diffusers, transformers, peft or controlnet-aux.
"""
