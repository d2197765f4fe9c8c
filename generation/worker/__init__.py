"""What only the worker runs: painting a job, the tribute and its narration, the built-in
painter, storing the results as records, webhook delivery.

The web process never imports this package (an import-linter contract holds it): it records
work and queues `generation.tasks` by name. Torch is imported further down still, by
`generation.pipeline`, and only when diffusion weights are configured.
"""
