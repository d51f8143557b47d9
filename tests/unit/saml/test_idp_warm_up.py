"""With the xmlsec1 backend JumpCloud's IdP loads pysaml2 in the background a little after it serves;
with the default backend a whole sign-in (request read, Response signed and verified) loads no pysaml2."""

from __future__ import annotations

import json
import os
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
        deadline = time.monotonic() + float(sys.argv[3])
        while "saml2.server" not in sys.modules and time.monotonic() < deadline:
            time.sleep(0.05)
        print(json.dumps({"before the delay": early, "after": "saml2.server" in sys.modules}))
    """
)

SIGN_IN_IN_PROCESS = textwrap.dedent(
    """
    import json, sys
    from sandbox.saml.idp import NAMEID_FORMATS, IdentityProviders, IdpSettings, ResponseOptions
    from sandbox.saml.idp import ServiceProviderSettings as ServedSp
    from sandbox.saml.backend import crypto_settings
    from sandbox.saml.keys import generate_key_pair
    from sandbox.saml.sp import ServiceProvider, ServiceProviderSettings

    idp_keys, sp_keys = generate_key_pair("idp"), generate_key_pair("sp")
    entity, acs = "http://acme.blogin.localhost:1/", "http://acme.blogin.localhost:1/sso/saml/callback"
    providers = IdentityProviders()
    idp_settings = IdpSettings("JumpCloud", "http://console.jumpcloud.localhost:1/saml2/blogin",
                               idp_keys.certificate_pem, idp_keys.private_key_pem)
    idp = providers.get(idp_settings, ServedSp(entity, (acs,), sp_keys.certificate_pem))
    settings = ServiceProviderSettings(entity_id=entity, acs_url=acs, key_pem=sp_keys.private_key_pem,
                                       certificate_pem=sp_keys.certificate_pem, crypto=crypto_settings(),
                                       idp_metadata_xml=providers.metadata_xml(idp_settings))
    with ServiceProvider(settings) as sp:
        request = sp.authn_request(relay_state="/")
        read = idp.read_authn_request(request.form["SAMLRequest"], request.binding, request.relay_state)
        issued = idp.issue_response(name_id="ada@example.com", name_id_format=NAMEID_FORMATS["emailAddress"],
                                    attributes=[("email", ["ada@example.com"])], options=ResponseOptions(),
                                    request=read)
        verified = sp.verify_response(issued.encoded, known_request_ids={request.message_id})
    thread = providers.warm_up_later(0)
    print(json.dumps({"signed in": verified.name_id, "warm-up": thread is not None,
                      "saml2": "saml2" in sys.modules, "xmlschema": "xmlschema" in sys.modules}))
    """
)


def _run(script: str, *args: str, backend: str) -> dict[str, object]:
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


def test_with_xmlsec1_jumpcloud_loads_pysaml2_after_the_warm_up_delay(tmp_path: Path) -> None:
    loaded = _run(SERVE_AND_WAIT, str(tmp_path / "data"), "2", "90", backend="xmlsec1")
    assert loaded == {"before the delay": False, "after": True}


def test_with_the_default_backend_jumpcloud_never_loads_pysaml2(tmp_path: Path) -> None:
    loaded = _run(SERVE_AND_WAIT, str(tmp_path / "data"), "0", "1.5", backend="python-xmlsec")
    assert loaded == {"before the delay": False, "after": False}


def test_a_whole_sign_in_with_the_default_backend_loads_no_pysaml2() -> None:
    loaded = _run(SIGN_IN_IN_PROCESS, backend="python-xmlsec")
    assert loaded == {"signed in": "ada@example.com", "warm-up": False, "saml2": False, "xmlschema": False}
