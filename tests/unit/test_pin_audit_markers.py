"""tools/pin_audit.lock_pins on a universal lock: the pins it counts are the ones pip-audit
audits on this Python, so a pin for another platform or Python is not reported as unaudited."""

from __future__ import annotations

import sys
from pathlib import Path

from tools.pin_audit import lock_pins

LOCK = """\
colorama==0.4.6 ; sys_platform == 'win32' \\
    --hash=sha256:aa
orjson==3.13.0 \\
    --hash=sha256:bb
pyyaml-ft==8.0.0 ; python_full_version == '{python}.*' \\
    --hash=sha256:cc
plain==1.0
"""


def test_pins_whose_marker_holds_here_are_counted_and_the_others_not(tmp_path: Path) -> None:
    lock = tmp_path / "dev.lock"
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    lock.write_text(LOCK.format(python=here))
    assert lock_pins(lock) == {"orjson": "3.13.0", "pyyaml-ft": "8.0.0", "plain": "1.0"}


def test_a_pin_for_another_python_is_not_counted(tmp_path: Path) -> None:
    lock = tmp_path / "dev.lock"
    lock.write_text(LOCK.format(python="2.7"))
    assert lock_pins(lock) == {"orjson": "3.13.0", "plain": "1.0"}
