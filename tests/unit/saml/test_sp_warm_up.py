"""With the xmlsec1 backend BlogIn loads pysaml2 in the background a little after start; never with the default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

WARM_UP = textwrap.dedent(
    """
    import json, sys
    from sandbox.saml.sp_cache import ServiceProviderCache

    thread = ServiceProviderCache(backend=sys.argv[1]).warm_up_later(0)
    if thread is not None:
        thread.join(120)
    print(json.dumps({"thread": thread is not None, "saml2": "saml2.client" in sys.modules}))
    """
)

START_AND_STOP = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from sandbox.app import Sandbox
    from sandbox.settings import Settings

    with Sandbox(Settings(data_dir=Path(sys.argv[1]), jumpcloud_port=0, blogin_port=0)):
        pass
    print(json.dumps({"saml2": "saml2" in sys.modules}))
    """
)


def _run(script: str, *args: str, backend: str) -> dict[str, bool]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "SANDBOX_SAML_BACKEND": backend},
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_xmlsec1_backend_loads_pysaml2_in_the_background() -> None:
    assert _run(WARM_UP, "xmlsec1", backend="xmlsec1") == {"thread": True, "saml2": True}


def test_the_default_backend_has_nothing_to_warm_up() -> None:
    assert _run(WARM_UP, "python-xmlsec", backend="python-xmlsec") == {"thread": False, "saml2": False}


def test_the_warm_up_waits_until_after_start_up(tmp_path: Path) -> None:
    assert _run(START_AND_STOP, str(tmp_path / "data"), backend="xmlsec1") == {"saml2": False}
