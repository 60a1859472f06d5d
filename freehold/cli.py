"""The `freehold` command: set-up, demo, production server and the Django commands.

    freehold demo [--host 127.0.0.1] [--port 8000]   migrate, seed once, serve, print a login
    freehold serve [--host 0.0.0.0] [--port 8000] [--workers N] [--threads N]   production server
    freehold seed [--products N] [--customers N] [--orders N] [--seed S] [--no-images] [--quiet]
                  [--reset]
    freehold migrate
    freehold createstaff --email EMAIL [--password PASSWORD]
    freehold worker [--once] [--interval SECONDS]   background jobs (e-mails, unpaid orders)
    freehold rates update [FILE_OR_URL]   keep the ECB euro reference rates (default: ECB daily)
    freehold import shopify|shopify-customers|amazon|woocommerce FILE [--dry-run] [--no-images]
    freehold import images [--retry-failed] | freehold import resume RUN
    freehold jobs [run NAME]   periodic jobs the worker runs (nightly scores, purges)
    freehold export products|customers|orders [FILE] [--site-url URL]   Shopify-layout CSV
    freehold manage <any Django management command>

Thin on purpose: argument parsing, then a Django management command or a granian process.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

SETTINGS_MODULE = "freehold.settings"
WSGI_APPLICATION = "freehold.wsgi:application"
READY_TIMEOUT_SECONDS = 60
PASSTHROUGH = ("manage", "migrate")
WORKER_INTERVAL_SECONDS = 60
# How often the worker looks for queued tasks (order e-mails): a shopper waits for these.
TASK_POLL_SECONDS = 1.0
DATABASE_TASKS_BACKEND = "django_tasks_db.DatabaseBackend"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="freehold", description="Freehold: the self-hosted store a brand owns."
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>")

    demo = commands.add_parser("demo", help="Run the demo store (created on the first run).")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(handler=run_demo)

    serve = commands.add_parser("serve", help="Run the production server (granian, WSGI).")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=None, help="Worker processes (default: one per CPU)."
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("FREEHOLD_THREADS", "1")),
        help="Threads per worker (default 1, or FREEHOLD_THREADS).",
    )
    serve.set_defaults(handler=run_serve)

    seed = commands.add_parser("seed", help="Fill the database with the demo brand.")
    seed.add_argument("--products", type=int, default=300)
    seed.add_argument("--customers", type=int, default=500)
    seed.add_argument("--orders", type=int, default=2000, help="Orders over the last 18 months.")
    seed.add_argument("--seed", type=int, default=42)
    seed.add_argument("--no-images", action="store_true")
    seed.add_argument("--quiet", action="store_true")
    seed.add_argument(
        "--reset", action="store_true", help="Delete catalog and non-staff customers first."
    )
    seed.add_argument("--staff-password", default=None)
    seed.set_defaults(handler=run_seed)

    migrate = commands.add_parser("migrate", help="Apply database migrations.")
    migrate.add_argument("arguments", nargs=argparse.REMAINDER)
    migrate.set_defaults(handler=run_manage)

    staff = commands.add_parser("createstaff", help="Create a staff account.")
    staff.add_argument("--email", required=True)
    staff.add_argument("--password", default=None)
    staff.set_defaults(handler=run_createstaff)

    worker = commands.add_parser(
        "worker", help="Run background jobs: release the stock of unpaid orders, every minute."
    )
    worker.add_argument("--once", action="store_true", help="Run one pass, then exit.")
    worker.add_argument(
        "--interval", type=int, default=WORKER_INTERVAL_SECONDS, help="Seconds between passes."
    )
    worker.set_defaults(handler=run_worker)

    rates = commands.add_parser("rates", help="Keep the ECB's euro reference rates.")
    rates.add_argument("action", choices=["update"])
    rates.add_argument(
        "source", nargs="?", default=None, help="eurofxref XML file or URL (default: ECB daily)"
    )
    rates.set_defaults(handler=run_rates)

    jobs = commands.add_parser(
        "jobs", help="Periodic jobs (nightly scores, purges): list them, or run one now."
    )
    jobs.add_argument("action", nargs="?", choices=["list", "run"], default="list")
    jobs.add_argument("name", nargs="?", default=None)
    jobs.set_defaults(handler=run_jobs)

    importer = commands.add_parser(
        "import",
        help="Import products or customers from Shopify, Amazon or WooCommerce files.",
        description="freehold import shopify|shopify-customers|amazon|woocommerce FILE; "
        "freehold import images (fetch pending images again); freehold import resume RUN.",
    )
    importer.add_argument(
        "format", help="shopify, shopify-customers, amazon, woocommerce, images or resume"
    )
    importer.add_argument("file", nargs="?", help="The file (for resume: the run's number)")
    importer.add_argument("--dry-run", action="store_true", help="Report what would change.")
    importer.add_argument(
        "--no-images", action="store_true", help="Leave images pending (fetch them later)."
    )
    importer.add_argument(
        "--retry-failed", action="store_true", help="images: also retry images given up on."
    )
    importer.add_argument("--report", default=None, help="Write every item's outcome to a CSV.")
    importer.add_argument("--quiet", action="store_true", help="No progress bar.")
    importer.set_defaults(handler=run_import)

    export = commands.add_parser(
        "export", help="Write products, customers or orders as a CSV in Shopify's layout."
    )
    export.add_argument("kind", choices=["products", "customers", "orders"])
    export.add_argument("file", nargs="?", default="-", help="Output file (default: stdout)")
    export.add_argument(
        "--site-url",
        default=None,
        help="The store's address, for absolute image URLs (default: FREEHOLD_SITE_URL)",
    )
    export.set_defaults(handler=run_export)
    manage = commands.add_parser("manage", help="Run any Django management command.")
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=run_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in PASSTHROUGH:
        # Django parses these arguments itself (argparse would reject `migrate --plan`).
        django_argv = argv[1:] if argv[0] == "manage" else argv
        return run_manage(argparse.Namespace(arguments=django_argv))
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 2
    try:
        return int(arguments.handler(arguments) or 0)
    except KeyboardInterrupt:
        return 130


def _setup() -> None:
    import django

    django.setup()


def _call(command: str, **options: Any) -> int:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(command, **options)
    except CommandError as error:
        print(f"freehold {command}: {error}", file=sys.stderr)
        return 1
    return 0


def unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _require_migrated(command: str) -> bool:
    missing = unapplied_migrations()
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        print(
            f"freehold {command}: the database has {len(missing)} unapplied migration(s) "
            f"({shown}). Run `freehold migrate` first.",
            file=sys.stderr,
        )
        return False
    return True


def run_seed(arguments: argparse.Namespace) -> int:
    _setup()
    if not _require_migrated("seed"):
        return 1
    return _call(
        "seed",
        products=arguments.products,
        customers=arguments.customers,
        orders=arguments.orders,
        seed=arguments.seed,
        no_images=arguments.no_images,
        quiet=arguments.quiet,
        reset=arguments.reset,
        staff_password=arguments.staff_password,
    )


def run_createstaff(arguments: argparse.Namespace) -> int:
    _setup()
    if not _require_migrated("createstaff"):
        return 1
    return _call("createstaff", email=arguments.email, password=arguments.password)


def run_rates(arguments: argparse.Namespace) -> int:
    _setup()
    if not _require_migrated("rates"):
        return 1
    sources = [arguments.source] if arguments.source else []
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("rates", arguments.action, *sources)
    except CommandError as error:
        print(f"freehold rates: {error}", file=sys.stderr)
        return 1
    return 0


def run_export(arguments: argparse.Namespace) -> int:
    _setup()
    if not _require_migrated("export"):
        return 1
    from django.conf import settings

    from freehold.imports.exports import export_command

    return export_command(
        arguments.kind,
        arguments.file,
        site_url=arguments.site_url or settings.SITE_URL,
        errors=sys.stderr,
    )


def run_jobs(arguments: argparse.Namespace) -> int:
    _setup()
    if not _require_migrated("jobs"):
        return 1
    from freehold.core import schedule
    from freehold.core.models import ScheduledJob

    known = {job.name: job for job in schedule.jobs()}
    if arguments.action == "run":
        job = known.get(arguments.name or "")
        if job is None:
            print(f"freehold jobs: no job {arguments.name!r}; one of: {', '.join(known)}")
            return 2
        schedule.run_job(job, force=True)
        error = ScheduledJob.objects.get(name=job.name).last_error
        print(f"{job.name}: {'failed: ' + error if error else 'done'}")
        return 1 if error else 0
    rows = {row.name: row for row in ScheduledJob.objects.all()}
    for name, job in known.items():
        found = rows.get(name)
        last = (
            found.last_started_at.isoformat(timespec="seconds")
            if found and found.last_started_at
            else "never"
        )
        error = f" (failed: {found.last_error})" if found and found.last_error else ""
        print(f"{name}: every {job.every}, last run {last}{error}")
    return 0


def run_import(arguments: argparse.Namespace) -> int:
    _setup()
    if not _require_migrated("import"):
        return 1
    from freehold.imports import commands

    if arguments.format == "images":
        return commands.run_images(retry_failed=arguments.retry_failed, quiet=arguments.quiet)
    if not arguments.file:
        print("freehold import: give the file to import.", file=sys.stderr)
        return 2
    if arguments.format == "resume":
        return commands.run_resume(
            run_id=arguments.file, quiet=arguments.quiet, report_path=arguments.report
        )
    return commands.run_file(
        format=arguments.format,
        path=arguments.file,
        dry_run=arguments.dry_run,
        images=not arguments.no_images,
        quiet=arguments.quiet,
        report_path=arguments.report,
    )


def run_manage(arguments: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["freehold manage", *arguments.arguments])
    return 0


def worker_pass() -> int:
    """One round of background jobs; the number of unpaid orders expired.

    Connections are refreshed around the pass: the worker lives for weeks, and a connection
    the database closed in between (a restart, an idle timeout) must not fail every pass.
    """
    from freehold.core import schedule
    from freehold.orders.operations import orders_expire_unpaid

    _drop_stale_connections()
    try:
        expired = orders_expire_unpaid()
        schedule.run_due()
        return expired
    finally:
        _drop_stale_connections()


def uses_task_queue() -> bool:
    """True when e-mails and other tasks wait in the database for `freehold worker`."""
    from django.conf import settings

    return bool(settings.TASKS["default"]["BACKEND"] == DATABASE_TASKS_BACKEND)


def tasks_pass() -> int:
    """Run every task waiting in the database queue (e-mails, webhooks) and the webhook retries
    that are due, then return how many ran.

    django-tasks-db's own worker in batch mode: it claims each task in a transaction, so
    several `freehold worker` processes never send one e-mail twice.
    """
    from freehold.webhooks.services import webhooks_deliver_due

    if not uses_task_queue():
        return webhooks_deliver_due()
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"freehold-{socket.gethostname()[:20]}-{get_random_string(8)}",
        excluded_queue_names=[],
    )
    worker.run()
    # Webhook retries that have come due (first attempts run as queued tasks above).
    return int(worker._run_tasks) + webhooks_deliver_due()


def _drop_stale_connections() -> None:
    """Django's `close_old_connections`, minus connections inside a caller's transaction.

    A connection in an atomic block (a test, or a caller wrapping the pass) is in use, not
    stale: closing it would abort that transaction.
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def run_worker(arguments: argparse.Namespace) -> int:
    """Run queued tasks as they arrive and expire unpaid orders every `--interval` seconds.

    `--once` runs one round of each and exits. Ctrl-C or SIGTERM (systemd, docker stop) ends
    the wait at once and exits cleanly; a task or a pass in progress finishes first. A failing
    round (database briefly down) is reported and retried on the next one.
    """
    _setup()
    if not _require_migrated("worker"):
        return 1
    if arguments.interval < 1:
        print("freehold worker: --interval must be at least 1 second.", file=sys.stderr)
        return 2
    logger = logging.getLogger("freehold.worker")

    def guarded(name: str, job: Any) -> int | None:
        try:
            return int(job())
        except Exception:
            logger.exception("freehold worker: %s failed", name)
            print(f"freehold worker: {name} failed (see the log).", file=sys.stderr, flush=True)
            return None

    def expiry_round() -> bool:
        expired = guarded("the expiry pass", worker_pass)
        if expired is not None:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            print(f"{stamp} expired {expired} unpaid order(s)", flush=True)
        return expired is not None

    def tasks_round() -> bool:
        ran = guarded("the task queue", tasks_pass)
        if ran:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            print(f"{stamp} ran {ran} queued task(s)", flush=True)
        return ran is not None

    if arguments.once:
        tasks_ok = tasks_round()
        return 0 if expiry_round() and tasks_ok else 1

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    queue = "running queued e-mails as they arrive, " if uses_task_queue() else ""
    print(
        f"freehold worker: {queue}expiring unpaid orders every {arguments.interval} s. "
        "Press Ctrl+C to stop.",
        flush=True,
    )
    next_expiry = 0.0
    try:
        while not stop.is_set():
            if time.monotonic() >= next_expiry:
                expiry_round()
                next_expiry = time.monotonic() + arguments.interval
            tasks_round()
            if uses_task_queue():
                stop.wait(TASK_POLL_SECONDS)
            else:
                stop.wait(max(0.0, next_expiry - time.monotonic()))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("freehold worker: stopped.", flush=True)
    return 0


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def _wait_until_listening(process: subprocess.Popen[bytes], host: str, port: int) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((_display_host(host), port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def granian_command(*, host: str, port: int, workers: int, threads: int = 1) -> list[str]:
    """One blocking thread per worker by default: measured faster than granian's default on
    2 cores for pages; more threads let a worker serve while another request waits on the
    database (see docs/architecture.md)."""
    return [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--no-ws",
        WSGI_APPLICATION,
    ]  # fmt: skip


def _serve(
    *,
    host: str,
    port: int,
    workers: int,
    env: dict[str, str],
    banner: list[str],
    threads: int = 1,
) -> int:
    """Run granian until it stops; print `banner` once it accepts connections."""
    command = granian_command(host=host, port=port, workers=workers, threads=threads)
    process = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        if _wait_until_listening(process, host, port):
            print("\n".join(banner), flush=True)
        elif process.poll() is None:
            print(f"freehold: the server did not answer on port {port}.", file=sys.stderr)
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 130


def run_serve(arguments: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings

    if not _require_migrated("serve"):
        return 1
    workers = arguments.workers or os.cpu_count() or 1
    if workers < 1 or arguments.threads < 1:
        print("freehold serve: --workers and --threads must be at least 1.", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if workers > 1 and not settings.REDIS_URL:
        env["FREEHOLD_PAGE_CACHE"] = "0"
        print(
            f"freehold serve: {workers} workers without REDIS_URL would each keep their own page "
            "cache and could serve a stale page after an edit, so the page cache is off. Set "
            "REDIS_URL (or use --workers 1) to turn it on.",
            file=sys.stderr,
        )
    url = f"http://{_display_host(arguments.host)}:{arguments.port}/"
    return _serve(
        host=arguments.host,
        port=arguments.port,
        workers=workers,
        threads=arguments.threads,
        env=env,
        banner=[f"Freehold is running at {url}"],
    )


def run_demo(arguments: argparse.Namespace) -> int:
    _setup()
    from freehold.demo.prepare import demo_prepare

    login = demo_prepare(out=sys.stdout)
    url = f"http://{_display_host(arguments.host)}:{arguments.port}/"
    password = login.password if login.is_current else "(changed since; use yours)"
    banner = [
        "",
        f"Freehold is running at {url}",
        f"Dashboard: {url}dashboard/  e-mail {login.email}  password {password}",
        "Press Ctrl+C to stop.",
    ]
    env = dict(os.environ)
    # The demo shows the store as shoppers see it: themed error pages, not Django's debug pages.
    env.setdefault("FREEHOLD_DEBUG", "0")
    return _serve(host=arguments.host, port=arguments.port, workers=1, env=env, banner=banner)


if __name__ == "__main__":
    sys.exit(main())
