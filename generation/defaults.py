"""The styles a new site offers before the platform has trained its own LoRAs.

Without diffusion weights the built-in painter paints each of them with its own recipe, chosen by
the slug (``generation.worker.painterly.RECIPES``): keep a default style's slug stable.
"""

from generation.models import Style

DEFAULT_STYLES = [
    {
        "slug": "watercolor",
        "name": "Watercolor",
        "description": "Soft washes of colour on paper",
        "prompt_template": "a watercolor painting of {subject}, {trigger}, soft washes, paper texture, gentle light",
        "strength": 0.55,
    },
    {
        "slug": "oil-painting",
        "name": "Oil painting",
        "description": "Warm, rich brushstrokes",
        "prompt_template": "an oil painting of {subject}, {trigger}, impasto brushstrokes, warm light, classical portrait",
        "strength": 0.6,
    },
    {
        "slug": "ink-wash",
        "name": "Ink wash",
        "description": "Quiet ink on hanji, in the Korean manner",
        "prompt_template": "an ink wash painting of {subject}, {trigger}, sumukhwa, hanji paper, quiet, minimal",
        "strength": 0.65,
    },
    {
        "slug": "pencil",
        "name": "Pencil drawing",
        "description": "Graphite lines and hatching on paper",
        "prompt_template": "a pencil drawing of {subject}, {trigger}, graphite, fine hatching, sketchbook paper",
        "strength": 0.6,
    },
]


def ensure_default_styles() -> list[Style]:
    return [Style.objects.get_or_create(slug=data["slug"], defaults=data)[0] for data in DEFAULT_STYLES]
