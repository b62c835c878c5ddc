"""Credit pages: rankings per jurisdiction, an organisation's credit page, an evaluation explained
down to its events, the scheme editor, and the public lists (published information only)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from huanjian.access.policy import authorize
from huanjian.credit import consequences, schemes, service, views
from huanjian.errors import ValidationError
from huanjian.web.deps import OptionalPrincipalDep, PrincipalDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("credit", "/credit")

#: Code values shown through ``_("prefix:" ~ value)`` in the credit templates, with their
#: English and Chinese labels (kept in both catalogues as "dynamic" entries).
LABELS: dict[str, tuple[str, str]] = {
    "scheme:enterprise": ("Enterprise environmental credit", "企业环境信用"),
    "scheme:lab": ("Third-party lab credit", "社会化检测机构信用"),
    "scheme:contractor": ("O&M contractor credit", "运维机构信用"),
    "run:final": ("annual, final", "年度终评"),
    "run:provisional": ("monthly, provisional", "月度初评（暂定）"),
    "status:draft": ("not yet published", "待公开"),
    "status:published": ("published", "已公开"),
    "status:superseded": ("superseded", "已被取代"),
    "status:provisional": ("provisional", "暂定"),
    "grade:green": ("green", "环保诚信"),
    "grade:blue": ("blue", "良好"),
    "grade:yellow": ("yellow", "警示"),
    "grade:red": ("red", "不良"),
    "grade:excellent": ("excellent", "优"),
    "grade:good": ("good", "良"),
    "grade:poor": ("poor", "差"),
    "grade:incomplete": ("incomplete: not graded", "数据不全，不评级"),
    "source:official": ("official (imported)", "官方发布"),
    "source:published": ("computed, published", "平台评价（已公开）"),
    "source:provisional": ("computed, provisional", "平台评价（暂定）"),
    "class:key": ("key", "重点监管对象"),
    "class:general": ("general", "一般监管对象"),
    "class:simple": ("simple", "简易监管对象"),
    "filing:filed": ("filed", "已备案"),
    "filing:suspended": ("suspended", "备案暂停"),
    "level:excellent": ("graded excellent", "优（降低频次）"),
    "level:good": ("graded good", "良（常规频次）"),
    "level:poor": ("graded poor", "差（提高频次）"),
    "level:unfiled": ("not filed", "未备案（重点监管）"),
    "level:ungraded": ("not graded", "未评级"),
    "health:green": ("green code", "绿码"),
    "health:yellow": ("yellow code", "黄码"),
    "health:red": ("red code", "红码"),
    "health:none": ("no data", "无数据"),
    "objection:objection": ("objection", "异议"),
    "objection:repair": ("credit repair", "信用修复"),
    "state:open": ("open", "待处理"),
    "state:upheld": ("upheld", "予以采纳"),
    "state:rejected": ("rejected", "不予采纳"),
}

#: Where an item's object can be looked at.
LINKS = {
    "supervision_order": "/orders/{id}",
    "organisation": "/credit/organisations/{id}",
    "outlet": None,
}


def link(object_type: str | None, object_id: str | None) -> str | None:
    pattern = LINKS.get(object_type or "")
    return pattern.format(id=object_id) if pattern and object_id else None


@router.get("/credit", response_class=HTMLResponse)
def ranking_page(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    scheme: str = "enterprise",
    period: str | None = None,
    jurisdiction: str | None = None,
) -> Response:
    if scheme not in schemes.SCHEMES:
        raise ValidationError(f"scheme {scheme!r}", field="scheme")
    data = views.ranking(tx, principal, scheme, period or None, jurisdiction or None)
    return render(
        request,
        "credit/ranking.html",
        {
            **data,
            "scheme": scheme,
            "schemes": schemes.SCHEMES,
            "period": period or "",
            "jurisdiction": jurisdiction or "",
        },
    )


@router.get("/credit/organisations/{organisation_id}", response_class=HTMLResponse)
def organisation_page(request: Request, organisation_id: int, principal: PrincipalDep, tx: TxDep) -> Response:
    return render(
        request, "credit/organisation.html", {"o": views.organisation(tx, principal, organisation_id)}
    )


@router.get("/credit/evaluations/{evaluation_id}", response_class=HTMLResponse)
def evaluation_page(request: Request, evaluation_id: int, principal: PrincipalDep, tx: TxDep) -> Response:
    data = service.explain(tx, service.get_evaluation(tx, principal, evaluation_id))
    return render(request, "credit/evaluation.html", {**data, "link": link})


@router.get("/credit/schemes", response_class=HTMLResponse)
def schemes_page(request: Request, principal: PrincipalDep, tx: TxDep, scheme: str = "lab") -> Response:
    authorize(principal, "credit.read")
    if scheme not in schemes.SCHEMES:
        raise ValidationError(f"scheme {scheme!r}", field="scheme")
    version, body = service.current_scheme(tx, scheme)
    ctx: dict[str, Any] = {
        "scheme": scheme,
        "schemes": schemes.SCHEMES,
        "version": version,
        "body": body,
        "text": json.dumps(body, ensure_ascii=False, indent=2),
        "versions": service.scheme_versions(tx, principal, scheme),
        "unconfirmed": schemes.unconfirmed(body),
        "can_edit": principal.has_permission("scheme.edit"),
    }
    return render(request, "credit/schemes.html", ctx)


@router.post("/credit/schemes/{scheme}")
def edit_scheme_form(
    scheme: str,
    principal: PrincipalDep,
    tx: TxDep,
    body: Annotated[str, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the scheme is not valid JSON: {exc}", field="body") from None
    if scheme not in schemes.SCHEMES:
        raise ValidationError(f"scheme {scheme!r}", field="scheme")
    service.edit_scheme(tx, principal, scheme, parsed, reason)
    return RedirectResponse(f"/credit/schemes?scheme={scheme}", status_code=303)


@router.get("/public/credit", response_class=HTMLResponse)
def public_page(request: Request, tx: TxDep, principal: OptionalPrincipalDep) -> Response:
    return render(request, "credit/public.html", {"lists": consequences.public_lists(tx.session)})
