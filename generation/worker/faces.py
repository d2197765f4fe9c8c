"""Faces in a picture, found and described with dlib's own models (worker side only).

The models ship inside the ``face-recognition-models`` package (public domain; no download at
run time): the HOG frontal-face detector is dlib's built-in, the 68-point landmark predictor
aligns a face, and the ResNet face-recognition model turns it into 128 numbers. Two descriptors
of the same person lie less than ``SAME_PERSON`` (0.6) apart (dlib: 99.38% on LFW).

The package's ``__init__`` imports ``pkg_resources`` (gone from new setuptools), so its folder is
found without importing it. Everything is loaded once per process, on first use.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

SAME_PERSON = 0.6  # descriptor distance below which two faces are the same person
MIN_FACE_PX = 40  # a face box narrower than this is too small to compare reliably


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def center(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def as_list(self) -> list[int]:
        return [self.left, self.top, self.right, self.bottom]


def models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed (pip install face-recognition-models).")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


@lru_cache(maxsize=1)
def _detector():
    import dlib

    return dlib.get_frontal_face_detector()


@lru_cache(maxsize=1)
def _landmarks():
    import dlib

    return dlib.shape_predictor(str(models_dir() / "shape_predictor_68_face_landmarks.dat"))


@lru_cache(maxsize=1)
def _encoder():
    import dlib

    return dlib.face_recognition_model_v1(str(models_dir() / "dlib_face_recognition_resnet_model_v1.dat"))


def as_rgb_array(image) -> np.ndarray:
    """A contiguous uint8 RGB array, as dlib wants, from a PIL image or an array."""
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(image[..., :3], dtype=np.uint8)


def find_faces(image, *, upsample: int = 1) -> list[Box]:
    """The frontal faces in ``image``, largest first. ``upsample`` finds smaller faces, slower."""
    rgb = as_rgb_array(image)
    height, width = rgb.shape[:2]
    boxes = []
    for rect in _detector()(rgb, upsample):
        box = Box(max(0, rect.left()), max(0, rect.top()), min(width, rect.right()), min(height, rect.bottom()))
        if box.width > 0 and box.height > 0:
            boxes.append(box)
    return sorted(boxes, key=lambda b: b.width * b.height, reverse=True)


def landmarks(image, box: Box) -> np.ndarray:
    """The 68 landmark points (x, y) of the face in ``box``."""
    import dlib

    rgb = as_rgb_array(image)
    shape = _landmarks()(rgb, dlib.rectangle(box.left, box.top, box.right, box.bottom))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


def describe(image, box: Box) -> np.ndarray:
    """The 128-number descriptor of the face in ``box``."""
    import dlib

    rgb = as_rgb_array(image)
    shape = _landmarks()(rgb, dlib.rectangle(box.left, box.top, box.right, box.bottom))
    return np.array(_encoder().compute_face_descriptor(rgb, shape), dtype=np.float32)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))
