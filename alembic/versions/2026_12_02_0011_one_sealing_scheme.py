"""Outbound webhook secrets re-sealed with the one sealing scheme (SecretBox, AES-256-GCM)

Revision ID: 0011_one_sealing_scheme
Revises: 0010_presence
Create Date: 2026-12-02 21:00:00

Outbound webhook signing secrets were sealed with Fernet under an HKDF key of their own; CRM
secrets with AES-256-GCM (``api.security.SecretBox``). Now both use SecretBox, and a webhook
secret is bound to its endpoint's row. This data migration opens every stored webhook
secret with the old scheme and seals it with the new one; the downgrade does the reverse.
No table changes.

Both schemes need SECRET_KEY, taken from the alembic config (``secret_key`` attribute, which
the tests set) or else from the application's settings (the environment, or the development
key file). Without rows to re-seal no key is needed. A value that does not open under this
key (sealed under an older SECRET_KEY: it could not sign anything already) is left as it
is, and the worker keeps reporting it as undecryptable. The schemes are written out here
rather than imported, so the migration keeps meaning what it meant when the code moves on.
"""

import base64
import secrets
import uuid
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

revision: str = "0011_one_sealing_scheme"
down_revision: str | None = "0010_presence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FERNET_INFO = b"sales-mastermind outbound webhook secrets v1"
_BOX_INFO = b"sales-mastermind/secret-box/v1"


def _derive(secret_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret_key.encode()
    )


def _context(endpoint_id: uuid.UUID) -> bytes:
    return f"webhook_endpoint:{endpoint_id}:secret".encode()


def _secret_key() -> str:
    configured = op.get_context().config.attributes.get("secret_key")
    if configured:
        return configured
    from api.config import Settings

    key = Settings().secret_key
    if not key:
        raise RuntimeError("SECRET_KEY is needed to re-seal the webhook secrets")
    return key


# Typed columns: ids come back as UUIDs on both backends (SQLite stores them as hex text).
_endpoints = sa.table(
    "webhook_endpoint", sa.column("id", sa.Uuid()), sa.column("secret_ciphertext", sa.Text())
)


def _reseal(convert: Callable[[str, str, uuid.UUID], str | None]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_endpoints.c.id, _endpoints.c.secret_ciphertext)).all()
    if not rows:
        return
    secret_key = _secret_key()
    for endpoint_id, stored in rows:
        resealed = convert(secret_key, stored, endpoint_id)
        if resealed is not None:
            bind.execute(
                sa.update(_endpoints)
                .where(_endpoints.c.id == endpoint_id)
                .values(secret_ciphertext=resealed)
            )


def _fernet_to_box(secret_key: str, stored: str, endpoint_id: uuid.UUID) -> str | None:
    if stored.startswith("v1."):
        return None  # already in the new scheme
    fernet = Fernet(base64.urlsafe_b64encode(_derive(secret_key, _FERNET_INFO)))
    try:
        secret = fernet.decrypt(stored.encode())
    except InvalidToken:
        return None
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_derive(secret_key, _BOX_INFO)).encrypt(nonce, secret, _context(endpoint_id))
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()


def _box_to_fernet(secret_key: str, stored: str, endpoint_id: uuid.UUID) -> str | None:
    if not stored.startswith("v1."):
        return None
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix("v1.").encode())
        secret = AESGCM(_derive(secret_key, _BOX_INFO)).decrypt(
            raw[:12], raw[12:], _context(endpoint_id)
        )
    except (InvalidTag, ValueError):
        return None
    fernet = Fernet(base64.urlsafe_b64encode(_derive(secret_key, _FERNET_INFO)))
    return fernet.encrypt(secret).decode()


def upgrade() -> None:
    _reseal(_fernet_to_box)


def downgrade() -> None:
    _reseal(_box_to_fernet)
