"""JSON controllers for accounts and elders under /api/v1: parse, authorise, call, shape."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from eldercare.accounts import elders, service, sessions
from eldercare.accounts.schemas import (
    Elder,
    ElderCreate,
    ElderPage,
    ElderReveal,
    ElderUpdate,
    Me,
    PasswordChanged,
    PasswordChangeIn,
    RegisteredUser,
    RegisterIn,
    TokenIn,
    TokenOut,
    UserBrief,
)
from eldercare.web.auth import CurrentActor, client_ip, roles, signed_in
from eldercare.web.idempotency import idempotent
from eldercare.web.openapi import ErrorBody
from eldercare.web.pagination import PageParams, provide_page


class AuthController(Controller):
    path = "/auth"
    tags = ["accounts"]

    @post("/register", status_code=201)
    async def register(self, request: Request, data: JSONBody[RegisterIn]) -> RegisteredUser:
        user = await service.register(
            phone=data.phone,
            password=data.password,
            name=data.name,
            role=data.role,
            ip=client_ip(request),
        )
        return RegisteredUser(id=user.id, phone=user.phone, name=user.name, roles=user.roles)

    @post("/token", status_code=200)
    async def token(self, request: Request, data: JSONBody[TokenIn]) -> TokenOut:
        result = await service.sign_in(
            phone=data.phone, password=data.password, kind="api", ip=client_ip(request)
        )
        user = result.user
        return TokenOut(
            token=result.token, user=UserBrief(id=user.id, name=user.name, roles=user.roles)
        )

    @post("/logout", status_code=204, guards=[signed_in])
    async def logout(self, actor: CurrentActor) -> None:
        await service.sign_out(actor)

    @post(
        "/password",
        status_code=200,
        guards=[signed_in],
        responses={
            429: ResponseSpec(
                data_container=ErrorBody,
                description="Too many wrong current passwords; try again in a minute",
                generate_examples=False,
            )
        },
    )
    async def change_password(
        self, request: Request, actor: CurrentActor, data: JSONBody[PasswordChangeIn]
    ) -> PasswordChanged:
        ended = await sessions.change_password(
            actor,
            current_password=data.current_password,
            new_password=data.new_password,
            ip=client_ip(request),
        )
        return PasswordChanged(ended_sessions=ended)


class MeController(Controller):
    path = "/me"
    tags = ["accounts"]
    guards = [signed_in]

    @get("/")
    async def me(self, actor: CurrentActor) -> Me:
        return Me.of(await service.get_user(actor))


class ElderController(Controller):
    path = "/elders"
    tags = ["elders"]
    guards = [signed_in]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    # The role is checked before the body is read (API.md: 401, 403, 404, then 400/422).
    @post(
        "/",
        status_code=201,
        guards=[roles("resident", "family", "community_staff", "bureau_officer")],
    )
    async def create(
        self, request: Request, actor: CurrentActor, data: JSONBody[ElderCreate]
    ) -> Elder:
        async def create_elder() -> Elder:
            return Elder.of(await elders.add_elder(actor, data.to_input(), channel="app"))

        return await idempotent(request, actor, create_elder)

    @get("/")
    async def index(
        self,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        q: Annotated[str, QueryParameter(max_length=50)] = "",
    ) -> ElderPage:
        items, total = await elders.list_elders(
            actor, query=q, limit=page.limit, offset=page.offset
        )
        return ElderPage(items=[Elder.of(item) for item in items], total=total)

    @get("/{elder_id:int}")
    async def detail(self, actor: CurrentActor, elder_id: FromPath[int]) -> Elder:
        return Elder.of(await elders.get_elder(actor, elder_id))

    @patch(
        "/{elder_id:int}",
        guards=[roles("resident", "family", "community_staff", "bureau_officer")],
    )
    async def update(
        self, actor: CurrentActor, elder_id: FromPath[int], data: JSONBody[ElderUpdate]
    ) -> Elder:
        return Elder.of(await elders.update_elder(actor, elder_id, data.changes(), channel="app"))

    @post("/{elder_id:int}/reveal", status_code=200)
    async def reveal(self, actor: CurrentActor, elder_id: FromPath[int]) -> ElderReveal:
        revealed = await elders.reveal_elder(actor, elder_id)
        return ElderReveal(id=revealed.id, id_number=revealed.id_number, phone=revealed.phone)
