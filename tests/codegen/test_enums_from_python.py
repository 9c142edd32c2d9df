"""String enums take their plain values from Python as the wire does (``Customer(status="pending")``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .helpers import cli, mypy_strict, run_python, write_spec

SPEC = """
asyncapi: 3.0.0
info: {title: Shop, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      register: {$ref: '#/components/messages/Register'}
operations:
  receiveRegister:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/register'}]
components:
  schemas:
    Status: {type: string, enum: [pending, active]}
    Customer:
      type: object
      required: [status]
      properties:
        status: {$ref: '#/components/schemas/Status'}
        history: {type: array, items: {$ref: '#/components/schemas/Status'}}
  messages:
    Register: {name: customer.register, payload: {$ref: '#/components/schemas/Customer'}}
"""


def test_plain_enum_values_work_from_python_and_members_type_check(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC)
    outcome = cli("generate", spec, "--python-out", tmp_path / "shop")
    assert outcome.exit_code == 0, outcome.output
    code = textwrap.dedent(
        """
        from pydantic import ValidationError
        from shop import models

        plain = models.Customer(status="pending", history=["active"])  # type: ignore[arg-type,list-item]
        member = models.Customer(status=models.Status.PENDING, history=[models.Status.ACTIVE])
        wire = models.Customer.model_validate_json('{"status": "pending", "history": ["active"]}')
        types = [type(item) for item in plain.history or []]
        print(plain == member == wire, plain.status is models.Status.PENDING, types == [models.Status])
        try:
            models.Customer(status="closed")  # type: ignore[arg-type]
        except ValidationError as error:
            print(error.errors()[0]["loc"])
        """
    )
    usage = tmp_path / "usage_enums.py"
    usage.write_text(code, encoding="utf-8")
    result = run_python(code, cwd=tmp_path)
    assert result.stdout.splitlines() == ["True True True", "('status',)"], result.stderr
    # mypy --strict accepts the members; plain values need the ignore above (warn_unused_ignores
    # would flag it if mypy accepted them).
    checked = mypy_strict(tmp_path / "shop", usage)
    assert checked.returncode == 0, checked.stdout + checked.stderr
