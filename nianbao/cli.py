"""Every ``nianbao …`` command: argument parsing, one-line errors, exit codes.

Each command only parses its arguments and hands them to the module that does the
work; nothing here knows how a page is crawled or a rule is checked.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
from datetime import date
from typing import Any, Callable, NoReturn, Sequence

from nianbao import config
from nianbao.errors import UserError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"nianbao: error: {message} (see nianbao --help)\n")


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _year(value: str) -> int:
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise argparse.ArgumentTypeError(f"not a report year: {value!r}")
    return int(value)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def cmd_parse(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from parsers import parse_file

    failed = False
    for path in args.files:
        report = parse_file(path).to_dict()
        failed = failed or report["error"] is not None
        if args.json:
            _print_json(report)
        else:
            json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        if report["error"]:
            print(f"nianbao: {path}: {report['error']}", file=sys.stderr)
    return 1 if failed else 0


def cmd_crawl(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from crawler.run import crawl

    summary = crawl(
        settings,
        db_path=args.db,
        registry=args.registry or settings["registry"],
        files_dir=args.files or settings["files"],
        years=config.parse_years(args.years or settings["years"]),
        redis_url=_redis_url(args, settings, required=False),
        config_path=args.config,
    )
    if args.json:
        _print_json(summary)
    # The process ends now: spare it the final garbage collection of the heap Scrapy,
    # Twisted and lxml leave behind (a tenth of a second, a tenth of an unchanged re-crawl).
    gc.freeze()
    return 0


def _redis_url(args: argparse.Namespace, settings: dict[str, Any], required: bool = True) -> str:
    """``--redis``, else ``[crawl] redis``; checked here so a typo is one line, not a traceback."""
    url = args.redis or settings["crawl"]["redis"]
    if not url and required:
        raise UserError("no Redis to work with: give --redis redis://HOST:PORT/DB or set [crawl] redis")
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise UserError(f"not a Redis URL (redis://HOST:PORT/DB): {url!r}")
    if url:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=5).ping()
        except (redis.RedisError, ValueError) as exc:
            raise UserError(f"cannot reach Redis at {url}: {exc}") from None
    return url


def cmd_crawl_worker(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from crawler.run import work

    summary = work(settings, redis_url=_redis_url(args, settings))
    if args.json:
        _print_json(summary)
    return 0


def cmd_ingest(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from nianbao.ingest import ingest

    summary = ingest(redis_url=_redis_url(args, settings), db_path=args.db, files_dir=args.files or settings["files"])
    if args.json:
        _print_json(summary)
    return 0


def cmd_monitor(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from monitor.check import check
    from monitor.report import format_flags
    from nianbao.store import connect

    flags = check(connect(args.db), settings, as_of=args.as_of or date.today(), year=args.year)
    if args.json:
        _print_json(flags)
    else:
        print(format_flags(flags))
    return 0


def cmd_alert(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from monitor.alerts import send_digest
    from nianbao.store import connect

    send_digest(connect(args.db), settings, dry_run=args.dry_run)
    return 0


def cmd_schedule(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from monitor.schedule import run_scheduler

    run_scheduler(settings, db_path=args.db)
    return 0


def cmd_serve(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from nianbao.serve import serve

    serve(args.db, host=args.host, port=args.port, settings=settings)
    return 0


def cmd_demo(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from nianbao.demo.run import run_demo

    run_demo(settings, db_path=args.db, host=args.host, port=args.port, serve=not args.no_serve)
    return 0


def cmd_registry_add(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from nianbao.registry import add_county

    row = add_county(args.registry or settings["registry"], args.county, args.portal)
    if args.json:
        _print_json(row)
    else:
        print(f"added {row['agency_id']} {row['agency_name']} ({row['region_name']}) {row['start_url']}")
    return 0


def cmd_registry_discover(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from nianbao.proposals import discover

    found = discover(registry_path=args.registry or settings["registry"], db_path=args.db,
                     files_dir=args.files or settings["files"], years=args.years or settings["years"],
                     config=args.config, crawl=not args.no_crawl, apply_them=args.apply)
    if args.json:
        _print_json(found)
    return 0


def cmd_registry_check(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    from nianbao.registry import check

    problems = check(args.registry or settings["registry"])
    if args.json:
        _print_json(problems)
    else:
        for line in problems:
            print(line)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, help="SQLite database (default data/reports.db)")
    common.add_argument("--config", default=None, help="config file (default nianbao.toml)")
    common.add_argument("--json", action="store_true", help="JSON on standard output, logs on standard error")
    common.add_argument("-v", "--verbose", action="store_true", help="more logging")

    parser = _Parser(prog="nianbao", description="Crawl, parse and monitor government-information-disclosure annual reports.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, handler: Callable[..., int], help: str, writes: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler, writes=writes)
        return p

    p = command("crawl", cmd_crawl, "crawl every portal in the registry and store the reports")
    p.add_argument("--registry", help="registry CSV (default data/agencies.csv)")
    p.add_argument("--files", help="where raw documents are kept (default data/files)")
    p.add_argument("--years", help="report years to keep, e.g. 2019-2025")
    p.add_argument("--redis", help="share the crawl with workers through this Redis (redis://HOST:PORT/DB)")

    p = command("crawl-worker", cmd_crawl_worker, "one more worker for a crawl shared through Redis; writes no database")
    p.add_argument("--redis", help="the Redis the crawl was started with (redis://HOST:PORT/DB)")

    p = command("ingest", cmd_ingest, "store what the workers of a crawl shared through Redis send (nianbao crawl "
                                      "--redis runs it)")
    p.add_argument("--redis", help="the Redis the crawl was started with (redis://HOST:PORT/DB)")
    p.add_argument("--files", help="where raw documents are kept (default data/files)")

    p = command("parse", cmd_parse, "parse local report files and print them as JSON", writes=False)
    p.add_argument("files", nargs="+", metavar="FILE")

    p = command("monitor", cmd_monitor, "compute the flags and store them")
    p.add_argument("--as-of", type=_as_of, help="the date to judge deadlines by (default today)")
    p.add_argument("--year", type=_year, help="only this report year")

    p = command("alert", cmd_alert, "e-mail one digest of the flags not yet sent")
    p.add_argument("--dry-run", action="store_true", help="print the message instead of sending it")

    command("schedule", cmd_schedule, "run crawl, monitor and alert on the configured schedule")

    for name, handler, help in (("serve", cmd_serve, "browse the database in Datasette"),
                                ("demo", cmd_demo, "crawl the bundled demo portal, monitor it and serve the result")):
        p = command(name, handler, help)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8001)
        if name == "demo":
            p.add_argument("--no-serve", action="store_true", help="stop after the summary")
    registry = sub.add_parser("registry", help="build and check the registry",
                              description="build and check the registry of agencies")
    actions = registry.add_subparsers(dest="action", parser_class=_Parser, required=True)

    def registry_command(name: str, handler: Callable[..., int], help: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler, writes=name == "discover")   # discover crawls into --db
        p.add_argument("--registry", help="registry CSV (default data/agencies.csv)")
        return p

    p = registry_command("add", cmd_registry_add, "add a county's people's government, its division code filled in")
    p.add_argument("county", metavar="COUNTY", help="county name (尉氏县, 河南省开封市尉氏县) or 6-digit division code")
    p.add_argument("--portal", required=True, help="the county portal's report column or home page")
    p = registry_command("discover", cmd_registry_discover,
                         "crawl the registered portals and propose the bodies that publish there but are not registered")
    p.add_argument("--apply", action="store_true", help="merge the proposals into the registry")
    p.add_argument("--no-crawl", action="store_true", help="use what the last crawl into --db recorded")
    p.add_argument("--files", help="where the crawl keeps raw documents (default data/files)")
    p.add_argument("--years", help="report years to crawl, e.g. 2019-2025")
    registry_command("check", cmd_registry_check, "validate the registry: one line per problem, exit 1 if any")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv or ["demo"])
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = config.load(args.config)
        args.db = args.db or settings["db"]
        try:
            return args.handler(args, settings)
        finally:
            if args.writes:  # whatever a writing command left in the -wal file goes into the database file
                from nianbao.store import checkpoint

                checkpoint(args.db)
    except UserError as exc:
        print(f"nianbao: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nianbao: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("NIANBAO_DEBUG"):
            raise
        print(f"nianbao: error: {type(exc).__name__}: {exc} (NIANBAO_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
