"""The job runner: one run per agenda, progress rows, cancel, failures, recovery."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from adapter import ledger
from adapter.config import Settings
from adapter.errors import MServerUnavailable
from adapter.sync.context import JobContext
from adapter.sync.runner import JobRunner


class NoConnections:
    def pohoda(self, settings):
        raise AssertionError("not used")

    def eshop(self, settings):
        raise AssertionError("not used")


@pytest.fixture
def db(tmp_path):
    ledger.init_db(tmp_path / "ledger.db")
    yield tmp_path
    ledger.database.close()


def make_runner(tmp_path, **jobs):
    settings = Settings(data_dir=tmp_path)
    return JobRunner(lambda: settings, NoConnections(), jobs=jobs)


def test_one_run_per_agenda_and_final_counts(db):
    release = threading.Event()

    def job(ctx: JobContext) -> None:
        ctx.progress(0, 3, "Pracuji")
        release.wait(5)
        ctx.ok("a")
        ctx.ok("b")
        ctx.error("c", "POHODA: chyba")
        ctx.advance(3)

    runner = make_runner(db, orders=job)
    first, created = runner.start("orders", "button")
    second, created2 = runner.start("orders", "bookmark")
    assert created and not created2 and first == second
    release.set()
    assert runner.wait("orders", 10)
    run = ledger.Run.get_by_id(first)
    assert run.status == "partial"
    assert (run.ok_count, run.error_count, run.done, run.total) == (2, 1, 3, 3)
    assert ledger.count_events(first) == {"ok": 2, "error": 1}
    # a new start after the end is a new run
    third, created3 = runner.start("orders", "button")
    assert created3 and third != first
    runner.wait("orders", 10)


def test_adapter_error_fails_run_with_czech_message(db):
    def job(ctx):
        raise MServerUnavailable

    runner = make_runner(db, stock=job)
    run_id, _ = runner.start("stock", "cli")
    runner.wait("stock", 10)
    run = ledger.Run.get_by_id(run_id)
    assert run.status == "failed"
    assert "mServer neběží" in run.message


def test_unexpected_exception_never_leaves_running(db):
    def job(ctx):
        raise KeyError("boom")

    runner = make_runner(db, stock=job)
    run, ran = runner.run_inline("stock")
    assert ran and run.status == "failed"
    assert "Neočekávaná chyba" in run.message


def test_cancel_interrupts_at_safe_point(db):
    started = threading.Event()

    def job(ctx):
        for i in range(1000):
            ctx.check_cancel()
            ctx.ok(str(i))
            started.set()
            threading.Event().wait(0.01)

    runner = make_runner(db, customers=job)
    run_id, _ = runner.start("customers", "button")
    started.wait(5)
    assert runner.cancel(run_id)
    runner.wait("customers", 10)
    run = ledger.Run.get_by_id(run_id)
    assert run.status == "interrupted"
    assert 0 < run.ok_count < 1000


def test_dead_process_run_is_recovered_as_interrupted(db):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    run, created = ledger.start_run("payments", "cli", pid=proc.pid)
    assert created
    assert ledger.recover_interrupted() == [run.id]
    assert ledger.Run.get_by_id(run.id).status == "interrupted"
    # and a new start is possible right away
    again, created = ledger.start_run("payments", "button")
    assert created and again.id != run.id


def test_start_replaces_stale_running_row_of_dead_process(db):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    stale, _ = ledger.start_run("stock", "cli", pid=proc.pid)
    run, created = ledger.start_run("stock", "button", pid=os.getpid())
    assert created and run.id != stale.id
    assert ledger.Run.get_by_id(stale.id).status == "interrupted"


def test_schedule_due_only_when_enabled_and_interval_passed(db):
    from dataclasses import replace

    now = ledger.utcnow()
    settings = Settings(data_dir=db)
    settings = replace(settings, orders=replace(settings.orders, enabled=True, schedule_minutes=15))
    runner = JobRunner(lambda: settings, NoConnections(), jobs={"orders": lambda ctx: None}, clock=lambda: now)
    assert runner.due_agendas() == [("orders", False)]  # never ran
    ledger.start_run("orders", "button", now=now - timedelta(minutes=5))
    ledger.finish_run(ledger.last_run("orders").id, "ok")
    assert runner.due_agendas() == []
    assert runner.next_due("orders") == now + timedelta(minutes=10)
    assert runner.next_due("stock") is None  # enabled but no interval


@pytest.mark.parametrize("agenda", ["orders", "invoices"])
def test_orders_and_invoices_run_as_agenda_jobs_with_the_dashboards_facts(agenda: str) -> None:
    from adapter.sync.base import AgendaJob
    from adapter.sync.registry import job_class
    from adapter.web.present import AGENDA_INFO

    cls = job_class(agenda)
    assert issubclass(cls, AgendaJob) and cls.agenda == agenda and cls.watermark == agenda
    assert (cls.direction, cls.actions) == AGENDA_INFO[agenda]
