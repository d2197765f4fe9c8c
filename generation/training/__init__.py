"""Training style LoRAs for Stable Diffusion 1.5 (the recipe: rank 8, lr 1e-4, batch 4, 8-bit AdamW).

- ``dataset``: reads and checks a kohya-style folder (image + same-named ``.txt`` caption).
  No torch: the web process may import it.
- ``trainer``: the training loop (torch, diffusers, peft), imported by the worker only.
- ``records``: the ``TrainingRun`` model; ``service``: runs a record, makes the Style.
"""
