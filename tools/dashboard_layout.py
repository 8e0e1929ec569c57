"""Draw the template's CloudWatch dashboard as a text grid, the picture in docs/operations.md.

`python -m tools.dashboard_layout` prints it; a test keeps the documentation's copy equal to it.
Each widget is a box at its place on CloudWatch's 24-column grid (3 characters per column,
2 lines per 3 grid rows), holding its title.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
COLUMN_CHARS = 3


def widgets(template: Path = TEMPLATE) -> list[dict[str, Any]]:
    """The dashboard's widgets, as its body declares them (substitutions left as written)."""
    document, errors = decode_str(template.read_text(encoding="utf-8"))
    if errors or document is None:
        raise ValueError(f"{template} does not parse: {errors}")
    body = document["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    parsed: dict[str, Any] = json.loads(str(body))
    return list(parsed["widgets"])


def _line(grid_row: int) -> int:
    return grid_row * 2 // 3


def draw(boxes: list[dict[str, Any]]) -> str:
    """The widgets as boxes of `+ - |` with their titles, on a shared-border grid."""
    width = 24 * COLUMN_CHARS + 1
    height = max(_line(w["y"] + w["height"]) for w in boxes) + 1
    canvas = [[" "] * width for _ in range(height)]
    for box in boxes:
        left, right = box["x"] * COLUMN_CHARS, (box["x"] + box["width"]) * COLUMN_CHARS
        top, bottom = _line(box["y"]), _line(box["y"] + box["height"])
        for column in range(left, right + 1):
            for row in (top, bottom):
                canvas[row][column] = "+" if column in (left, right) else "-"
        for row in range(top + 1, bottom):
            canvas[row][left] = canvas[row][right] = "|"
        title = textwrap.wrap(box["properties"]["title"], right - left - 3)
        for offset, text in enumerate(title[: bottom - top - 1]):
            for at, char in enumerate(text):
                canvas[top + 1 + offset][left + 2 + at] = char
    return "\n".join("".join(row).rstrip() for row in canvas)


def main() -> None:
    print(draw(widgets()))


if __name__ == "__main__":
    main()
