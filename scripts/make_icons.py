"""Draw the app icons (static/img/icons/*.png) with Pillow, after static/img/icon.svg: a blue tile, a white page.

Run from the repository root: `.venv/bin/python scripts/make_icons.py`. "any" icons fill the square with
rounded corners like the SVG; "maskable" icons fill it edge to edge and keep the page inside the central
safe zone (a circle of 80% of the size), so any mask shape the phone uses leaves the drawing whole.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (13, 110, 253, 255)
WHITE = (255, 255, 255, 255)
SIZES = (192, 512)
OUT = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"
SCALE = 4  # drawn large, then reduced, for smooth edges


def _draw(size: int, maskable: bool) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = big / 32
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BLUE)
        # The 32-unit drawing shrunk to 70% and centred: inside the 80% safe circle.
        shrink, offset = 0.7, big * 0.15
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=7 * unit, fill=BLUE)
        shrink, offset = 1.0, 0.0

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset + x * unit * shrink, offset + y * unit * shrink)

    u = unit * shrink
    # The page: a rounded rectangle from (9, 8) to (23, 24) with two rounded corners, as in the SVG.
    draw.rounded_rectangle((*at(9, 8), *at(23, 24)), radius=4 * u, fill=WHITE, corners=(False, True, False, True))
    for y, end in ((13, 19), (17, 19), (21, 17)):
        draw.line((*at(13, y), *at(end, y)), fill=BLUE, width=max(1, round(2 * u)))
        for x in (13, end):
            cx, cy = at(x, y)
            draw.ellipse((cx - u, cy - u, cx + u, cy + u), fill=BLUE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        _draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        _draw(size, maskable=True).save(OUT / f"maskable-{size}.png", optimize=True)
    _draw(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon-180.png", optimize=True)


if __name__ == "__main__":
    main()
