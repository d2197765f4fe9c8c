"""A training dataset: a folder of images, each with a caption file of the same name ending ``.txt``.

This is kohya-ss's layout, so existing datasets work as they are::

    my_style/                     or   my_style/10_watercolor/
        0001.jpg  0001.txt                 0001.jpg  0001.txt
        0002.png  0002.txt                 ...

A folder holding no files and a single sub-folder is entered (kohya's ``<repeats>_<name>``
folder, or the top folder a zip tool adds); the repeat count is recorded in
``Dataset.repeats`` but not applied: an epoch here is one pass over the images.

``check_dataset(folder, resolution)`` reads every file once (decoding images with Pillow)
and raises one ``DatasetError`` listing every problem at once, so a person fixes the folder
in one go. No torch here: the web process may import this module.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

try:  # phone photos arrive as HEIC; the rest of the site reads them too
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    pass

CAPTION_SUFFIX = ".txt"
MAX_PROBLEMS_LISTED = 50
# Keep decoded, cropped images in memory (uint8) up to this many bytes: 200 images at 512
# take 157 MB, and the training loop then never decodes a photo twice.
CACHE_BYTES = 1024**3
_KOHYA_FOLDER = re.compile(r"^(\d+)_(.+)$")

# What Pillow (and pillow-heif) raise on bytes that are not a well-formed image.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    TypeError,
    KeyError,
    RuntimeError,
    ZeroDivisionError,
    OverflowError,
    Image.DecompressionBombError,
)


class DatasetError(ValueError):
    """The dataset cannot be trained on. ``problems`` lists each problem; the message holds them all."""

    def __init__(self, folder, problems: list[str]):
        self.folder = str(folder)
        self.problems = list(problems)
        shown = self.problems[:MAX_PROBLEMS_LISTED]
        lines = [f"The training dataset in {self.folder} cannot be used:"]
        lines += [f"- {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"- ... and {len(self.problems) - len(shown)} more problems")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Item:
    image: Path
    caption: str  # as written in the file, whitespace folded
    size: tuple[int, int]  # upright (after EXIF orientation)


@dataclass
class Dataset:
    """The checked items. ``prompt(i)`` is the caption with the trigger word in front;
    ``pixels(i)`` the image as float32 CHW in [-1, 1], resolution x resolution."""

    root: Path  # the folder the files are in (after entering single sub-folders)
    items: list[Item]
    resolution: int
    trigger: str = ""
    repeats: int = 1  # from a kohya "<repeats>_<name>" folder; recorded, not applied
    notes: list[str] = field(default_factory=list)  # harmless things worth saying (ignored files)
    _cache: dict = field(default_factory=dict, repr=False)
    _cached_bytes: int = field(default=0, repr=False)

    def __len__(self) -> int:
        return len(self.items)

    def prompt(self, index: int) -> str:
        return with_trigger(self.items[index].caption, self.trigger)

    def prompts(self) -> list[str]:
        return [self.prompt(i) for i in range(len(self))]

    def pixels(self, index: int, flip: bool = False) -> np.ndarray:
        array = self._cache.get(index)
        if array is None:
            array = load_image(self.items[index].image, self.resolution)
            if self._cached_bytes + array.nbytes <= CACHE_BYTES:
                self._cache[index] = array
                self._cached_bytes += array.nbytes
        if flip:
            array = array[:, ::-1]
        return to_unit_range(array)


def with_trigger(caption: str, trigger: str) -> str:
    """``"trigger, caption"``; the caption alone when it already starts with the trigger."""
    caption, trigger = caption.strip(), (trigger or "").strip()
    if not trigger:
        return caption
    if not caption:
        return trigger
    if caption.lower().startswith(trigger.lower()):
        return caption
    return f"{trigger}, {caption}"


def load_image(path: str | Path, resolution: int) -> np.ndarray:
    """RGB, EXIF-upright, the shorter side resized to ``resolution``, center-cropped square:
    uint8 HWC (what diffusers' script does with Resize + CenterCrop)."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    width, height = image.size
    scale = resolution / min(width, height)
    new_size = (max(resolution, round(width * scale)), max(resolution, round(height * scale)))
    if new_size != image.size:
        image = image.resize(new_size, Image.BILINEAR)
    left = (image.width - resolution) // 2
    top = (image.height - resolution) // 2
    image = image.crop((left, top, left + resolution, top + resolution))
    return np.asarray(image, dtype=np.uint8)


def to_unit_range(array: np.ndarray) -> np.ndarray:
    """uint8 HWC -> float32 CHW in [-1, 1] (ToTensor + Normalize([0.5], [0.5]))."""
    return np.ascontiguousarray(array.transpose(2, 0, 1), dtype=np.float32) / 127.5 - 1.0


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name != "__MACOSX"


def _enter_single_folders(folder: Path) -> tuple[Path, int]:
    """Descend while the folder holds no files and exactly one sub-folder (at most 4 levels)."""
    repeats = 1
    for _ in range(4):
        entries = [p for p in folder.iterdir() if _visible(p)]
        if any(p.is_file() for p in entries):
            break
        folders = [p for p in entries if p.is_dir()]
        if len(folders) != 1:
            break
        folder = folders[0]
        match = _KOHYA_FOLDER.match(folder.name)
        if match:
            repeats = max(1, int(match.group(1)))
    return folder, repeats


def _read_caption(path: Path) -> str:
    text = path.read_text(encoding="utf-8-sig")
    return " ".join(text.split())


def check_dataset(folder: str | Path, resolution: int, trigger: str = "") -> Dataset:
    """Read and check the dataset in ``folder``; raise ``DatasetError`` listing every problem.

    Problems: a missing or empty folder, an image without a caption, a caption without an
    image, a file that Pillow cannot decode as an image, an image whose shorter side is under
    ``resolution``, a caption that is not UTF-8 text, two images sharing one caption, and
    sub-folders next to the images (they would not be read).
    """
    if not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < 8:
        raise ValueError(f"resolution must be an integer of at least 8, got {resolution!r}")
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DatasetError(folder, [f"The dataset folder {folder} {what}."])
    root, repeats = _enter_single_folders(folder)
    entries = sorted((p for p in root.iterdir() if _visible(p)), key=lambda p: p.name)
    hidden = sorted(p.name for p in root.iterdir() if not _visible(p))
    notes = [f"Ignored hidden files: {', '.join(hidden)}"] if hidden else []

    problems: list[str] = []
    subfolders = [p.name for p in entries if p.is_dir()]
    files = [p for p in entries if p.is_file()]
    captions = {p.stem: p for p in files if p.suffix.lower() == CAPTION_SUFFIX}
    candidates = [p for p in files if p.suffix.lower() != CAPTION_SUFFIX]

    if not files:
        if subfolders:
            problems.append(
                f"The folder {root} holds no images, only the folders {', '.join(subfolders)}: "
                "put the images and their captions in one folder."
            )
        else:
            problems.append(
                f"The folder {root} is empty: it needs images, each with a caption file "
                f"of the same name ending {CAPTION_SUFFIX}."
            )
        raise DatasetError(folder, problems)
    if subfolders:
        problems.append(
            f"The folders {', '.join(subfolders)} inside {root} are not read: "
            "put every image and caption in the one folder."
        )

    items: list[Item] = []
    used_captions: dict[str, str] = {}
    for path in candidates:
        try:
            with Image.open(path) as opened:
                opened.load()  # a full decode: a truncated file fails here, not mid-training
                upright = ImageOps.exif_transpose(opened)
                size = upright.size
        except _DECODE_ERRORS as exc:
            problems.append(f"{path.name} is not an image Pillow can read ({type(exc).__name__}).")
            continue
        own: list[str] = []
        caption_path = captions.get(path.stem)
        if caption_path is None:
            own.append(f"{path.name} has no caption: add {path.stem}{CAPTION_SUFFIX}.")
        elif path.stem in used_captions:
            own.append(
                f"{used_captions[path.stem]} and {path.name} share the caption "
                f"{caption_path.name}: give each image its own name."
            )
        else:
            used_captions[path.stem] = path.name
        if min(size) < resolution:
            own.append(
                f"{path.name} is {size[0]}x{size[1]}: its shorter side must be at least "
                f"{resolution} pixels (the training resolution)."
            )
        caption = ""
        if caption_path is not None and not own:
            try:
                caption = _read_caption(caption_path)
            except (UnicodeDecodeError, OSError) as exc:
                own.append(f"{caption_path.name} is not UTF-8 text ({type(exc).__name__}).")
        problems += own
        if not own:
            items.append(Item(image=path, caption=caption, size=size))

    image_stems = {p.stem for p in candidates}
    for stem, caption_path in sorted(captions.items()):
        if stem not in image_stems:
            problems.append(f"{caption_path.name} has no image named {stem} next to it.")
    if not problems and not items:  # only captions, all reported above; kept for clarity
        problems.append(f"The folder {root} holds no images.")
    if problems:
        raise DatasetError(folder, problems)
    return Dataset(root=root, items=items, resolution=resolution, trigger=trigger or "", repeats=repeats, notes=notes)
