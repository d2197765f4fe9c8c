"""The loss curve of a training run as a small SVG, drawn from numbers only (no JavaScript)."""

from __future__ import annotations

import math

WIDTH, HEIGHT, PAD = 640, 220, 36
MAX_POINTS = 400


def loss_curve_svg(losses: list[float]) -> str:
    values = [float(v) for v in losses if isinstance(v, (int, float)) and math.isfinite(v)]
    if len(values) < 2:
        return ""
    step = max(1, len(values) // MAX_POINTS)
    # Each point is the mean of its bucket: a readable line, not 10,000 jagged ones.
    buckets = [values[i : i + step] for i in range(0, len(values), step)]
    points = [sum(b) / len(b) for b in buckets]
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def xy(index: int, value: float) -> str:
        x = PAD + inner_w * index / max(1, len(points) - 1)
        y = PAD + inner_h * (1 - (value - low) / span)
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(i, v) for i, v in enumerate(points))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="Loss per step, from {values[0]:.4f} to {values[-1]:.4f} over {len(values)} steps">'
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>'
        f'<polyline fill="none" stroke="#6b4a2b" stroke-width="2" points="{line}"/>'
        f'<text x="{PAD}" y="{PAD - 8}" font-size="12" fill="#333">{high:.4f}</text>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="12" fill="#333">{low:.4f} · step 1–{len(values)}</text>'
        "</svg>"
    )
