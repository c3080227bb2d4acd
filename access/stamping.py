"""Who acts, stamped by the server (R-G2): what a signed-in person's request carries into
Prefect, whatever the browser sent.

- Starting a deployment's run: only of a flow one of the person's roles may start; the
  deployment's stamped parameter (``recorded_by``, ``requested_by``: ``[stamped]`` in the
  roles file) is set to the person's id, over anything typed. The forms do not show it.
- Answering a case run's resume form: ``acting_person`` is set in the run input; an
  acknowledgement chosen there must be one the person may make (R-E6), checked here so the
  UI says why at once, and again by the run when it records it.
- Opening a case's run or its page: recorded in the store's audit log (``access/audit.py``).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from access import lookup
from access.audit import AccessAudit, AuditUnavailable
from access.roles import CREATE_RUN, RESUME, Policy

ACTING_PERSON = "acting_person"  # the run input's field: flows/case_form.py reads it
READS = {
    "GET /flow_runs/{id}": "opened_run",
    "GET /artifacts/{id}": "opened_case_page",
    "GET /artifacts/{key}/latest": "opened_case_page",
}


class Refusal(Exception):
    """A person's request refused (403), in one line the UI shows."""


class Stamping:
    def __init__(self, policy: Policy, prefect: ASGIApp) -> None:
        self.policy, self.prefect = policy, prefect

    async def forward(
        self,
        person: str,
        roles: tuple[str, ...],
        route: str,
        scope: Scope,
        receive: Receive,
        send: Send,
        audit: AccessAudit,
    ) -> None:
        target = scope["path"].removeprefix("/api").split("/")[2:3] or [""]
        try:
            if route == CREATE_RUN:
                body = await self.started(person, roles, target[0], await read_json(receive))
                scope, receive = with_body(scope, body)
            elif route == RESUME:
                body = await self.answered(person, target[0], await read_json(receive), audit)
                scope, receive = with_body(scope, body)
            elif route in READS:
                await self.opened(person, route, target[0], audit)
        except Refusal as refused:
            return await refuse(scope, receive, send, str(refused))
        except AuditUnavailable:
            detail = "the access audit cannot be written: try again shortly"
            return await JSONResponse({"detail": detail}, 503)(scope, receive, send)
        await self.prefect(scope, receive, send)

    async def started(
        self, person: str, roles: tuple[str, ...], deployment: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """A run of a deployment: only of a flow the roles may start; who acts stamped."""
        flow = await lookup.deployment_flow(deployment)
        if flow is not None and not self.policy.may_start(roles, flow):
            raise Refusal(f"{', '.join(roles)} may not start {flow}: ask for the role that "
                          "records it")  # fmt: skip
        parameter = self.policy.stamped.get(flow or "")
        if parameter:
            given = plain_parameters(body.get("parameters"))
            if given is None:
                raise Refusal("parameters: give the form's values, as the run form sends them")
            body["parameters"] = {**given, parameter: person}
        return body

    async def answered(
        self, person: str, run: str, body: dict[str, Any], audit: AccessAudit
    ) -> dict[str, Any]:
        """A resume form's answer: who answered stamped; an acknowledgement checked first."""
        answer = plain_parameters(body.get("run_input"))
        if answer is None:
            raise Refusal("run_input: give the form's values")
        answer[ACTING_PERSON] = person
        chosen = acknowledgement(answer)
        reference = await lookup.run_case(run) if chosen is not None else None
        if reference and chosen:
            refused = await audit.acknowledgement_refused(reference, person, chosen)
            if refused:
                raise Refusal(refused)
        return {**body, "run_input": answer}

    async def opened(self, person: str, route: str, target: str, audit: AccessAudit) -> None:
        """A case's run or page opened: in the audit log before it is shown."""
        if route == "GET /flow_runs/{id}":
            reference = await lookup.run_case(target)
        else:
            reference = await lookup.artifact_case(target, by_key=route.endswith("/latest"))
        if reference:
            await audit.opened(person, READS[route], reference)


def plain_parameters(given: object) -> dict[str, Any] | None:
    """A run's parameters as values. The UI's JSON view sends them wrapped for the server
    to unwrap (``{"__prefect_kind": "json", "value": "<text>"}``), which would drop anything
    stamped beside them: unwrapped here first. Any other wrapper of the whole is refused,
    since who acts could hide in it."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        return None
    if "__prefect_kind" not in given:
        return dict(given)
    if given.get("__prefect_kind") != "json" or not isinstance(given.get("value"), str):
        return None
    try:
        found = json.loads(given["value"])
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def acknowledgement(answer: dict[str, Any]) -> str | None:
    """The escalation's key chosen in the resume form, if any (flows/case_form.py's choice:
    "<key> · <title>", or the "nothing" entry)."""
    from services.case_page import chosen_escalation

    return chosen_escalation(answer.get("acknowledge"))


async def read_json(receive: Receive) -> dict[str, Any]:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    try:
        found = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        found = {}
    return found if isinstance(found, dict) else {}


def with_body(scope: Scope, body: dict[str, Any]) -> tuple[Scope, Receive]:
    """The request again, with ``body`` (and its length) instead of what was sent."""
    data = json.dumps(body).encode()
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"content-length"]
    headers.append((b"content-length", str(len(data)).encode()))
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": data, "more_body": False}

    return {**scope, "headers": headers}, receive


async def refuse(scope: Scope, receive: Receive, send: Send, detail: str) -> None:
    """403 with why (a websocket closed with 4403): the gateway's refusals and stamping's."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4403})
        return
    await JSONResponse({"detail": detail}, status_code=403)(scope, receive, send)
