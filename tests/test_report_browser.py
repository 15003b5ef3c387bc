"""The demo study's HTML report in headless Chromium at 900 and 1400 px: no page-wide horizontal scroll, the
profile table scrolls inside its box with the heading row and the first column fixed, its last segment
column can be brought into view, and a click on a heading sorts the rows.

A small script injected into a copy of the report measures the layout after load and writes the numbers
into the page; ``--dump-dom`` returns them. Skipped when Debian's chromium is not installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_fixtures import demo_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

_MEASURE = """
<script>
window.addEventListener("load", function () {
  var out = {};
  var table = document.getElementById("t-profile");
  var box = table.parentElement;
  var b0 = box.getBoundingClientRect();
  out.page_overflow = document.documentElement.scrollWidth - window.innerWidth;
  out.box_scrolls = box.scrollWidth > box.clientWidth;
  var firstRow = table.tBodies[0].querySelector("tr:not(.section)");
  var lastCell = firstRow.cells[firstRow.cells.length - 1];
  box.scrollLeft = box.scrollWidth;
  box.scrollTop = 400;
  var b = box.getBoundingClientRect();
  var row = table.tBodies[table.tBodies.length - 1].querySelector("tr:not(.section)");
  out.first_col_left = row.cells[0].getBoundingClientRect().left - b.left;
  out.first_col_width = row.cells[0].getBoundingClientRect().width;
  out.last_col_right = lastCell.getBoundingClientRect().right - (b.left + box.clientWidth);
  out.last_col_left = lastCell.getBoundingClientRect().left - b.left;
  var heads = table.tHead.rows;
  out.head_top = heads[0].cells[1].getBoundingClientRect().top - b.top;
  out.head2_top = heads[1].cells[1].getBoundingClientRect().top - heads[0].cells[1].getBoundingClientRect().bottom;
  out.box_width = box.clientWidth;
  out.window = window.innerWidth;
  // sort the quality table by its count column (descending after two clicks)
  var q = document.getElementById("t-quality-flags");
  var th = q.tHead.rows[q.tHead.rows.length - 1].cells[1];
  th.click(); th.click();
  out.sorted = Array.prototype.map.call(q.tBodies[0].rows, function (r) {
    var v = r.cells[1].getAttribute("data-v"); return v === "" ? null : parseFloat(v); });
  var pre = document.createElement("pre");
  pre.id = "layout";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    run = demo_run(tmp_path_factory.mktemp("demo"))
    return Path(run.output) / "report.html"


def _measure(report: Path, tmp: Path, width: int) -> dict:
    page = tmp / f"measure_{width}.html"
    page.write_text(report.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--window-size={width},1000", "--virtual-time-budget=5000", "--dump-dom",
                           page.resolve().as_uri()], capture_output=True, timeout=180)
    dom = proc.stdout.decode("utf-8", errors="replace")
    m = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.S)
    assert m, proc.stderr.decode(errors="replace")[-2000:]
    return json.loads(m.group(1).replace("&quot;", '"'))


@pytest.mark.parametrize("width", [900, 1400])
def test_layout_at_width(report, tmp_path, width):
    m = _measure(report, tmp_path, width)
    assert m["window"] == width
    assert m["page_overflow"] <= 0, m  # the page itself never scrolls sideways
    assert m["box_width"] <= width
    if m["box_scrolls"]:
        # scrolled to the end: the first column stays at the box's left edge, the last column is in view
        assert abs(m["first_col_left"]) <= 2, m
        assert m["last_col_right"] <= 2, m
        assert m["last_col_left"] >= m["first_col_width"] - 1, m  # not hidden under the fixed column
    else:
        assert m["last_col_right"] <= 2, m
    assert abs(m["head_top"]) <= 1, m  # scrolled down: the heading row stays at the top of the box
    assert abs(m["head2_top"]) <= 1, m  # and the second heading row right under it
    vals = [v for v in m["sorted"] if v is not None]
    assert vals == sorted(vals, reverse=True) and len(vals) >= 5


@pytest.mark.parametrize("width", [900, 1400])
def test_screenshot(report, tmp_path, width):
    from PIL import Image

    shot = tmp_path / f"report_{width}.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},1600", f"--screenshot={shot}", report.resolve().as_uri()],
                   capture_output=True, timeout=180)
    img = Image.open(shot)
    assert img.size == (width, 1600)
    # something is drawn across the page, not a blank or error page
    assert len(img.convert("L").getcolors(1 << 16) or []) > 20
