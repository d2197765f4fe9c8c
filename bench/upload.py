"""How much time and memory one 48-megapixel phone photo costs the upload path.

    .venv/bin/python bench/upload.py [--runs N] [--keep PATH]

Makes an 8000x6000 JPEG (gradient plus grain, EXIF orientation 6, a date taken),
then measures, each run in a FRESH child process so peaks never mix:

  (a) memorial.imaging.process_upload on it (the file on disk, as Django hands
      over a large upload: a TemporaryUploadedFile);
  (b) the baseline: plain Pillow, Image.open(path).save(BytesIO(), "JPEG").

Memory is the child's peak RSS during the work minus its RSS just before it,
after every import is done (the peak counter is reset through
/proc/self/clear_refs where the kernel allows, so import-time peaks do not count).
The target: (a)'s peak is at most 1.5x (b)'s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_RATIO = 1.5
WIDTH, HEIGHT = 8000, 6000


# --- the photo -------------------------------------------------------------------


def make_photo(path: str) -> None:
    from PIL import Image

    # A smooth two-axis colour gradient (sky to ground) with sensor-like grain,
    # so the JPEG has the size and entropy of a real 48 MP phone photo.
    small = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((WIDTH // 8, HEIGHT // 8)),
            Image.linear_gradient("L").rotate(90).resize((WIDTH // 8, HEIGHT // 8)),
            Image.radial_gradient("L").resize((WIDTH // 8, HEIGHT // 8)),
        ),
    )
    base = small.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    del small
    grain = Image.effect_noise((WIDTH, HEIGHT), 24).convert("RGB")
    photo = Image.blend(base, grain, 0.18)
    del base, grain

    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    exif[0x0110] = "BenchPhone 48"
    exif[0x0112] = 6  # held sideways: turn clockwise to view
    exif.get_ifd(0x8769)[0x9003] = "2023:10:14 15:20:00"
    photo.save(path, "JPEG", quality=90, exif=exif.tobytes())


# --- the children ------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux 4.0+)
        return True
    except OSError:
        return False


def child(kind: str, path: str) -> None:
    import gc

    if kind == "process":
        import django
        from django.conf import settings

        settings.configure(
            USE_I18N=True,
            INSTALLED_APPS=[],
            PHOTO_MAX_BYTES=30 * 1024 * 1024,
            PHOTO_MAX_PIXELS=100_000_000,
            PHOTO_SCREEN_SIZE=2048,
            PHOTO_THUMB_SIZE=480,
        )
        django.setup()
        sys.path.insert(0, ROOT)
        from memorial.imaging import process_upload

        def work():
            with open(path, "rb") as f:
                result = process_upload(f)
            return {"screen": result.screen_size, "thumb": result.thumbnail_size, "size": (result.width, result.height)}

    else:
        from PIL import Image, JpegImagePlugin  # noqa: F401 - the plugin import is not part of the work

        def work():
            out = io.BytesIO()
            Image.open(path).save(out, "JPEG")
            return {"out_bytes": len(out.getvalue())}

    gc.collect()
    peak_reset = _reset_peak()
    before = _status_kb("VmRSS")
    if not peak_reset:
        before_hwm = _status_kb("VmHWM")
    start = time.perf_counter()
    info = work()
    wall = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    if not peak_reset and peak == before_hwm:
        peak = before  # the import-time peak was higher and is all we can see
    print(json.dumps({"wall_s": wall, "peak_mb": (peak - before) / 1024, "peak_reset": peak_reset, "info": info}))


def run_child(kind: str, path: str) -> dict:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", kind, path],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the parent ----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="write the test photo here and keep it")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, "phone-48mp.jpg")
        t = time.perf_counter()
        make_photo(path)
        print(
            f"photo: {WIDTH}x{HEIGHT} JPEG ({WIDTH * HEIGHT / 1e6:.0f} MP), "
            f"{os.path.getsize(path) / 2**20:.1f} MB, EXIF orientation 6; made in {time.perf_counter() - t:.1f} s"
        )
        results = {"process": [], "baseline": []}
        for _ in range(args.runs):
            for kind in results:  # interleaved, so drift affects both alike
                results[kind].append(run_child(kind, path))

    labels = {
        "process": "(a) process_upload",
        "baseline": "(b) Pillow open+save",
    }
    summary = {}
    for kind, runs in results.items():
        walls = [r["wall_s"] for r in runs]
        peaks = [r["peak_mb"] for r in runs]
        summary[kind] = (statistics.median(walls), statistics.median(peaks), max(peaks))
        print(
            f"{labels[kind]:<22} wall median {summary[kind][0]:6.2f} s   "
            f"peak median {summary[kind][1]:7.1f} MB (max {summary[kind][2]:.1f})   "
            f"runs={len(runs)}   {runs[0]['info']}"
        )
    if not all(r["peak_reset"] for rs in results.values() for r in rs):
        print("note: /proc/self/clear_refs was not writable; peaks may include import-time peaks")

    ratio = summary["process"][1] / summary["baseline"][1]
    worst = summary["process"][2] / summary["baseline"][1]
    speed = summary["process"][0] / summary["baseline"][0]
    met = worst <= TARGET_RATIO
    print(f"peak ratio (a)/(b): {ratio:.2f} median, {worst:.2f} worst run   (target <= {TARGET_RATIO})")
    print(f"time ratio (a)/(b): {speed:.2f}")
    print(f"target met: {'YES' if met else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
