"""The `freehold` command line: argument parsing in-process, a few real runs as subprocesses.

Subprocesses always use a fresh SQLite database in a temporary data directory, never the
database the suite runs on (DATABASE_URL is removed from their environment).
"""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command

from freehold import cli
from freehold.core import clock
from freehold.demo import prepare
from freehold.orders.models import Order
from freehold.orders.states import OrderStatus


def test_serve_defaults_to_all_interfaces_and_one_worker_per_cpu():
    arguments = cli.build_parser().parse_args(["serve"])

    assert (arguments.host, arguments.port, arguments.workers) == ("0.0.0.0", 8000, None)
    assert arguments.handler is cli.run_serve


def test_demo_listens_on_localhost_by_default():
    arguments = cli.build_parser().parse_args(["demo", "--port", "8302"])

    assert (arguments.host, arguments.port, arguments.handler) == ("127.0.0.1", 8302, cli.run_demo)


def test_seed_arguments():
    arguments = cli.build_parser().parse_args(
        [
            "seed",
            "--products",
            "10000",
            "--customers",
            "100000",
            "--seed",
            "7",
            "--no-images",
            "--reset",
        ]
    )

    assert (arguments.products, arguments.customers, arguments.seed) == (10000, 100000, 7)
    assert arguments.no_images and arguments.reset and not arguments.quiet


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_granian_runs_wsgi_with_one_blocking_thread_per_worker():
    command = cli.granian_command(host="0.0.0.0", port=9000, workers=3)

    assert command[-1] == "freehold.wsgi:application"
    assert command[command.index("--interface") + 1] == "wsgi"
    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--blocking-threads") + 1] == "1"


@pytest.mark.django_db
def test_several_workers_without_redis_turn_the_page_cache_off(monkeypatch, settings, capsys):
    settings.REDIS_URL = ""
    started = {}
    monkeypatch.setattr(cli, "_serve", lambda **options: started.update(options) or 0)

    assert cli.main(["serve", "--workers", "2", "--port", "8399"]) == 0

    assert started["workers"] == 2
    assert started["env"]["FREEHOLD_PAGE_CACHE"] == "0"
    assert "REDIS_URL" in capsys.readouterr().err
    assert started["banner"] == ["Freehold is running at http://127.0.0.1:8399/"]


@pytest.mark.django_db
def test_one_worker_keeps_the_page_cache(monkeypatch, settings):
    settings.REDIS_URL = ""
    monkeypatch.delenv("FREEHOLD_PAGE_CACHE", raising=False)
    started = {}
    monkeypatch.setattr(cli, "_serve", lambda **options: started.update(options) or 0)

    cli.main(["serve", "--workers", "1"])

    assert "FREEHOLD_PAGE_CACHE" not in started["env"]


@pytest.mark.django_db
def test_the_demo_login_is_generated_once_and_printed_again(settings, tmp_path):
    settings.DATA_DIR = tmp_path

    first = prepare.demo_login()
    again = prepare.demo_login()

    assert first == again
    assert first.is_current and first.email == "admin@example.com"
    assert oct((tmp_path / prepare.LOGIN_FILE).stat().st_mode & 0o777) == "0o600"


def freehold(data_dir, *arguments):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["FREEHOLD_DATA_DIR"] = str(data_dir)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "freehold.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_serve_refuses_a_database_with_unapplied_migrations(tmp_path):
    run = freehold(tmp_path, "serve", "--port", "8398", "--workers", "1")

    assert run.returncode == 1
    assert "unapplied migration" in run.stderr
    assert "freehold migrate" in run.stderr


def test_seed_fills_an_empty_database_and_refuses_a_second_time(tmp_path):
    assert freehold(tmp_path, "migrate", "--verbosity", "0").returncode == 0

    first = freehold(
        tmp_path, "seed", "--products", "4", "--customers", "3", "--no-images", "--quiet"
    )
    second = freehold(tmp_path, "seed", "--products", "4", "--no-images", "--quiet")

    assert first.returncode == 0, first.stderr
    assert "Seeded 4 products" in first.stdout
    assert "admin@example.com" in first.stdout
    assert second.returncode == 1
    assert "already has products or collections" in second.stderr


def test_worker_runs_every_minute_by_default():
    arguments = cli.build_parser().parse_args(["worker"])

    assert (arguments.once, arguments.interval, arguments.handler) == (False, 60, cli.run_worker)


@pytest.mark.django_db
def test_worker_once_expires_unpaid_orders_past_the_timeout(settings, capsys):
    # given one order unpaid for two hours and one placed a minute ago (timeout 60 minutes)
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 60
    now = clock.now()
    stale, fresh = (
        Order.objects.create(
            number=number,
            email="ana@example.com",
            currency="EUR",
            total_amount=Decimal("10.00"),
            placed_at=now - age,
        )
        for number, age in (("9001", dt.timedelta(hours=2)), ("9002", dt.timedelta(minutes=1)))
    )

    # when the worker runs one pass
    assert cli.main(["worker", "--once"]) == 0

    # then only the stale order is cancelled, and the pass says how many
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (OrderStatus.CANCELLED, OrderStatus.OPEN)
    assert "expired 1 unpaid order(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_expire_orders_command_prints_the_count(capsys):
    call_command("expire_orders")

    assert "Expired 0 unpaid order(s)" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_e_mails_wait_for_the_worker(settings, capsys):
    # given production's task setting: e-mails are queued in the database
    from django.core import mail

    from freehold.catalog.models import Variant
    from freehold.checkout.placement import checkout_complete
    from freehold.checkout.services import cart_add, cart_create
    from tests.factories import make_product, make_store_settings

    settings.TASKS = {"default": {"BACKEND": cli.DATABASE_TASKS_BACKEND}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    make_store_settings(currency="EUR")
    variant = Variant.objects.get(product=make_product(price="9.00", stock=3, currency="EUR"))
    cart = cart_create(currency="EUR")
    cart_add(cart=cart, variant_id=variant.pk, quantity=1)

    # when an order is placed, nothing is sent during the request
    order = checkout_complete(cart_token=cart.token, email="ana@example.com", idempotency_key="k1")
    assert mail.outbox == []

    # then one worker round sends the confirmation, and a second round sends nothing again
    assert cli.main(["worker", "--once"]) == 0
    assert [message.to for message in mail.outbox] == [["ana@example.com"]]
    assert f"#{order.number}" in mail.outbox[0].subject
    assert "ran 1 queued task(s)" in capsys.readouterr().out
    assert cli.main(["worker", "--once"]) == 0
    assert len(mail.outbox) == 1


def test_serve_passes_threads_per_worker_to_granian():
    arguments = cli.build_parser().parse_args(["serve", "--threads", "3"])
    command = cli.granian_command(host="127.0.0.1", port=9000, workers=2, threads=3)

    assert arguments.threads == 3
    assert command[command.index("--blocking-threads") + 1] == "3"
