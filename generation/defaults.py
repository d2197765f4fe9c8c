"""The styles a new site offers before the platform has trained its own LoRAs.

Without diffusion weights the built-in painter paints each of them with its own recipe, chosen by
the slug (``generation.worker.painterly.RECIPES``): keep a default style's slug stable.
"""

from generation.models import Style

DEFAULT_STYLES = [
    {
        "slug": "watercolor",
        "name": "Watercolor",
        "name_ko": "수채화",
        "description": "Soft washes of colour on paper",
        "description_ko": "종이 위에 부드럽게 번지는 물감",
        "prompt_template": "a watercolor painting of {subject}, {trigger}, soft washes, paper texture, gentle light",
        "strength": 0.55,
    },
    {
        "slug": "oil-painting",
        "name": "Oil painting",
        "name_ko": "유화",
        "description": "Warm, rich brushstrokes",
        "description_ko": "따뜻하고 풍성한 붓질",
        "prompt_template": "an oil painting of {subject}, {trigger}, impasto brushstrokes, warm light, classical portrait",
        "strength": 0.6,
    },
    {
        "slug": "ink-wash",
        "name": "Ink wash",
        "name_ko": "수묵화",
        "description": "Quiet ink on hanji, in the Korean manner",
        "description_ko": "한지에 스민 고요한 먹빛",
        "prompt_template": "an ink wash painting of {subject}, {trigger}, sumukhwa, hanji paper, quiet, minimal",
        "strength": 0.65,
    },
    {
        "slug": "pencil",
        "name": "Pencil drawing",
        "name_ko": "연필 소묘",
        "description": "Graphite lines and hatching on paper",
        "description_ko": "종이 위에 연필 선과 빗금으로 그린 소묘",
        "prompt_template": "a pencil drawing of {subject}, {trigger}, graphite, fine hatching, sketchbook paper",
        "strength": 0.6,
    },
]


def ensure_default_styles() -> list[Style]:
    return [Style.objects.get_or_create(slug=data["slug"], defaults=data)[0] for data in DEFAULT_STYLES]
