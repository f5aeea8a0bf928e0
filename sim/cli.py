"""The ``drill`` command line.

Headless commands (run, validate, scenarios) never import Textual.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# each command imports what it needs when it runs: help and argument errors load
# neither the engine nor the scenario models
from scenarios import DEFAULT_SCENARIO
from sim.safe.text import one_line, shell_word

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable
    from typing import TextIO

    from scenarios import LoadedScenario, Scenario, ScenarioError
    from sim.runs.session import DrillSession

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_CANNOT_RUN = 3
#: an unforeseen failure: a bug, never bad input (BSD's EX_SOFTWARE)
EXIT_BUG = 70


def _problems(exc: ScenarioError, out: TextIO | None = None) -> None:
    """List a scenario's problems: on stderr when they stop a command from doing its
    work, on stdout (``out=sys.stdout``) when finding them is the work (validate)."""
    stream = out or sys.stderr
    for p in exc.problems:  # one line each, whatever the file's name holds
        print(one_line(str(p)), file=stream)
    listed = len(exc.problems)
    n = listed + sum(p.unlisted for p in exc.problems)
    print(f"{n:,} problem{'s' if n != 1 else ''} found"
          + (f" ({listed} listed)" if n != listed else ""), file=stream)


# --- an output must not write over what the command reads --------------------------

#: A file a command reads or writes: what it is, for the message (naming the file), and
#: its path.
_File = tuple[str, Path]
#: An output option: the option, the path given to it, and every file it writes (the
#: file itself, and for a journal the files SQLite and the writer's lock keep beside it).
_Output = tuple[str, str | Path | None, list[_File]]

#: the files beside a journal: SQLite's, and the lock of its one writer
_JOURNAL_SIDE_FILES = (("-wal", "the write-ahead log"), ("-shm", "the shared-memory file"),
                       ("-journal", "the rollback file"), (".lock", "the lock file"))


def _journal_files(journal: str | Path, role: str, *, tokens: bool = False) -> list[_File]:
    """A journal and the files kept beside it, each saying what it is: ``role`` says what
    the command does with the journal ("it reads"); ``tokens``: with the invitation tokens
    file of ``drill host``."""
    path = Path(journal)
    files = [(f"the journal {role} ({path})", path)]
    sides = list(_JOURNAL_SIDE_FILES)
    if tokens:
        from sim.net.invites import TOKENS_SUFFIX

        sides.append((TOKENS_SUFFIX, "the invitation tokens"))
    for suffix, what in sides:
        side = Path(f"{path}{suffix}")
        files.append((f"{what} of the journal {role} ({side})", side))
    return files


def _scenario_files(loaded: LoadedScenario) -> list[_File]:
    """The files a loaded scenario was read from: its own, the files it includes and its
    artefact files."""
    from sim.safe.files import same_file

    main = loaded.path
    files = [(f"the scenario it reads ({main})", main)]
    included = {mark.file for marks in (loaded.source.values, loaded.source.keys)
                for mark in marks.values()}
    included.discard(str(main))
    files += [(f"a file the scenario includes ({name})", Path(name))
              for name in sorted(included) if name and not same_file(name, main)]
    folder = main.resolve().parent  # where the loader reads artefacts from
    files += [(f"an artefact file of the scenario ({art.file})", folder / art.file)
              for inject in loaded.scenario.injects for art in inject.artefact_files]
    return files


def _output(option: str, given: str | Path | None, what: str) -> _Output:
    """An output option that writes one file, ``what`` it is ("the event log it writes")."""
    return option, given, [(f"{what} ({given})", Path(given))] if given else []


def _overwrites(command: str, outputs: list[_Output], reads: list[_File]) -> bool:
    """Whether an output would write over a file the command reads, or over another of
    its outputs (after saying so, in one line). Checked before anything is written."""
    from sim.safe.files import same_file

    earlier: list[_File] = []
    for option, given, files in outputs:
        if not given:
            continue
        for _, written in files:
            for what, other in (*reads, *earlier):
                if same_file(written, other):
                    print(f"drill {command}: {option} {given} would overwrite {what}; "
                          f"choose another {option}", file=sys.stderr)
                    return True
        earlier += files
    return False


def _count(text: str) -> int:
    """An option that counts something: a whole number, 0 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {n})")
    return n


def _file_arg(text: str) -> str:
    """A file an option names: an empty path is refused rather than read as "not given"."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path; give a file name")
    return text


def _folder_arg(text: str) -> str:
    """A folder an option names: an empty path is refused (``.`` is the current folder)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path; write . for this folder")
    return text


