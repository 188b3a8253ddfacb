"""Signing in: the OAuth2 password grant, and who the token belongs to."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from services.gateway.credentials import sign_in
from services.gateway.deps import Clients, CurrentUser
from services.gateway.problems import responses
from services.gateway.schemas import TokenOut, UserOut

router = APIRouter(tags=["identity"])


@router.post("/auth/token", responses=responses(401, 422))
async def login(
    clients: Clients, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenOut:
    """Signs in with login name and password (OAuth2 password grant); returns a bearer token.

    Repeated wrong passwords lock the account for a while: a 401 of type
    `/problems/account-locked` says until when (and Retry-After in how many seconds)."""
    user = await sign_in(clients.db, clients.settings, form.username, form.password, channel="api")
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
