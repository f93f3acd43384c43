"""A record of every sweep run: what ran, as of when, how long, how many rows, what failed."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class JobRun(Table, tablename="job_run"):
    name = Varchar(length=48, index=True)
    as_of = Timestamptz()
    started_at = Timestamptz(index=True)
    finished_at = Timestamptz(null=True, default=None)
    rows = Integer(default=0)
    error = Text(default="")
    host = Varchar(length=100, default="")
