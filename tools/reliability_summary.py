"""Print the reliability total from the results file pytest wrote (the last line of
`make test-reliability`); exit 1 if anything was lost or the duplicates exceed the bound.

    python -m tools.reliability_summary RESULTS_JSONL
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.support.reliability.harness import TABLE_HEADER, Result, summary_line


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    results = [Result(**json.loads(line)) for line in lines if line.strip()]
    print(TABLE_HEADER)
    for result in results:
        print(result.line())
    print(summary_line(results))
    ok = bool(results) and all(r.lost == 0 and r.duplicates <= r.bound for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
