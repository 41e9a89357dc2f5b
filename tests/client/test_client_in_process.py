"""The client against an ASGI app in-process, through ``ASGIAppTransport``."""

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import FileType
from ml3_platform_sdk.exceptions import SDKClientException
from ml3_platform_sdk.models import LocalDataSource, TabularData
from ml3_platform_sdk.testing import ASGIAppTransport


def small_app() -> FastAPI:
    app = FastAPI()
    received = app.state.received = {}

    @app.get("/sdk/v1/projects")
    def projects(request: Request):
        if request.headers.get("x-api-key") != "good":
            return JSONResponse({"error_code": "API_KEY_INVALID",
                                 "error_message": "Unknown key"}, status_code=401)
        return [{"project_id": "p1", "name": "Société"}]

    @app.get("/sdk/v1/data/presigned-url")
    def presign(file_name: str):
        return {"storing_process_id": "sp-1", "expiration_time": "soon",
                "presigned_url": {"url": "http://testserver/upload/tok",
                                  "fields": {"token": "tok"}}}

    @app.post("/upload/tok")
    async def upload(request: Request):
        received["upload"] = await request.body()
        return Response(status_code=204)

    @app.post("/sdk/v1/data/target")
    async def target(request: Request):
        received["target"] = await request.json()
        return "job-1"

    return app


@pytest.fixture
def app():
    return small_app()


def test_calls_reach_the_app(app):
    with ASGIAppTransport(app) as transport:
        client = ML3PlatformClient("http://testserver", "good", transport=transport)
        assert client.get_projects()[0].name == "Société"

        bad = ML3PlatformClient("http://testserver", "bad", transport=transport)
        with pytest.raises(SDKClientException) as raised:
            bad.get_projects()
        assert raised.value.error_code == "API_KEY_INVALID"


def test_uploads_reach_the_app(app, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,y\n1,0\n")
    data = TabularData(source=LocalDataSource(
        file_path=str(path), file_type=FileType.CSV, is_folder=False))

    with ASGIAppTransport(app) as transport:
        client = ML3PlatformClient("http://testserver", "good", transport=transport)
        assert client.add_target_data("t1", data) == "job-1"

    assert b"id,y\n1,0\n" in app.state.received["upload"]
    assert app.state.received["target"]["data"]["source"] == {
        "storing_process_id": "sp-1"}


def test_the_apps_lifespan_runs_around_the_requests():
    from contextlib import asynccontextmanager

    events = []

    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)
    app.get("/sdk/v1/projects")(lambda: [])

    with ASGIAppTransport(app) as transport:
        client = ML3PlatformClient("http://testserver", "k", transport=transport)
        assert client.get_projects() == []
        assert events == ["startup"]

    assert events == ["startup", "shutdown"]
