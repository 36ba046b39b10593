"""Fuzz the platform API from its served OpenAPI schema with schemathesis, and print what went wrong.

    TOKEN=$(.venv/bin/python manage.py platform_token_issue x --name fuzz | tail -1)
    .venv/bin/python bench/api_fuzz.py http://127.0.0.1:8000 "$TOKEN" --examples 200

Each operation gets ``--examples`` generated requests with a valid token and a fresh Idempotency-Key.
A server error (5xx) or an answer the schema does not describe (status, content type, body) is a
failure; the counts come last. tests/api/test_schema.py runs the same function on a few hundred.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class FuzzCounts:
    requests: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # the first few failures, for the report

    def record(self, label: str, message: str) -> None:
        if len(self.examples) < 10:
            self.examples.append(f"{label}: {message[:500]}")


def fuzz(*, base_url: str, token: str, examples: int, seed: int | None = None) -> FuzzCounts:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/schema/")
    counts = FuzzCounts()
    for result in schema.get_all_operations():
        _fuzz_operation(
            operation=result.ok(), base_url=base_url, token=token, examples=examples, seed=seed, counts=counts
        )
    return counts


def _fuzz_operation(
    *, operation: Any, base_url: str, token: str, examples: int, seed: int | None, counts: FuzzCounts
) -> None:
    label = operation.label

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is not None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        response = case.call(base_url=base_url, headers=headers)
        counts.requests += 1
        counts.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except Exception as failure:  # schemathesis raises its Failure or a FailureGroup of them
            counts.server_errors += 1
            counts.record(label, str(failure))
            return
        try:
            case.validate_response(response, checks=SCHEMA_CHECKS)
        except Exception as failure:
            counts.schema_violations += 1
            counts.record(label, str(failure))

    run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("token", help="a platform token (platform_token_issue)")
    parser.add_argument("--examples", type=int, default=200, help="generated requests per operation")
    args = parser.parse_args()
    counts = fuzz(base_url=args.base_url.rstrip("/"), token=args.token, examples=args.examples)
    for example in counts.examples:
        print(example, end="\n\n")
    print("statuses:", dict(sorted(counts.statuses.items())))
    print(f"requests: {counts.requests}  5xx: {counts.server_errors}  schema violations: {counts.schema_violations}")
    return 1 if counts.server_errors or counts.schema_violations else 0


if __name__ == "__main__":
    sys.exit(main())
