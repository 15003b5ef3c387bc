"""Regenerate the screenshots of docs/reports.md from the demo study (needs chromium, LibreOffice, pdftoppm).

    surveytools demo /tmp/demo --quiet
    python docs/img/make_images.py /tmp/demo/output

Images are palette PNGs (128 colours) to keep the repository small.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent

# keep only some elements of the page (and scroll a table box sideways/down), before the screenshot
_KEEP = """<script>(function () {
  var keep = Array.prototype.slice.call(document.querySelectorAll(%s));
  document.querySelector("header").remove();
  var main = document.querySelector("main");
  main.innerHTML = "";
  keep.forEach(function (el) { main.appendChild(el); });
  var box = main.querySelector(".wide");
  if (box) { box.scrollLeft = %d; box.scrollTop = %d; }
})();</script>"""


def _shot(html: Path, width: int, height: int, out: Path, keep: str | None = None, left: int = 0,
          top: int = 0) -> Image.Image:
    page = html
    if keep:
        page = Path(tempfile.mkdtemp()) / "page.html"
        page.write_text(html.read_text(encoding="utf-8").replace("</body>", _KEEP % (keep, left, top) + "</body>"),
                        encoding="utf-8")
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--virtual-time-budget=4000", f"--window-size={width},{height}", f"--screenshot={out}",
                    page.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    return Image.open(out)


def _save(img: Image.Image, name: str, width: int) -> None:
    if img.width > width:
        img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
    img.convert("RGB").quantize(128, method=Image.Quantize.MEDIANCUT).save(HERE / name, optimize=True)


def main(output: Path) -> None:
    html = output / "report.html"
    tmp = Path(tempfile.mkdtemp())
    _save(_shot(html, 1400, 900, tmp / "a.png"), "report-summary.png", 900)
    table = "'#t-profile'"
    wide = "'.wide:has(#t-profile)'"
    _save(_shot(html, 1400, 900, tmp / "b.png", wide), "report-profile-1400.png", 1000)
    _save(_shot(html, 900, 700, tmp / "c.png", wide, left=600, top=420), "report-profile-900.png", 700)
    del table
    charts = "'figure[aria-label^=\\'Mapa de calor\\'], figure[aria-label^=\\'Mapa perceptual\\']'"
    _save(_shot(html, 1400, 1150, tmp / "d.png", charts), "report-charts.png", 900)
    # the deck: a contact sheet of a few slides
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", str(output / "report.pptx"), "--outdir",
                    str(tmp)], check=True, capture_output=True, timeout=300)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(tmp / "report.pdf"), str(tmp / "slide")], check=True)
    slides = sorted(tmp.glob("slide-*.png"))
    pick = [0, 1, 6, 7, 8, 9, 20, 21, 22]
    ims = [Image.open(slides[i]) for i in pick if i < len(slides)]
    w, h = ims[0].size
    sheet = Image.new("RGB", (3 * w + 20, 3 * h + 20), "#d0d7de")
    for i, im in enumerate(ims):
        sheet.paste(im, ((i % 3) * (w + 10), (i // 3) * (h + 10)))
    _save(sheet, "deck.png", 1000)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