def cmd_run(args: argparse.Namespace) -> int:
    from scenarios import ScenarioError, load_scenario, resolve_scenario_arg
    from sim.analysis.metrics import compute, not_routed
    from sim.analysis.report import drill_tlp, render_json, render_text
    from sim.engine import Engine, preflight
    from sim.engine.events import log_to_jsonl
    from sim.safe.files import FileProblem, write_private

    path = resolve_scenario_arg(args.scenario)
    try:
        loaded = load_scenario(path, args.allow_include)
    except ScenarioError as exc:
        _problems(exc)
        return EXIT_INVALID
    if _overwrites("run", [
        ("--journal", args.journal, _journal_files(args.journal, "it records")
         if args.journal else []),
        _output("--events", args.events, "the event log it writes"),
    ], _scenario_files(loaded)):
        return EXIT_INVALID
    blockers = preflight(loaded)
    if blockers:
        for p in blockers:
            print(f"{p} (cannot run)", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        if args.journal:
            from sim.runs.session import DrillSession, JournalError, JournalExists

            try:
                session = DrillSession.start(loaded, seed=args.seed, journal_path=Path(args.journal))
                try:
                    session.advance_to(loaded.scenario.drill.duration)
                finally:
                    session.close()
            except JournalExists as exc:  # drill run has no --resume: say who has one
                print(f"{exc} (drill run records a new drill and never resumes one; "
                      f"drill play --resume {shell_word(exc.path)} carries on an unfinished "
                      "drill)", file=sys.stderr)
                return _journal_exit(exc)
            except JournalError as exc:
                print(exc, file=sys.stderr)
                return _journal_exit(exc)
            log = session.engine.log
            print(f"journal: {session.path}", file=sys.stderr)
        else:
            log = Engine(loaded, seed=args.seed).run()
        # a stage the scenario's framework routes no request through is not in this drill
        metrics = compute(log, slowest=args.slowest, unrouted=not_routed(loaded.scenario))
    except (ValueError, KeyError, TypeError, ArithmeticError, OverflowError) as exc:
        print(f"{path}: cannot run this scenario: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if args.events:
        try:
            write_private(args.events, log_to_jsonl(log))
        except FileProblem as exc:
            print(f"cannot write the event log: {exc}", file=sys.stderr)
            return EXIT_CANNOT_RUN
    tlp = drill_tlp(loaded.scenario, log)
    # none asked for (--slowest 0): the list is left out, not said to be empty
    out = render_json(metrics, tlp=tlp) if args.json else render_text(
        metrics, tlp=tlp, slowest=args.slowest > 0)
    sys.stdout.write(out)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from scenarios import ScenarioError, load_scenario, resolve_scenario_arg
    status = EXIT_OK
    for name in args.files:
        path = resolve_scenario_arg(name)
        try:
            loaded = load_scenario(path, args.allow_include)
        except ScenarioError as exc:
            _problems(exc, sys.stdout)
            status = EXIT_INVALID
            continue
        sc = loaded.scenario
        print(
            f"{one_line(str(path))}: ok ({len(sc.actors)} actors, {len(sc.channels)} channels, "
            f"{sum(len(f.rules) for f in sc.frameworks.values())} rules, "
            f"{len(sc.injects)} injects, {len(sc.expectations)} expectations)"
        )
    return status


def cmd_scenarios(args: argparse.Namespace) -> int:
    from scenarios import ScenarioError, bundled_scenarios, load_scenario

    for path in bundled_scenarios():
        try:
            sc = load_scenario(path).scenario
        except ScenarioError as exc:  # pragma: no cover - bundled files are tested
            print(f"{path.stem}\t(invalid: {exc.problems[0]})")
            continue
        mark = " (default)" if path.stem == DEFAULT_SCENARIO and "default" not in sc.drill.title else ""
        print(f"{path.stem}\t{sc.drill.title}{mark}")
    return EXIT_OK


def _journal_exit(exc: Exception) -> int:
    """A journal in use by another drill cannot be run now (3); anything else is invalid (2)."""
    from sim.runs.session import JournalBusy

    return EXIT_CANNOT_RUN if isinstance(exc, JournalBusy) else EXIT_INVALID


def _keymap(args: argparse.Namespace) -> dict[str, str] | None:
    """The keymap file's bindings ({} without one); None after saying what is wrong."""
    from tui.keymap import KeymapError, find, load

    try:
        return load(find(args.keymap))
    except KeymapError as exc:
        print(exc, file=sys.stderr)
        return None


def cmd_play(args: argparse.Namespace) -> int:
    import math

    from sim.runs.session import JournalError

    speed = args.speed
    if speed is not None and (not math.isfinite(speed) or speed <= 0):  # before any journal
        print("--speed must be a positive number", file=sys.stderr)
        return EXIT_INVALID
    pin = None
    if args.pin:  # asked, never on the command line (where ps would show it)
        import getpass

        try:
            pin = getpass.getpass("Facilitator's PIN (players need it to leave their role): ")
        except (EOFError, KeyboardInterrupt):
            pin = ""
        if not pin.strip():
            print("--pin: no PIN was given", file=sys.stderr)
            return EXIT_INVALID
    keymap = _keymap(args)  # checked before any journal is written
    if keymap is None:
        return EXIT_INVALID
    session = _live_session(args, speed)
    if isinstance(session, int):
        return session
    print(f"journal: {session.path}", file=sys.stderr)
    from tui.app import DrillApp  # only the UI command imports Textual

    roles = args.role or session.people_order()  # a resumed drill: as it was played
    status = EXIT_OK
    app = DrillApp(session, speed=session.speed, roles=roles, pin=pin, keymap=keymap)
    try:
        app.run()
    finally:
        try:
            # resuming carries on at the speed it ran at: the app keeps it in the journal
            # as it changes and before it closes the session; this is for an app that
            # stopped before that (once the session is closed it only sets the attribute)
            if not session.finished:
                session.set_speed(app.clock.speed)
            session.close()
        except JournalError as exc:  # e.g. the disk filled up: say so, keep what was written
            print(exc, file=sys.stderr)
            status = EXIT_CANNOT_RUN
    if app.close_problem is not None:  # the app closed the journal, and could not finish it
        print(app.close_problem, file=sys.stderr)
        status = EXIT_CANNOT_RUN
    if session.path:
        print(f"journal: {session.path}", file=sys.stderr)
        if not session.finished or status == EXIT_CANNOT_RUN:  # its end may not be written
            print(f"carry on with: drill play --resume {shell_word(session.path)}", file=sys.stderr)
    return status


def _tls(args: argparse.Namespace) -> ssl.SSLContext | int | None:
    """The TLS context of ``--cert``/``--key`` (None without them), or EXIT_INVALID once
    said why it cannot be loaded."""
    if not args.cert:
        return None
    import ssl

    from sim.net.server import tls_context

    try:
        return tls_context(args.cert, args.key)
    except (OSError, ssl.SSLError) as exc:
        why = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or type(exc).__name__
        print(f"--cert/--key: cannot load the certificate and key: {why}", file=sys.stderr)
        return EXIT_INVALID


def _live_session(args: argparse.Namespace, speed: float | None,
                  refuse: Callable[[DrillSession], str | None] | None = None,
                  writes: list[_Output] | None = None, reads: list[_File] | None = None,
                  ) -> DrillSession | int:
    """The live drill of ``drill play`` and ``drill host``: resumed from ``--resume`` (at
    ``speed`` if given, else the speed it ran at) or started; an exit code if neither.

    ``refuse`` says why a new drill cannot be carried out (None when it can): it looks
    at the drill before its journal is started, so a refused drill leaves none behind.
    ``writes`` are the command's outputs besides the journal, and ``reads`` the files it
    reads besides the scenario or the journal carried on: none may write over another."""
    from scenarios import ScenarioError, load_scenario, resolve_scenario_arg
    from sim.runs.session import DEFAULT_SPEED, DrillSession, JournalError, JournalExists

    tokens = args.command == "host"  # its invitation tokens are kept beside the journal
    seed = 0 if args.seed is None else args.seed
    try:
        if args.resume:
            if args.journal:
                print(f"drill {args.command}: --journal and --resume go apart: a resumed drill "
                      "carries on recording in the journal it is resumed from", file=sys.stderr)
                return EXIT_INVALID
            if _overwrites(args.command, writes or [], [
                    *_journal_files(args.resume, "it carries on", tokens=tokens),
                    *(reads or [])]):
                return EXIT_INVALID
            session = DrillSession.resume(Path(args.resume), check=_as_recorded(args))
            if speed is not None:
                session.set_speed(speed)
            return session
        try:
            loaded = load_scenario(resolve_scenario_arg(args.scenario), args.allow_include)
        except ScenarioError as exc:
            _problems(exc)
            return EXIT_INVALID
        journal = args.journal
        if _overwrites(args.command, [
                ("--journal", journal,
                 _journal_files(journal, "it records", tokens=tokens) if journal else []),
                *(writes or [])], [*_scenario_files(loaded), *(reads or [])]):
            return EXIT_INVALID
        if refuse is not None:
            why = refuse(DrillSession.start(loaded, seed=seed, human=args.role,
                                            record=False))
            if why is not None:
                print(why, file=sys.stderr)
                return EXIT_CANNOT_RUN
        return DrillSession.start(
            loaded, seed=seed, human=args.role,
            journal_path=Path(args.journal) if args.journal else None,
            speed=speed if speed is not None else DEFAULT_SPEED,
        )
    except JournalExists as exc:  # play and host each carry a drill on with their --resume
        print(f"{exc}, or carry on the drill recorded there with "
              f"drill {args.command} --resume {shell_word(exc.path)}", file=sys.stderr)
        return _journal_exit(exc)
    except JournalError as exc:
        print(exc, file=sys.stderr)
        return _journal_exit(exc)


def _as_recorded(args: argparse.Namespace) -> Callable[[DrillSession, dict], str | None]:
    """What ``--resume`` checks before it carries a drill on: a drill is resumed as its
    journal recorded it, so a scenario, ``--seed`` or ``--role`` given with it must be
    the journal's own (they are refused, never silently ignored)."""

    def check(session: DrillSession, meta: dict) -> str | None:
        from sim.safe.text import one_line

        where = f"the drill recorded in {args.resume}"
        drill = session.scenario.drill
        if args.scenario is not None and not _names_scenario(args, drill.id):
            return (f"drill {args.command}: {one_line(str(args.scenario))[:200]} is not the "
                    f"scenario of {where} ({one_line(drill.id)}); --resume plays the journal's "
                    "own copy of its scenario: leave the scenario out")
        if args.seed is not None and args.seed != session.seed:
            return (f"drill {args.command}: --seed {args.seed}: {where} was played with seed "
                    f"{session.seed}, which a resumed drill keeps; leave --seed out")
        if args.role:
            people = [a for a, h in session.human_roles.items() if h]
            if set(args.role) != set(people):
                played = ", ".join(people) or "none: the automated policy plays every role"
                return (f"drill {args.command}: --role {', '.join(args.role)}: the roles people "
                        f"play in a resumed drill come from its journal ({played}); leave "
                        "--role out (the facilitator's console hands roles over)")
        return None

    return check


def _names_scenario(args: argparse.Namespace, drill_id: str) -> bool:
    """Whether the scenario argument is the one with this drill id."""
    from scenarios import ScenarioError, load_scenario, resolve_scenario_arg

    try:
        loaded = load_scenario(resolve_scenario_arg(args.scenario), args.allow_include)
    except ScenarioError:
        return False
    return loaded.scenario.drill.id == drill_id


def cmd_host(args: argparse.Namespace) -> int:
    """Serve one live drill to terminals over the network (see docs/security.md)."""
    import math

    from sim.net.invites import public_host_problem
    from sim.net.run import HostError, check_invites, check_listen, host, parse_listen
    from sim.runs.session import JournalError
    from sim.safe.text import one_line

    speed = args.speed
    if speed is not None and (not math.isfinite(speed) or speed <= 0):
        print("--speed must be a positive number", file=sys.stderr)
        return EXIT_INVALID
    if bool(args.cert) != bool(args.key):
        print("--cert and --key go together: the certificate and its private key", file=sys.stderr)
        return EXIT_INVALID
    if args.new_invites and not args.resume:
        print("drill host: --new-invites goes with --resume: a new drill issues new "
              "invitations anyway", file=sys.stderr)
        return EXIT_INVALID
    if args.keymap and not args.console:
        print("drill host: --keymap goes with --console: it moves the console's keys",
              file=sys.stderr)
        return EXIT_INVALID
    try:
        parse_listen(args.listen)
        check_invites(args.invites)  # a file no invitation could be written to
        if args.public_host and (problem := public_host_problem(args.public_host)) is not None:
            # the invitations would name it: nobody could join with them
            raise HostError(f"--public-host: {one_line(args.public_host)[:80]}: {problem}")
    except HostError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    tls = _tls(args)
    if isinstance(tls, int):
        return tls
    keymap = _keymap(args) if args.console else {}  # checked before any journal is written
    if keymap is None:
        return EXIT_INVALID
    from sim.net.server import oversized_frame

    def refuse(trial: DrillSession) -> str | None:
        try:  # an address the server cannot listen on: no journal is started for nothing
            check_listen(args.listen)
        except HostError as exc:
            return str(exc)
        too_large = oversized_frame(trial)
        return None if too_large is None else f"cannot host this drill: {too_large}"

    session = _live_session(
        args, speed, refuse,
        writes=[_output("--invites", args.invites, "the invitations file it writes")],
        reads=[(f"the {what} it reads ({path})", Path(path))
               for what, path in (("certificate", args.cert), ("private key", args.key)) if path])
    if isinstance(session, int):
        return session
    print(f"journal: {session.path}", file=sys.stderr, flush=True)
    status = EXIT_OK
    console = None
    if args.console:  # the facilitator's console in this process, connected to the server
        from tui.net import console_runner

        console = console_runner(args.cert, keymap)
    try:
        host(session, listen=args.listen, tls=tls, speed=speed, running=args.start,
             invites_file=args.invites, public_host=args.public_host,
             new_invites=args.new_invites, console=console)
    except HostError as exc:
        print(exc, file=sys.stderr)
        status = EXIT_CANNOT_RUN
    finally:
        try:
            session.close()
        except JournalError as exc:
            print(exc, file=sys.stderr)
            status = EXIT_CANNOT_RUN
    print(f"journal: {session.path}", file=sys.stderr)
    if not session.finished and session.path is not None:  # a hosted drill is always recorded
        print(f"carry on with: drill host --resume {shell_word(session.path)}", file=sys.stderr)
    return status


def _invitation_in(stream: TextIO) -> str:
    """The invitation read from ``stream``, line by line: blank lines and ``#`` lines
    (the labels of an ``--invites`` file) are passed over; the first other line gives
    the ``ws://`` or ``wss://`` address in it (a line as ``drill host`` prints it, ``role
    certph: wss://...``, may be given as it is), or, holding none, itself, for the usual
    message."""
    import re

    for _ in range(1000):
        line = stream.readline(64 * 1024)
        if not line:
            break
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        found = re.search(r"(?<![\w+.-])wss?://\S+", text)
        return found.group(0) if found is not None else text
    return ""


def cmd_join(args: argparse.Namespace) -> int:
    """Follow a drill served by ``drill host`` with an invitation."""
    from sim.net.client import CafileError
    from sim.net.invites import InviteError, parse_invite
    from sim.net.run import DrillConnectionError, JoinRefused, join

    url = args.url
    if url == "-":  # from standard input, so the token stays out of the process list
        url = _invitation_in(sys.stdin)
    try:
        parse_invite(url)
    except InviteError as exc:
        print(f"drill join: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.print and args.keymap:
        print("drill join: --keymap goes with the terminal view: --print has no keys",
              file=sys.stderr)
        return EXIT_INVALID
    keymap = {} if args.print else _keymap(args)  # checked before connecting
    if keymap is None:
        return EXIT_INVALID
    try:
        if args.print:
            return join(url, cafile=args.cafile)
        from sim.net.client import crosses_network_unencrypted
        from tui.net import join_view  # only the UI imports Textual

        if crosses_network_unencrypted(url):
            print("warning: this invitation is not encrypted (ws://) and goes to another machine: "
                  "its token and the drill cross the network in clear", file=sys.stderr)
        return join_view(url, cafile=args.cafile, keymap=keymap)
    except (JoinRefused, CafileError) as exc:
        print(f"drill join: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except DrillConnectionError as exc:
        print(f"drill join: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN


def cmd_web(args: argparse.Namespace) -> int:
    """Serve a page where participants join a drill from a browser (the ``[web]`` extra)."""
    from sim.net.run import HostError, parse_listen
    from sim.net.server import is_local
    from tui.web import MISSING_EXTRA, WebError, drill_server, missing_extra

    try:
        server = drill_server(args.server)
        listen = args.listen
        if ":" not in listen.rsplit("]", 1)[-1]:  # a host alone: the page's own default port
            listen += ":8080"
        bind, port = parse_listen(listen)
    except (WebError, HostError) as exc:
        print(f"drill web: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if bool(args.cert) != bool(args.key):
        print("--cert and --key go together: the certificate and its private key", file=sys.stderr)
        return EXIT_INVALID
    from tui.web_server import gateway_class, serve

    try:
        Gateway = gateway_class()
    except ImportError as exc:
        if not missing_extra(exc):
            raise
        print(MISSING_EXTRA, file=sys.stderr)
        return EXIT_CANNOT_RUN
    tls = _tls(args)
    if isinstance(tls, int):
        return tls
    gateway = Gateway(server, host=bind, port=port, tls=tls, public_url=args.public_url,
                      cafile=args.cafile)

    def ready() -> None:
        scheme = "https" if tls else "http"
        where = args.public_url or f"{scheme}://{bind}:{gateway.bound_port}/"
        print(f"browser access at {where} for the drill at {server}; ctrl-c stops it",
              file=sys.stderr, flush=True)
        secure = tls is not None or (args.public_url or "").startswith("https:")
        if not secure and not is_local(bind):
            print(f"warning: listening on {bind} without TLS: the invitations pasted into the "
                  "page would cross the network unencrypted; give --cert and --key, or serve "
                  "it behind an HTTPS reverse proxy (--public-url https://...)",
                  file=sys.stderr, flush=True)

    try:
        serve(gateway, ready)
    except OSError as exc:
        print(f"cannot listen on {bind}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return EXIT_OK


def cmd_journals(args: argparse.Namespace) -> int:
    from scenarios.durations import clock_minute
    from sim.runs.session import journal_dir, list_journals
    from sim.safe.text import one_line

    directory = Path(args.dir) if args.dir else journal_dir()
    # a file or folder name may hold a tab or a line break: each is shown as an escape,
    # so every journal is one line of tab-separated cells
    folder = one_line(str(directory))
    # a folder named on purpose (--dir, or the home ACID_DRILL_HOME names) that is not
    # there is a mistake, not a folder without journals: saying "no journals" would read
    # as if every recorded drill were gone; the journals folder itself is made by the
    # first drill recorded in it
    home = os.environ.get("ACID_DRILL_HOME")
    named = directory if args.dir else (Path(home) if home else None)
    for path in (directory, named):
        if path is not None and path.exists() and not path.is_dir():
            print(f"error: {one_line(str(path))} is not a folder", file=sys.stderr)
            return EXIT_INVALID
    if named is not None and not named.exists():
        what = "no such folder" if args.dir else "ACID_DRILL_HOME names no folder"
        print(f"error: {what}: {one_line(str(named))}", file=sys.stderr)
        return EXIT_INVALID
    rows = list_journals(directory)
    if not rows:
        print(f"no journals in {folder}")
        return EXIT_OK
    print(f"journals in {folder}, most recently written first:", file=sys.stderr)
    for row in rows:
        if isinstance(row, tuple):
            print(f"{one_line(str(row[0]))}\t(unreadable: {one_line(row[1])})")
            continue
        state = "ended" if row.finished else f"at {clock_minute(row.drill_time)}"
        print(f"{one_line(str(row.path))}\t{one_line(row.scenario)}\t{one_line(row.created)}\t"
              f"{state}\t{row.commands} actions, {row.events} events")
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from sim.runs.batch import (
        OWN_FILES,
        BatchCannotRun,
        BatchConfig,
        BatchError,
        check_metric,
        load_variants_file,
        out_folder,
        parse_sweep,
        parse_variant,
        render_summary,
        run_batch,
        sweep_reached,
        sweep_table,
        sweep_ylabel,
    )
    from sim.safe.files import FileProblem, write_private

    loaded = _load_or_say(args.scenario, args.allow_include)
    if loaded is None:
        return EXIT_INVALID

    out = Path(args.out)
    if _overwrites("batch", [("--out", args.out, [(f"the batch's {out / name}", out / name)
                                                  for name in OWN_FILES])],
                   [*_scenario_files(loaded),
                    *((f"a variants file it reads ({f})", Path(f)) for f in args.variants or ())]):
        return EXIT_INVALID

    def notice(line: str) -> None:
        print(f"drill batch: {line}", file=sys.stderr)

    bars: list = []

    def progress(total: int, done: int):
        bars.append(_progress_bar(total, done))
        return bars[-1]

    def stop(message: str) -> None:
        for bar in bars:  # end the bar's line before saying what went wrong
            bar.close()
        print(message, file=sys.stderr)

    metric = args.metric or _default_sweep_metric(loaded.scenario)
    try:
        variants = [parse_variant(v) for v in args.variant]
        for f in args.variants or []:
            variants += load_variants_file(Path(f))
        sweep = parse_sweep(args.sweep) if args.sweep else []
        variants += sweep
        if args.metric is not None and not sweep:
            raise BatchError(f"--metric {args.metric!r}: applies to sweeps only (it chooses "
                             "what the sweep table and chart show); add --sweep, or leave "
                             "--metric out: summary.txt lists every metric")
        if args.metric is not None:
            check_metric(loaded.scenario, metric)
        cfg = BatchConfig(
            n=args.n, seed=args.seed, jobs=args.jobs, out=out_folder(args.out),
            backend=args.backend, scheduler=args.scheduler, chunk=args.chunk,
            resume=args.resume,
        )
        result = run_batch(loaded, variants, cfg, progress=progress, notice=notice,
                           allow_include=tuple(args.allow_include))
        for bar in bars:  # a resumed batch that was all done never advances its bar
            bar.close()
        text = render_summary(result.summary)
        if sweep:
            from sim.analysis.plot import ascii_plot, svg_plot

            table, xs, series, bands = sweep_table(result.summary, sweep, metric)
            # how many runs reached it at each value: the figures are over those only
            reached = sweep_reached(result.summary, sweep, metric)
            label = sweep[0].changes[0][0]
            svg = result.out / "sweep.svg"
            ylabel = sweep_ylabel(metric)
            write_private(svg, svg_plot(xs, series, bands, title=f"{metric} against {label}",
                                        xlabel=label, ylabel=ylabel, reached=reached))
            write_private(result.out / "sweep.txt", table)
            text += "\n" + table + "\n" + ascii_plot(xs, series, ylabel=ylabel,
                                                      reached=reached)
            result.files += [result.out / "sweep.txt", svg]
    except BatchCannotRun as exc:
        stop(f"drill batch: {exc}")
        return EXIT_CANNOT_RUN
    except (BatchError, FileProblem) as exc:
        stop(f"drill batch: {exc}")
        return EXIT_INVALID
    except PermissionError as exc:  # a folder of --out that may not be looked into
        where = f"{exc.filename}: " if exc.filename else ""
        stop(f"drill batch: {where}{exc.strerror or exc}")
        return EXIT_INVALID
    except KeyboardInterrupt:
        stop(f"interrupted; finished chunks are kept in {args.out}; "
             f"carry on with the same command and --resume")
        return 130
    sys.stdout.write(text)
    print("wrote " + ", ".join(str(f) for f in result.files), file=sys.stderr)
    return EXIT_OK


def _open_review(args: argparse.Namespace, readonly: bool = False, background: bool = False):
    """(review, journal), or None after saying why the journal cannot be reviewed."""
    from sim.analysis.review import load_review
    from sim.runs.session import JournalError

    if args.runs < 0:
        print(f"--runs must be 0 or more (got {args.runs})", file=sys.stderr)
        return None
    try:
        return load_review(Path(args.journal), runs=args.runs, readonly=readonly,
                           background=background)
    except JournalError as exc:
        print(exc, file=sys.stderr)
        return None


#: Report formats, and the file suffixes that choose them when --format is not given.
REPORT_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                  ".json": "json", ".txt": "text", ".docx": "docx"}


#: what `drill report` and `drill review` say of a journal kept without checksums
UNCHECKED_JOURNAL = ("version-1 journal, written without checksums: an edit made to it since "
                     "cannot be found")


def cmd_report(args: argparse.Namespace) -> int:
    from sim.analysis import aar

    if _overwrites("report", [_output("-o", args.output, "the report")],
                   _journal_files(args.journal, "it reads")):
        return EXIT_INVALID
    fmt = args.format
    if fmt is None and args.output:
        fmt = REPORT_FORMATS.get(Path(args.output).suffix.lower())
        if fmt is None:
            print(f"drill report: cannot tell the format from {args.output!r}; name it .md, "
                  ".html, .json, .txt or .docx, or give --format md, html, json, text or docx",
                  file=sys.stderr)
            return EXIT_INVALID
    if fmt == "docx" and not args.output:
        print("drill report: a Word report is a file; give -o REPORT.docx", file=sys.stderr)
        return EXIT_INVALID
    opened = _open_review(args, readonly=True)
    if opened is None:
        return EXIT_INVALID
    review, journal = opened
    journal.close()
    if not journal.chained:
        print(f"drill report: note: {args.journal} is a {UNCHECKED_JOURNAL}", file=sys.stderr)
    if fmt == "docx":
        from sim.analysis.docx_report import render_docx
        from sim.safe.files import FileProblem, write_private

        try:
            write_private(args.output, render_docx(review))
        except FileProblem as exc:
            print(exc, file=sys.stderr)
            return EXIT_CANNOT_RUN
        print(f"wrote {args.output}", file=sys.stderr)
        return EXIT_OK
    render = {"html": aar.render_html, "json": aar.render_json, "text": aar.render_text}.get(
        fmt or "md", aar.render_markdown)
    return EXIT_OK if _write_out(render(review), args.output) else EXIT_CANNOT_RUN


def cmd_review(args: argparse.Namespace) -> int:
    keymap = _keymap(args)
    if keymap is None:
        return EXIT_INVALID
    opened = _open_review(args, background=True)  # the screen runs the model's runs
    if opened is None:
        return EXIT_INVALID
    review, journal = opened
    notices = []  # said before the screen opens, and again on it
    if not journal.writable:
        notices.append(f"{journal.path}: the journal is read-only; ratings and notes will not "
                       "be saved")
    if not journal.chained:
        notices.append(f"{journal.path} is a {UNCHECKED_JOURNAL}")
    for notice in notices:
        print(notice, file=sys.stderr)
    from tui.review import ReviewApp  # only the UI command imports Textual

    try:
        ReviewApp(review, journal if journal.writable else None, keymap=keymap,
                  notices=notices).run()
    finally:
        journal.close()
    return EXIT_OK


EXIT_WARNINGS = 1


def cmd_lint(args: argparse.Namespace) -> int:
    from scenarios import ScenarioError, load_scenario, resolve_scenario_arg
    from sim.authoring.lint import lint
    from sim.safe.text import one_line

    worst = EXIT_OK
    for name in args.files:
        path = resolve_scenario_arg(name)
        try:
            loaded = load_scenario(path, args.allow_include)
        except ScenarioError as exc:
            for p in exc.problems:
                where = f"{p.path}: " if p.path else ""
                # one line each, whatever the file's name or the quoted text holds
                print(one_line(f"{p.mark}: error: {where}{p.message}"))
            worst = EXIT_INVALID
            continue
        findings = lint(loaded)
        for f in findings:
            print(f)  # a finding prints as one line (Finding.__str__)
        if findings:
            worst = max(worst, EXIT_INVALID if args.strict else EXIT_WARNINGS)
        else:
            print(f"{one_line(str(path))}: clean")
    return worst


def _write_out(text: str, output: str | None) -> bool:
    """Write ``text`` to ``output`` (a private file), or to stdout; False (after saying
    why) on failure."""
    from sim.safe.files import FileProblem, write_private

    if not output:
        sys.stdout.write(text)
        return True
    try:
        write_private(output, text)
    except FileProblem as exc:
        print(exc, file=sys.stderr)
        return False
    print(f"wrote {output}", file=sys.stderr)
    return True


def cmd_schema(args: argparse.Namespace) -> int:
    from scenarios.schema import schema_text

    if not _write_out(schema_text(), args.output):
        return EXIT_CANNOT_RUN
    if args.output:
        # the modeline's path is relative to the scenario file: for a scenario beside
        # the schema, it is the schema's own name
        output = Path(args.output)
        folder = "this folder" if output.parent == Path() else str(output.parent)
        print(f"start a scenario in {folder}, beside the schema, with: "
              f"# yaml-language-server: $schema={output.name}", file=sys.stderr)
    return EXIT_OK


TEMPLATES = ("cert-takedown", "regional-ddos", "law-enforcement")
#: the longest id a scenario allows (drill.id, as every id)
MAX_ID_CHARS = 64


def cmd_new(args: argparse.Namespace) -> int:
    import re
    from importlib import resources

    from sim.safe.files import FileProblem, write_private

    if args.name.endswith(("/", os.sep)):
        print(f"drill new: {args.name!r} names a folder; give the new file's name, e.g. "
              f"{args.name.rstrip('/' + os.sep)}/my-drill", file=sys.stderr)
        return EXIT_INVALID
    name = args.name.removesuffix(".yaml")
    ident = Path(name).name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", ident):
        print(f"drill new: {ident!r} is not a usable id (letters, digits, '-', '_', '.')",
              file=sys.stderr)
        return EXIT_INVALID
    if len(ident) > MAX_ID_CHARS:
        # the name becomes drill.id, which the scenario format limits
        print(f"drill new: {ident!r} is too long for an id ({len(ident)} characters; at most "
              f"{MAX_ID_CHARS})", file=sys.stderr)
        return EXIT_INVALID
    target = Path(name).parent / f"{ident}.yaml"
    if _in_bundled("new", "NAME", target):
        return EXIT_INVALID
    if target.exists():
        print(f"drill new: {target} already exists; choose another name", file=sys.stderr)
        return EXIT_INVALID
    text = (resources.files("scenarios.templates") / f"{args.template}.yaml").read_text(
        encoding="utf-8")
    title = ident.replace("-", " ").replace("_", " ").capitalize()
    text = text.replace("__ID__", ident).replace("__TITLE__", title)
    try:
        write_private(target, text)
    except FileProblem as exc:
        print(f"drill new: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    print(f"wrote {target} from the {args.template} template. Next:\n"
          f"  drill schema -o {target.parent / 'scenario.schema.json'}   # editor completion\n"
          f"  drill validate {target} && drill lint {target} && drill explain {target}\n"
          f"  drill run {target}", file=sys.stderr)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from sim.authoring.explain import explain

    loaded = _load_or_say(args.file, args.allow_include)
    if loaded is None:
        return EXIT_INVALID
    sys.stdout.write(explain(loaded.scenario))
    return EXIT_OK


def _load_or_say(name: str | None, allow_include: tuple[str, ...]):
    """The loaded scenario, or None after printing its problems."""
    from scenarios import ScenarioError, load_scenario, resolve_scenario_arg

    try:
        return load_scenario(resolve_scenario_arg(name), allow_include)
    except ScenarioError as exc:
        _problems(exc)
        return None


def _in_bundled(command: str, option: str, given: str | Path) -> bool:
    """Whether ``given`` is in the bundled scenarios' folder, which is never written
    (after saying so, in one line); symbolic links are followed."""
    from scenarios.loader import bundled_dir

    if not Path(given).resolve().is_relative_to(bundled_dir().resolve()):
        return False
    print(f"drill {command}: {option} {given} is in the folder of the bundled scenarios, "
          f"which is never written; choose another {option}", file=sys.stderr)
    return True


def _msel_problems(problems: list[str], outcome: str, unlisted: int = 0) -> int:
    """Each problem of a spreadsheet or its scenario on a line, then how many (``unlisted``
    more were counted but not listed) and what became of the file (``outcome``); the
    exit code."""
    for line in problems:
        print(line, file=sys.stderr)
    listed = len(problems)
    n = listed + unlisted
    print(f"{n:,} problem{'s' if n != 1 else ''} found"
          + (f" ({listed} listed)" if unlisted else "") + f"; {outcome}", file=sys.stderr)
    return EXIT_INVALID


def cmd_msel_export(args: argparse.Namespace) -> int:
    from sim.authoring import msel_io
    from sim.safe.files import FileProblem, write_private

    suffix = Path(args.output).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        print(f"drill msel export: name the output .xlsx or .csv (got {args.output!r})",
              file=sys.stderr)
        return EXIT_INVALID
    if _in_bundled("msel export", "-o", args.output):
        return EXIT_INVALID
    loaded = _load_or_say(args.scenario, args.allow_include)
    if loaded is None:
        return EXIT_INVALID
    if _overwrites("msel export", [_output("-o", args.output, "the MSEL")],
                   _scenario_files(loaded)):
        return EXIT_INVALID
    try:
        data = msel_io.xlsx_bytes(loaded) if suffix == ".xlsx" else msel_io.csv_text(loaded)
    except msel_io.MselError as exc:
        return _msel_problems(exc.problems, f"{args.output} was not written")
    try:
        write_private(args.output, data)
    except FileProblem as exc:
        print(exc, file=sys.stderr)
        return EXIT_CANNOT_RUN
    print(f"wrote {args.output} ({len(loaded.scenario.injects)} injects)", file=sys.stderr)
    return EXIT_OK


def cmd_msel_import(args: argparse.Namespace) -> int:
    from scenarios import ScenarioError, resolve_scenario_arg
    from scenarios.loader import bundled_dir, load_outside_injects
    from scenarios.yamlsrc import Unreadable, read_bounded
    from sim.authoring import msel_io
    from sim.safe.files import FileProblem, same_file, write_private

    unchanged = f"{args.into} was not changed"
    # the injects: block is replaced whole: injects that no longer validate (an actor
    # renamed everywhere else), or none at all, do not stop the import; everything else
    # must be sound, and the scenario with its new injects is checked in full
    try:
        loaded = load_outside_injects(resolve_scenario_arg(args.into), args.allow_include)
    except ScenarioError as exc:
        return _msel_problems([str(p) for p in exc.problems], unchanged,
                              sum(p.unlisted for p in exc.problems))
    # -o naming the --into file itself is the same as leaving it out
    in_place = not args.output or same_file(args.output, loaded.path)
    if in_place and loaded.path.resolve().is_relative_to(bundled_dir().resolve()):
        print(f"drill msel import: {args.into!r} is a bundled scenario; write the result "
              "elsewhere with -o NEW.yaml", file=sys.stderr)
        return EXIT_INVALID
    if not in_place and _in_bundled("msel import", "-o", args.output):
        return EXIT_INVALID
    # in place, the scenario's own file is rewritten: the file it points to when it is
    # a symbolic link, so that the link stays a link and ./ includes still resolve from
    # that file's folder; the new text is checked against the file written
    linked = in_place and loaded.path.is_symlink()
    output = Path(args.output) if not in_place else \
        loaded.path.resolve() if linked else loaded.path
    # rewriting the --into file is what is asked; any other file read is left alone,
    # the artefact files its injects name included (taken from the file as it is: those
    # injects need not be valid, as the import replaces them)
    reads = [(f"the MSEL it reads ({args.file})", Path(args.file)),
             *_scenario_files(loaded)[1 if in_place else 0:],
             *((f"an artefact file of the scenario ({name})", target)
               for name, target in msel_io.artefact_files(loaded))]
    option = "-o" if args.output else "--into"
    if _overwrites("msel import", [_output(option, args.output or args.into, "the scenario")],
                   reads):
        return EXIT_INVALID
    try:
        mapping = msel_io.parse_column_map(args.columns)
        table = msel_io.read_table(args.file, args.encoding)
        source = read_bounded(loaded.path, 16 * 1024 * 1024, what="scenario file")
        result = msel_io.import_msel(loaded, source.decode("utf-8"), table, mapping,
                                     output=output,
                                     allow_include=tuple(args.allow_include or ()))
    except msel_io.MselError as exc:
        return _msel_problems(exc.problems, unchanged)
    except (Unreadable, UnicodeDecodeError) as exc:
        return _msel_problems([str(exc) if isinstance(exc, Unreadable)
                               else f"{loaded.path}: is not UTF-8 text"], unchanged)
    for note in result.notes:
        print(note, file=sys.stderr)
    try:
        # as bytes: the text keeps the file's own line endings on every platform
        write_private(output, result.text.encode("utf-8"))
    except FileProblem as exc:
        print(exc, file=sys.stderr)
        return EXIT_CANNOT_RUN
    through = f"; {loaded.path} links to it" if linked else ""
    print(f"wrote {output} ({len(result.injects)} injects{through})", file=sys.stderr)
    return EXIT_OK


def cmd_handout(args: argparse.Namespace) -> int:
    from sim.authoring import handouts
    from sim.safe.files import FileProblem

    if not args.all and not args.role:
        print("drill handout: give --role ROLE (one or more) or --all", file=sys.stderr)
        return EXIT_INVALID
    loaded = _load_or_say(args.scenario, args.allow_include)
    if loaded is None:
        return EXIT_INVALID
    sc = loaded.scenario
    unknown = [r for r in args.role or () if r not in sc.actors]
    if unknown:
        import difflib

        for r in unknown:
            close = difflib.get_close_matches(r, list(sc.actors), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            print(f"--role: unknown actor {r!r}{hint}", file=sys.stderr)
        return EXIT_INVALID
    folder = Path(args.output)
    if _in_bundled("handout", "-o", folder):
        return EXIT_INVALID
    names = [f"role-{aid}.html" for aid in (sc.actors if args.all else args.role)]
    if args.all:
        names += ["controller.html", "cards.html"]
    if args.pdf:
        names += [name.replace(".html", ".pdf") for name in names]
    if _overwrites("handout", [("-o", args.output, [(f"the handout {folder / name}",
                                                     folder / name) for name in names])],
                   _scenario_files(loaded)):
        return EXIT_INVALID
    try:
        written = handouts.write_packets(sc, Path(args.output),
                                         roles=None if args.all else args.role, pdf=args.pdf)
    except FileProblem as exc:
        print(exc, file=sys.stderr)
        return EXIT_CANNOT_RUN
    except handouts.NoPdf as exc:
        print(exc, file=sys.stderr)
        return EXIT_CANNOT_RUN
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def _default_sweep_metric(scenario: Scenario) -> str:
    """When the regional council is reached or, in a drill without one (where that is not
    applicable), when every affected CERT is; of the first incident, when there are
    several (named, so that the sweep says which)."""
    incidents = list(dict.fromkeys(inj.incident.id for inj in scenario.injects))
    council = any(a.kind == "regional_council" for a in scenario.actors.values())
    metric = "ansac_reached" if council else "all_certs_reached"
    return f"{incidents[0]}:{metric}" if len(incidents) > 1 else metric


def _progress_bar(total: int, done: int):
    from tqdm import tqdm

    # the bar redraws itself with carriage returns: it writes to the raw stream, and all
    # it shows is our own fixed text and numbers. Only to a terminal: redirected to a
    # file or a pipe, its frames would be noise in a log (what the batch wrote and
    # anything that went wrong are said on lines of their own all the same)
    stream = getattr(sys.stderr, "raw", sys.stderr)
    try:
        terminal = bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        terminal = False
    bar = tqdm(total=total, initial=done, unit="rep", desc="replications", file=stream,
               dynamic_ncols=True, smoothing=0.1, disable=not terminal)

    def advance(k: int) -> None:
        bar.update(k)
        if bar.n >= total:
            bar.close()

    advance.close = bar.close  # type: ignore[attr-defined]
    return advance


def _allow_include(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-include", type=_folder_arg, action="append", default=[], metavar="FOLDER",
        help="also let includes read files from FOLDER (by default only the scenario's "
        "own folder tree and the bundled library)",
    )


class _Version(argparse.Action):
    """``--version``: the version from pyproject.toml (through the package metadata)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from sim.version import product_version

        print(f"drill (acid-drill) {product_version()}")
        parser.exit()


def _keymap_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keymap", type=_file_arg, metavar="FILE",
                   help="a TOML file moving keys by binding id (default: $ACID_DRILL_KEYMAP, "
                        "else ~/.config/acid-drill/keymap.toml if it exists; see docs/keys.md)")


#: every command, in the order ``drill --help`` lists them (a test keeps it whole)
COMMANDS = ("run", "validate", "scenarios", "play", "batch", "review", "report", "lint",
            "explain", "schema", "msel", "handout", "new", "host", "join", "web", "journals")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, one of :data:`COMMANDS`, the parser of
    that command alone (the others take start-up time and play no part in its run)."""
    parser = argparse.ArgumentParser(
        prog="drill",
        description="Tabletop simulator for cross-border cyber-incident drills (ACID style).",
    )
    parser.add_argument("--version", action=_Version, help="print the version of drill and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    if only in (None, "run"):
        run = sub.add_parser(
            "run", help="run a scenario with the automated policy and print its escalation timing"
        )
        run.add_argument(
            "scenario", type=_file_arg, nargs="?", default=None,
            help=f"scenario file, or a bundled scenario id (default: {DEFAULT_SCENARIO})",
        )
        run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        run.add_argument("--json", action="store_true", help="print the report as JSON")
        run.add_argument("--slowest", type=_count, default=5, metavar="N",
                         help="how many slowest hops to list (default 5; 0: leave the list out)")
        run.add_argument("--events", type=_file_arg, metavar="FILE",
                         help="also write the event log as JSON lines")
        run.add_argument("--journal", type=_file_arg, metavar="FILE",
                         help="record the run in a drill journal, for drill review and drill report")
        _allow_include(run)
        run.set_defaults(func=cmd_run)

    if only in (None, "validate"):
        val = sub.add_parser("validate", help="check scenario files and report every problem")
        val.add_argument("files", type=_file_arg, nargs="+", metavar="FILE")
        _allow_include(val)
        val.set_defaults(func=cmd_validate)

    if only in (None, "scenarios"):
        lst = sub.add_parser("scenarios", help="list the bundled scenarios")
        lst.set_defaults(func=cmd_scenarios)

    if only in (None, "play"):
        play = sub.add_parser("play", help="run a live drill in the terminal (facilitator and players)")
        play.add_argument(
            "scenario", type=_file_arg, nargs="?", default=None,
            help=f"scenario file or bundled id (default: {DEFAULT_SCENARIO})",
        )
        play.add_argument("--speed", type=float, default=None,
                          help="simulated seconds per wall second (default 60: an hour a "
                               "minute; a resumed drill keeps the speed it ran at)")
        play.add_argument("--role", action="append", default=[], metavar="ID",
                          help="a role played by a person (repeat for more); the rest are automated")
        play.add_argument("--seed", type=int, default=None,
                          help="random seed (default 0; a resumed drill keeps its own)")
        play.add_argument("--journal", type=_file_arg, metavar="FILE", help="where to record the drill")
        play.add_argument("--resume", type=_file_arg, metavar="JOURNAL",
                          help="carry on a drill from its journal")
        play.add_argument("--pin", action="store_true",
                          help="hot seat: ask for a facilitator's PIN at start; players need it to "
                               "leave their role for the console, the review or the clock")
        _keymap_arg(play)
        _allow_include(play)
        play.set_defaults(func=cmd_play)

    if only in (None, "batch"):
        bt = sub.add_parser(
            "batch", help="run a scenario many times (and what-if variants) for timing metrics")
        bt.add_argument("scenario", type=_file_arg, nargs="?", default=None,
                        help=f"scenario file or bundled id (default: {DEFAULT_SCENARIO})")
        bt.add_argument("-n", type=int, default=1000, help="replications (default 1000)")
        bt.add_argument("--seed", type=int, default=0, help="batch seed (default 0)")
        bt.add_argument("--jobs", type=int, default=None,
                        help="local worker processes (default: every core)")
        bt.add_argument("--out", default="batch-out", help="output folder (default batch-out)")
        bt.add_argument("--variant", action="append", default=[], metavar="'NAME: PATH=VALUE,...'",
                        help="a what-if variant, e.g. 'laocert-24x7: actors.laocert.staffing=24/7'")
        bt.add_argument("--variants", type=_file_arg, action="append", metavar="FILE",
                        help="a YAML file of variants: {variants: {name: {path: value}}}")
        bt.add_argument("--sweep", metavar="PATH=V1,V2,...|PATH=START:STOP:STEP",
                        help="run one variant per value of one parameter; plots the result")
        bt.add_argument("--metric", help="metric for the sweep table and plot, with --sweep only "
                        "(e.g. ansac_reached or botnet:contained; default ansac_reached, or "
                        "all_certs_reached in a drill without a regional council, of the first "
                        "incident when there are several)")
        bt.add_argument("--backend", choices=["local", "dask"], default="local")
        bt.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (with --backend dask)")
        bt.add_argument("--chunk", type=int, help="replications per task (default: automatic)")
        bt.add_argument("--resume", action="store_true",
                        help="finish an interrupted batch in --out, running only what is missing")
        _allow_include(bt)
        bt.set_defaults(func=cmd_batch)

    if only in (None, "review"):
        rv = sub.add_parser("review", help="review a drill's escalation timing in the terminal")
        rv.add_argument("journal", type=_file_arg,
                        help="a drill journal (drill play, or drill run --journal)")
        # 200 is sim.analysis.review.MODEL_RUNS, written out so that --help stays light (a
        # test keeps the two equal)
        rv.add_argument("--runs", type=int, default=200,
                        help="automated runs to compare people's play against (default 200; 0: none)")
        _keymap_arg(rv)
        rv.set_defaults(func=cmd_review)

    if only in (None, "report"):
        rp = sub.add_parser("report", help="write an after-action report (HSEEP AAR/IP)")
        rp.add_argument("journal", type=_file_arg, help="a drill journal")
        rp.add_argument("--format", choices=["md", "html", "json", "text", "docx"],
                        help="report format (default: from the -o file's suffix, .md, .html, "
                        ".json, .txt or .docx; Markdown on stdout)")
        rp.add_argument("-o", "--output", type=_file_arg, metavar="FILE", help="write here instead of stdout")
        rp.add_argument("--runs", type=int, default=200,
                        help="automated runs to compare people's play against (default 200; 0: none)")
        rp.set_defaults(func=cmd_report)

    if only in (None, "lint"):
        ln = sub.add_parser("lint", help="find likely mistakes in scenario files (beyond validation)")
        ln.add_argument("files", type=_file_arg, nargs="+", metavar="FILE")
        ln.add_argument("--strict", action="store_true", help="treat warnings as errors")
        _allow_include(ln)
        ln.set_defaults(func=cmd_lint)

    if only in (None, "explain"):
        ex = sub.add_parser("explain", help="print a scenario for a person to check")
        ex.add_argument("file", type=_file_arg, metavar="FILE")
        _allow_include(ex)
        ex.set_defaults(func=cmd_explain)

    if only in (None, "schema"):
        sc = sub.add_parser("schema", help="write the JSON Schema of the scenario format")
        sc.add_argument("-o", "--output", type=_file_arg, metavar="FILE", help="write here instead of stdout")
        sc.set_defaults(func=cmd_schema)

    if only in (None, "msel"):
        ms = sub.add_parser("msel", help="the MSEL as a spreadsheet: export it, or import an edited one")
        ms_sub = ms.add_subparsers(dest="msel_command", metavar="ACTION", required=True)
        mx = ms_sub.add_parser("export", help="write the scenario's MSEL as XLSX or CSV")
        mx.add_argument("scenario", type=_file_arg, nargs="?", default=None,
                        help=f"scenario file, or a bundled scenario id (default: {DEFAULT_SCENARIO})")
        mx.add_argument("-o", "--output", type=_file_arg, metavar="FILE", required=True,
                        help="msel.xlsx (with the actors' and expectations' sheets) or msel.csv")
        _allow_include(mx)
        mx.set_defaults(func=cmd_msel_export)
        mi = ms_sub.add_parser("import", help="replace a scenario's injects with an MSEL spreadsheet")
        mi.add_argument("file", type=_file_arg, metavar="MSEL", help="an .xlsx or .csv MSEL")
        mi.add_argument("--into", type=_file_arg, metavar="SCENARIO", required=True,
                        help="the scenario file whose injects are replaced")
        mi.add_argument("-o", "--output", type=_file_arg, metavar="FILE",
                        help="write the new scenario here (default: rewrite the --into file)")
        mi.add_argument("--columns", metavar="MAP",
                        help="map another tool's headers to fields: 'Time=at,Message=text,...'")
        mi.add_argument("--encoding", metavar="NAME",
                        help="encoding of a CSV that is not UTF-8 (e.g. cp1252, cp874)")
        _allow_include(mi)
        mi.set_defaults(func=cmd_msel_import)

    if only in (None, "handout"):
        ho = sub.add_parser("handout", help="write printable inject cards and each role's packet")
        ho.add_argument("scenario", type=_file_arg, nargs="?", default=None,
                        help=f"scenario file, or a bundled scenario id (default: {DEFAULT_SCENARIO})")
        ho.add_argument("--role", action="append", metavar="ROLE",
                        help="the actor whose packet to write (repeat for more)")
        ho.add_argument("--all", action="store_true",
                        help="every actor's packet, the controller's packet and the inject cards")
        ho.add_argument("--pdf", action="store_true",
                        help="also write PDF copies (needs the weasyprint package)")
        ho.add_argument("-o", "--output", type=_folder_arg, metavar="DIR", required=True,
                        help="folder to write into")
        _allow_include(ho)
        ho.set_defaults(func=cmd_handout)

    if only in (None, "new"):
        nw = sub.add_parser("new", help="write a commented scenario skeleton that runs as it stands")
        nw.add_argument("name", help="name of the new scenario (NAME.yaml is written; NAME, "
                                     f"its drill.id, has at most {MAX_ID_CHARS} characters)")
        nw.add_argument("--template", choices=TEMPLATES, default="cert-takedown")
        nw.set_defaults(func=cmd_new)

    if only in (None, "host"):
        hs = sub.add_parser("host", help="serve a live drill to terminals on other machines "
                                         "(prints one invitation per role)")
        hs.add_argument("scenario", type=_file_arg, nargs="?", default=None,
                        help=f"scenario file or bundled id (default: {DEFAULT_SCENARIO})")
        hs.add_argument("--role", action="append", default=[], metavar="ID",
                        help="a role played by a person (repeat for more); the rest are automated")
        hs.add_argument("--listen", default="127.0.0.1:8765", metavar="HOST:PORT",
                        help="where to listen (default 127.0.0.1:8765: this machine only)")
        hs.add_argument("--public-host", metavar="NAME",
                        help="the host name the invitations give (default: the --listen host)")
        hs.add_argument("--cert", type=_file_arg, metavar="FILE",
                        help="TLS certificate chain (PEM); with --key")
        hs.add_argument("--key", type=_file_arg, metavar="FILE", help="TLS private key (PEM); with --cert")
        hs.add_argument("--invites", type=_file_arg, metavar="FILE",
                        help="write the invitations to FILE (0600) instead of printing them")
        hs.add_argument("--new-invites", action="store_true",
                        help="on --resume: revoke the earlier invitations and issue new ones")
        hs.add_argument("--speed", type=float, default=None,
                        help="simulated seconds per wall second (default 60; a resumed drill keeps "
                             "the speed it ran at)")
        hs.add_argument("--start", action="store_true",
                        help="run the drill clock at once (otherwise the facilitator starts it)")
        hs.add_argument("--console", action="store_true",
                        help="open the facilitator's console here, connected to the server "
                             "(quitting it stops the server)")
        _keymap_arg(hs)
        hs.add_argument("--seed", type=int, default=None,
                        help="random seed (default 0; a resumed drill keeps its own)")
        hs.add_argument("--journal", type=_file_arg, metavar="FILE", help="where to record the drill")
        hs.add_argument("--resume", type=_file_arg, metavar="JOURNAL",
                        help="carry on a drill from its journal")
        _allow_include(hs)
        hs.set_defaults(func=cmd_host)

    if only in (None, "join"):
        jn = sub.add_parser("join", help="join a drill served by `drill host`, with an invitation")
        jn.add_argument("url", metavar="URL",
                        help="the invitation (ws://... or wss://...), or - to read it from stdin")
        jn.add_argument("--print", action="store_true",
                        help="follow the drill in plain text instead of the terminal UI: every "
                             "line this role may see")
        jn.add_argument("--cafile", type=_file_arg, metavar="FILE",
                        help="trust the server certificates signed by this CA (PEM), e.g. a "
                             "self-signed one")
        _keymap_arg(jn)
        jn.set_defaults(func=cmd_join)

    if only in (None, "web"):
        wb = sub.add_parser("web", help="let participants join a drill from a browser "
                                        "(needs: pip install 'acid-drill[web]')")
        wb.add_argument("--server", default="ws://127.0.0.1:8765/", metavar="URL",
                        help="the drill server `drill host` runs (default ws://127.0.0.1:8765/); "
                             "every browser session joins this one")
        wb.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT",
                        help="where to serve the page (default 127.0.0.1:8080: this machine only)")
        wb.add_argument("--public-url", metavar="URL",
                        help="the address browsers use, e.g. https://drill.example.org behind a "
                             "reverse proxy (default: the address of the request)")
        wb.add_argument("--cert", type=_file_arg, metavar="FILE",
                        help="TLS certificate chain (PEM) for https; with --key")
        wb.add_argument("--key", type=_file_arg, metavar="FILE", help="TLS private key (PEM); with --cert")
        wb.add_argument("--cafile", type=_file_arg, metavar="FILE",
                        help="trust the drill server's certificate signed by this CA (PEM)")
        wb.set_defaults(func=cmd_web)

    if only in (None, "journals"):
        jr = sub.add_parser("journals", help="list recorded drills, most recently written first")
        jr.add_argument("--dir", type=_folder_arg, help="journal folder (default: $ACID_DRILL_HOME/journals)")
        jr.set_defaults(func=cmd_journals)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sim.safe.text import plain_output

    # pydantic looks for plugins in every installed distribution's entry points on first
    # use; drill has none to offer them, and the search is start-up time
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    with plain_output():
        given = sys.argv[1:] if argv is None else argv
        # a command named first is parsed by its own parser alone; anything else (no
        # command, an option first, a misspelt command) by the whole parser, which lists
        # every command
        parser = build_parser(given[0] if given and given[0] in COMMANDS else None)
        args = parser.parse_args(given)
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        # the terminal UI draws on the terminal's own stream (Textual writes to
        # ``sys.__stderr__``); what a UI command prints before and after it, a journal's
        # path in an error say, goes through these like any other command's
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `drill run | head`
        return EXIT_OK
    except Exception as exc:
        # a failure no check foresaw: one line for the user, the traceback for
        # developers who ask for it; the exit code keeps it apart from bad input
        if os.environ.get("DRILL_DEBUG"):
            raise
        print(f"drill {args.command}: internal error ({type(exc).__name__}); this is a bug in "
              "acid-drill: please report it with the command and the files it read "
              "(DRILL_DEBUG=1 shows the details)", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
