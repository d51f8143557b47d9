"""SAML 2.0 for both systems: keys and certificates, pysaml2 wrappers, metadata, message capture."""

import warnings

# pysaml2 names cryptography's CFB mode at import, which cryptography deprecates with a warning on
# stderr; the sandbox never uses CFB, so the warning would only alarm a user of `sso-sandbox serve`.
warnings.filterwarnings("ignore", message="CFB has been moved", module="saml2.cryptography.symmetric")
