"""Dependency aliases that keep a handler's signature on one line."""

from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from ml3_platform.api.errors import describe
from ml3_platform.auth import current_user
from ml3_platform.db.session import request_session
from ml3_platform.db.tables import User
from ml3_platform.services.errors import DomainError
from ml3_platform.settings import Settings
from ml3_platform.storage import Store


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> Store:
    return request.app.state.store


SessionDep = Annotated[Session, Depends(request_session)]
CurrentUser = Annotated[User, Depends(current_user)]
SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[Store, Depends(_store)]


class JsonBody:
    """``body: JsonBody[CreateTask]``: the request body parsed as that model.

    The body is JSON whatever the Content-Type says, and the published client
    sends none at all (protocol §1.3), so it is read raw rather than through
    FastAPI's content negotiation.
    """

    def __class_getitem__(cls, model: type[BaseModel]) -> Any:
        return Annotated[model, Depends(_parser(model))]


@cache
def _parser(model: type[BaseModel]):
    async def parse(request: Request) -> BaseModel:
        raw = await request.body()
        if not raw.strip():
            raise DomainError("INVALID_REQUEST", "the request needs a JSON body")
        try:
            return model.model_validate_json(raw)
        except ValidationError as error:
            raise DomainError("INVALID_REQUEST", describe(error.errors())) from None

    return parse
