"""Starting the sandbox does not import pysaml2 (seconds of schema compilation); the first sign-in does."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from sandbox.saml import backend, metadata

START_BOTH_SYSTEMS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from sandbox.app import Sandbox
    from sandbox.settings import Settings

    import sandbox.blogin.sso.signin, sandbox.blogin.web.sso
    import sandbox.jumpcloud.services.sso, sandbox.jumpcloud.web.idp, sandbox.jumpcloud.web.application_panel
    import sandbox.saml.backend, sandbox.saml.idp, sandbox.saml.sp

    with Sandbox(Settings(data_dir=Path(sys.argv[1]), jumpcloud_port=0, blogin_port=0)):
        pass
    print(json.dumps({name: name in sys.modules for name in ("saml2", "xmlschema", "xmlsec")}))
    """
)


def test_starting_both_systems_loads_no_saml_library(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", START_BOTH_SYSTEMS, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"saml2": False, "xmlschema": False, "xmlsec": False}


def test_spelled_out_uris_are_pysaml2s() -> None:
    assert (backend.SIG_RSA_SHA256, backend.DIGEST_SHA256) == (SIG_RSA_SHA256, DIGEST_SHA256)
    assert (metadata.BINDING_POST, metadata.BINDING_REDIRECT) == (BINDING_HTTP_POST, BINDING_HTTP_REDIRECT)
