"""Every audit row is written by ``api.kit.audit.record``: one place decides the actor, the
organization and how an API key's rows are told apart. A scan of the application's source
finds any other construction of an ``AuditEvent``."""

from __future__ import annotations

import re
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"
CONSTRUCTED = re.compile(r"(?<!class )\bAuditEvent\(|insert\(AuditEvent\b")


def test_audit_rows_are_only_built_by_audit_record():
    builders = {
        str(path.relative_to(API.parent))
        for path in API.rglob("*.py")
        if CONSTRUCTED.search(path.read_text())
    }
    assert builders == {"api/kit/audit.py"}
