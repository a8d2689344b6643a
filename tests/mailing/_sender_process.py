"""Run one sender pass in its own process (the crash test kills it with SIGKILL)."""

from __future__ import annotations

import sys

from custbot.config import SmtpSettings
from mailing.sender import send_pending
from storage.db import make_engine

if __name__ == "__main__":
    url, port, worker, lease = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    settings = SmtpSettings(
        host="127.0.0.1", port=port, rate_per_minute=0, from_address="news@shop.example"
    )
    stats = send_pending(make_engine(url), settings, worker_id=worker, batch=7, lease_seconds=lease)
    print(f"sent={stats.sent} retried={stats.retried} failed={stats.failed}")
