"""db.fetch numbers a plain query's placeholders once per template: exactly as Piccolo's
QueryString would, on both engines, whatever the template."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from piccolo.querystring import QueryString

from eldercare.db import _LONGEST_KEPT, _PlainQuery

TEMPLATES = [
    "SELECT 1",
    "SELECT * FROM booking WHERE id = {}",
    'SELECT "user" FROM elder_link WHERE elder = {} AND "user" = {}',
    "INSERT INTO t (a, b, c) VALUES ({}, {}, {}) RETURNING id",
    "SELECT '{{literal}}' AS x, {} AS y",  # escaped braces stay braces
    "{}",
    "{} {}",
    "UPDATE t SET a = {} WHERE id IN (1, 2, 3) AND b = {}",
]


@pytest.mark.parametrize("engine_type", ["sqlite", "postgres"])
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("extra", [0, 1])  # one argument more than the template takes
def test_the_same_sql_and_arguments_as_piccolo(template, engine_type, extra) -> None:
    args = [7, "x", datetime(2026, 11, 29, tzinfo=UTC), None, True][: template.count("{}") + extra]
    ours = _PlainQuery(template, *args).compile_string(engine_type)
    assert ours == QueryString(template, *args).compile_string(engine_type)
    # Asked again (now from the cache), the same.
    assert _PlainQuery(template, *args).compile_string(engine_type) == ours


def test_a_long_template_is_numbered_without_being_kept() -> None:
    template = "SELECT id FROM t WHERE id IN (" + ", ".join(map(str, range(1000))) + ") AND a = {}"
    assert len(template) > _LONGEST_KEPT
    for engine_type in ("sqlite", "postgres"):
        assert _PlainQuery(template, 5).compile_string(engine_type) == QueryString(
            template, 5
        ).compile_string(engine_type)


@given(
    pieces=st.lists(
        st.text(alphabet=st.sampled_from("ab ,()'=\"{}"), max_size=6), min_size=1, max_size=6
    ),
    engine_type=st.sampled_from(["sqlite", "postgres"]),
)
def test_any_template_piccolo_accepts(pieces, engine_type) -> None:
    template = "{}".join(pieces)
    try:
        expected = QueryString(template, *range(len(pieces) - 1)).compile_string(engine_type)
    except (ValueError, IndexError):
        with pytest.raises((ValueError, IndexError)):
            _PlainQuery(template, *range(len(pieces) - 1)).compile_string(engine_type)
        return
    assert _PlainQuery(template, *range(len(pieces) - 1)).compile_string(engine_type) == expected
