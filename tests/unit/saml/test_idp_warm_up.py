"""JumpCloud's IdP loads pysaml2 in the background a little after it serves, so the first sign-in doesn't wait."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SERVE_AND_WAIT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import sandbox.saml.idp
    from sandbox.app import Sandbox
    from sandbox.settings import Settings

    sandbox.saml.idp.WARM_UP_DELAY_S = float(sys.argv[2])
    with Sandbox(Settings(data_dir=Path(sys.argv[1]), jumpcloud_port=0, blogin_port=0)):
        early = "saml2.server" in sys.modules
        deadline = time.monotonic() + 90
        while "saml2.server" not in sys.modules and time.monotonic() < deadline:
            time.sleep(0.05)
        print(json.dumps({"before the delay": early, "after": "saml2.server" in sys.modules}))
    """
)


def test_jumpcloud_loads_pysaml2_after_the_warm_up_delay(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SERVE_AND_WAIT, str(tmp_path / "data"), "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"before the delay": False, "after": True}
