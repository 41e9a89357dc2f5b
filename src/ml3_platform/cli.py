"""The ``ml3`` command: serve the platform, bootstrap it, run the demo."""

import os
import tempfile
from collections.abc import Callable
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ml3_platform.db.session import make_engine, make_sessionmaker, migrate
from ml3_platform.observability import logs
from ml3_platform.services.errors import DomainError
from ml3_platform.services.users import create_first_user, create_user
from ml3_platform.settings import Settings, get_settings

app = typer.Typer(help="ML3 Platform: open, self-hostable ML monitoring.")
user_app = typer.Typer(help="Manage users (operator commands).")
app.add_typer(user_app, name="user")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: ML3_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: ML3_PORT.")] = None,
    handler_module: Annotated[
        list[str],
        typer.Option(help="Also import this module for its job handlers."),
    ] = [],  # noqa: B006 (Typer reads the default, never mutates it)
) -> None:
    """Serve the API; with the in-process queue, run jobs here too."""
    from ml3_platform.api import create_app

    # Through the environment, so that the default public URL follows the
    # options and every API process of a scaled-out server sees them.
    if host is not None:
        os.environ["ML3_HOST"] = host
    if port is not None:
        os.environ["ML3_PORT"] = str(port)
    get_settings.cache_clear()
    settings = _settings()
    logs.configure(settings.log_format)
    # Scale-out: several API processes share one socket (uvicorn's workers);
    # each builds its app from the environment, and none runs jobs.
    if settings.api_processes > 1:
        if not settings.distributed:
            typer.echo("error: ML3_API_PROCESSES > 1 needs ML3_QUEUE=procrastinate")
            raise typer.Exit(2)
        migrate(settings)
        _share_metrics()
        uvicorn.run(
            "ml3_platform.api:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.api_processes,
        )
        return
    uvicorn.run(
        create_app(settings, handler_module),
        host=settings.host,
        port=settings.port,
    )


@app.command()
def worker(
    handler_module: Annotated[
        list[str],
        typer.Option(help="Also import this module for its job handlers."),
    ] = [],  # noqa: B006 (Typer reads the default, never mutates it)
) -> None:
    """Run jobs from the distributed queue (ML3_QUEUE=procrastinate)."""
    from ml3_platform.jobs.worker import run_worker

    settings = _settings()
    logs.configure(settings.log_format)
    if not settings.distributed:
        typer.echo("error: ml3 worker needs ML3_QUEUE=procrastinate", err=True)
        raise typer.Exit(2)
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, addr=settings.host)
    run_worker(settings, handler_module)


def _share_metrics() -> None:
    """Give the API's processes one fresh folder for their metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ml3-metrics-")


@app.command()
def init(
    username: Annotated[str, typer.Option(help="The first user's name.")] = "owner",
) -> None:
    """Create the database and the first user; print that user's API key."""
    settings = _settings()
    migrate(settings)
    api_key = _with_session(settings, lambda s: create_first_user(s, username))
    typer.echo(f"Created user {username!r}. Its API key (shown only once):")
    typer.echo(api_key)


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option(help="The new user's name.")],
) -> None:
    """Create a user with no company and print its API key."""
    settings = _settings()
    migrate(settings)
    api_key = _with_session(settings, lambda s: create_user(s, username))
    typer.echo(f"Created user {username!r}. Its API key (shown only once):")
    typer.echo(api_key)


@app.command()
def demo() -> None:
    """Run the demo on the 2013 New York flights."""
    from ml3_platform.demo.run import main

    raise typer.Exit(main())


# --- Rule actions ----------------------------------------------------------


@app.command()
def deliver() -> None:
    """Deliver the actions of detection event rules, until interrupted.

    ``ml3 serve`` delivers too (unless ML3_DELIVERIES_IN_PROCESS is false);
    any number of these processes, wherever the database is reachable, share
    the work without sending a delivery twice at once.
    """
    from ml3_platform.actions.worker import DeliveryWorker

    settings = _settings()
    logs.configure(settings.log_format)
    migrate(settings)
    engine = make_engine(settings)
    try:
        DeliveryWorker(make_sessionmaker(engine, settings), settings).run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()


def _settings() -> Settings:
    """The settings from the environment; a bad ``ML3_*`` value ends the
    command with one line per value that names the variable."""
    try:
        return get_settings()
    except ValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            name = f"ML3_{field.upper()}: " if field else ""
            got = f" (got {problem['input']!r})" if field else ""
            typer.echo(f"error: {name}{problem['msg']}{got}", err=True)
        raise typer.Exit(2) from None


def _with_session(settings: Settings, action: Callable[[Session], str]) -> str:
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            return action(session)
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
