"""The DateTime scalar: Strawberry's, with the specification its values follow named
(`@specifiedBy`), so code generators and clients know the string is RFC 3339.

Every DateTime the API sends is an aware datetime in UTC written by `isoformat()`
(`2026-12-08T01:02:03.456789+00:00`): RFC 3339's date-time. Serialising stays Strawberry's
own function, which the compiled plans recognise (schema/plan_code.py).
"""

from __future__ import annotations

from dataclasses import replace

from strawberry.schema.types.base_scalars import DateTimeDefinition

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"

DATE_TIME_SCALAR = replace(
    DateTimeDefinition,
    description="A date and time with its UTC offset, as RFC 3339 writes it "
    "(2026-12-08T01:02:03.456789+00:00); always in UTC.",
    specified_by_url=RFC_3339,
)
