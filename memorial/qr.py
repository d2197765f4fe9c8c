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
