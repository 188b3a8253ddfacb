"""Signing in: the OAuth2 password grant, and who the token belongs to."""

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from services.gateway import service
from services.gateway.auth import verify_password
from services.gateway.deps import Clients, CurrentUser
from services.gateway.problems import Unauthenticated, responses
from services.gateway.schemas import TokenOut, UserOut

log = logging.getLogger(__name__)
router = APIRouter(tags=["identity"])


@router.post("/auth/token", responses=responses(401, 422))
async def login(
    clients: Clients, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenOut:
    """Signs in with login name and password (OAuth2 password grant); returns a bearer token."""
    user = await clients.db.read_call(service.find_account, form.username)
    known = user is not None and user.active
    matches = await verify_password(user.password_hash if user and known else None, form.password)
    if user is None or not known or not matches:
        log.info("sign-in refused for %r", form.username)
        raise Unauthenticated("wrong login name or password")
    ttl = timedelta(minutes=clients.settings.token_ttl_minutes)
    token, _ = clients.tokens.issue(
        username=user.username,
        full_name=user.full_name,
        roles=user.roles,
        ttl=ttl,
    )
    return TokenOut(
        access_token=token,
        expires_in=int(ttl.total_seconds()),
        user=UserOut(username=user.username, full_name=user.full_name, roles=user.roles),
    )


@router.get("/me", responses=responses(401))
async def me(identity: CurrentUser) -> UserOut:
    """The signed-in user."""
    return UserOut(
        username=identity.username, full_name=identity.full_name, roles=list(identity.roles)
    )
