"""QR codes of a memorial's address, for funeral programs and headstones."""

import io

import segno

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def qr_code(url: str, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"QR codes come as {', '.join(FORMATS)}, not {fmt!r}.")
    code = segno.make(url, error="q", micro=False)
    buffer = io.BytesIO()
    if fmt == "png":
        code.save(buffer, kind="png", scale=12, border=4)
    else:
        code.save(buffer, kind="svg", scale=8, border=4, xmldecl=True, svgns=True, title="QR code")
    return buffer.getvalue()


def qr_image(url: str, *, box: int):
    """The QR code as a black-on-white Pillow image at most ``box`` pixels square, with its quiet
    zone, every module the same whole number of pixels (for print)."""
    from PIL import Image

    code = segno.make(url, error="q", micro=False)
    rows = [[0 if dark else 255 for dark in row] for row in code.matrix_iter(scale=1, border=4)]
    modules = len(rows)
    image = Image.new("L", (modules, modules))
    image.putdata([value for row in rows for value in row])
    scale = max(1, box // modules)
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
