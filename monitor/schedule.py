"""`nianbao schedule`: crawl, monitor and alert on cron triggers, in the foreground.

One APScheduler job, ``cycle``, whose trigger is every cron entry of ``settings["schedule"]``
(days by name: APScheduler counts Monday as 0, cron counts Sunday as 0, so numbers are
refused). The job lives in the project's own SQLite file (table ``apscheduler_jobs``) under a
fixed id added with ``replace_existing``, so a restart neither loses nor doubles it; it has
no arguments, so no setting (and no password) is pickled there.
The crawl runs as a child process because Twisted's reactor cannot be restarted; monitor
and alert run here. Every step is logged and written to the ``runs`` table. SIGTERM or
SIGINT stops the crawl child gracefully, lets a running monitor or alert step end, and
returns.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from nianbao import store
from nianbao.config import ConfigError

log = logging.getLogger(__name__)

JOB_ID = "cycle"
CRAWL_STOP_SECONDS = 60
MISFIRE_GRACE_SECONDS = 24 * 3600  # a machine down at the hour still crawls once on restart


class StepFailed(Exception):
    """A step did not succeed; the message is one line for the log and the runs table."""


class Cycle:
    """What one process needs to run a cycle and to stop one cleanly."""

    def __init__(self, settings: dict[str, Any], db_path: str) -> None:
        self.settings, self.db_path = settings, db_path
        self.stopping = threading.Event()
        self.crawl_process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def crawl_command(self) -> list[str]:
        s = self.settings
        return [sys.executable, "-m", "nianbao.cli", "crawl", "--db", self.db_path, "--registry", str(s["registry"]),
                "--files", str(s["files"]), "--years", str(s["years"])]

    def crawl(self) -> str:
        with self.lock:
            if self.stopping.is_set():
                raise StepFailed("not started: stopping")
            # A session of its own: a terminal's Ctrl-C reaches the child once, through us.
            self.crawl_process = subprocess.Popen(self.crawl_command(), stdout=sys.stderr, start_new_session=True)
        try:
            code = self.crawl_process.wait()
        finally:
            with self.lock:
                self.crawl_process = None
        if self.stopping.is_set():
            raise StepFailed(f"stopped by a signal (exit {code})")
        if code != 0:
            raise StepFailed(f"nianbao crawl exited {code}")
        return "exit 0"

    def monitor(self) -> str:
        from monitor.check import check

        flags = check(store.connect(self.db_path), self.settings, as_of=date.today(), year=None)
        return f"{len(flags)} flag(s)"

    def alert(self) -> str:
        from monitor.alerts import send_digest

        return f"{send_digest(store.connect(self.db_path), self.settings)} flag(s) sent"

    def steps(self) -> tuple[tuple[str, Callable[[], str]], ...]:
        return (("crawl", self.crawl), ("monitor", self.monitor), ("alert", self.alert))

    def run(self) -> None:
        """Each step in turn; a failed step ends the cycle (the monitor must not judge a broken crawl)."""
        db = store.connect(self.db_path)
        cycle = store.now()
        for name, step in self.steps():
            if self.stopping.is_set():
                log.info("cycle %s: stopping before %s", cycle, name)
                return
            run_id = store.start_run(db, cycle, name)
            log.info("cycle %s: %s started", cycle, name)
            try:
                detail = step()
            except Exception as exc:  # recorded and logged: the scheduler keeps running
                message = " ".join(str(exc).split()) or type(exc).__name__
                outcome = "stopped" if self.stopping.is_set() else "failed"
                store.finish_run(db, run_id, outcome, message)
                log.log(logging.INFO if outcome == "stopped" else logging.ERROR, "cycle %s: %s %s: %s",
                        cycle, name, outcome, message)
                return
            store.finish_run(db, run_id, "ok", detail)
            log.info("cycle %s: %s ok: %s", cycle, name, detail)

    def stop(self) -> None:
        """Ask the crawl child to finish (Scrapy closes gracefully on SIGTERM); later steps are skipped."""
        self.stopping.set()
        with self.lock:
            process = self.crawl_process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(CRAWL_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()


_current: Cycle | None = None


def run_cycle() -> None:
    """The persisted job's target: it takes no arguments, so settings (and passwords) stay in this process."""
    if _current is None:
        raise RuntimeError("run_cycle runs only inside run_scheduler")
    _current.run()


def build_trigger(schedule: dict[str, dict[str, Any]]) -> BaseTrigger:
    """One trigger from every named entry of cron fields; a weekday number is refused."""
    if not schedule:
        raise ConfigError("schedule is empty: give at least one cron entry, e.g. [schedule.weekly]")
    triggers = []
    for name, fields in schedule.items():
        if not isinstance(fields, dict):
            raise ConfigError(f"schedule.{name} must be a table of cron fields")
        if re.search(r"\d", str(fields.get("day_of_week", ""))):
            raise ConfigError(f"schedule.{name}.day_of_week: write days by name (mon … sun), "
                              f"not number: {fields['day_of_week']!r}")
        try:
            triggers.append(CronTrigger(**{k: str(v) for k, v in fields.items()}))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"schedule.{name}: {' '.join(str(exc).split())}") from None
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def run_scheduler(settings: dict[str, Any], *, db_path: str) -> None:
    """Run until SIGTERM or SIGINT; a running step ends (a crawl gracefully) before this returns."""
    global _current
    trigger = build_trigger(settings["schedule"])
    store.connect(db_path)  # creates the schema, the runs table included
    _current = cycle = Cycle(settings, db_path)
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{Path(db_path).resolve()}")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )
    scheduler.add_job(run_cycle, trigger, id=JOB_ID, name="crawl, monitor, alert", replace_existing=True)
    stopper: list[threading.Thread] = []

    def on_signal(signum: int, _frame: Any) -> None:
        if stopper:
            return
        log.info("%s: stopping after the current step", signal.Signals(signum).name)

        def stop() -> None:
            cycle.stop()
            if scheduler.running:  # a signal before start() needs no shutdown: start() is skipped
                scheduler.shutdown(wait=True)

        # Shut down from a thread: the scheduler's main loop may hold its locks right now.
        stopper.append(threading.Thread(target=stop, name="nianbao-stop"))
        stopper[0].start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("scheduler: next cycle at %s", trigger.get_next_fire_time(None, datetime.now().astimezone()))
        if not cycle.stopping.is_set():
            scheduler.start()
        for thread in stopper:
            thread.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _current = None
    log.info("scheduler stopped")
