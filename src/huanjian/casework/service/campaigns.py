"""Special enforcement campaigns (专项执法检查) and the cases they open."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from huanjian.access.policy import Principal, authorize
from huanjian.casework import repository
from huanjian.casework.models import (
    Campaign,
    CampaignTarget,
    Case,
)
from huanjian.casework.service.cases import (
    open_case,
)
from huanjian.casework.service.common import (
    _campaign,
    _enterprise,
)
from huanjian.core.scope import in_subtree
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import PermissionDenied, ValidationError
from huanjian.geo import repository as geo

# --------------------------------------------------------------------------- campaigns


def get_campaign(tx: Tx, actor: Principal, campaign_id: int) -> tuple[Campaign, Sequence[int]]:
    authorize(actor, "cases.read")
    campaign = _campaign(tx, actor, campaign_id)
    return campaign, repository.campaign_targets(tx.session, campaign.id)


def list_campaigns(tx: Tx, actor: Principal) -> Sequence[Campaign]:
    authorize(actor, "cases.read")
    return repository.list_campaigns(tx.session, actor.scope)


def create_campaign(
    tx: Tx,
    actor: Principal,
    *,
    name: str,
    jurisdiction_code: str,
    period_start: date,
    period_end: date,
    enterprise_ids: Sequence[int],
    description: str = "",
) -> Campaign:
    authorize(actor, "campaigns.write")
    if geo.get(tx.session, jurisdiction_code) is None:
        raise ValidationError(f"jurisdiction {jurisdiction_code} does not exist", field="jurisdiction_code")
    if not actor.scope.sees_jurisdiction(jurisdiction_code):
        raise PermissionDenied("you may only run campaigns inside your own jurisdiction")
    if period_end < period_start:
        raise ValidationError("the period ends before it starts", field="period_end")
    targets = sorted(set(enterprise_ids))
    for eid in targets:
        ent = _enterprise(tx, actor, eid)
        if not in_subtree(ent.jurisdiction_code, jurisdiction_code):
            raise ValidationError(
                f"enterprise {eid} lies outside {jurisdiction_code}", field="enterprise_ids"
            )
    campaign = Campaign(
        name=name,
        jurisdiction_code=jurisdiction_code,
        period_start=period_start,
        period_end=period_end,
        description=description,
        created_at=utcnow(),
        created_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, campaign)
    for eid in targets:
        tx.session.add(CampaignTarget(campaign_id=campaign.id, enterprise_id=eid))
    tx.session.flush()
    tx.audit(
        "campaign.create",
        "campaign",
        campaign.id,
        after={
            "name": name,
            "period": [period_start.isoformat(), period_end.isoformat()],
            "targets": targets,
        },
        jurisdiction_code=jurisdiction_code,
    )
    return campaign


def open_campaign_cases(tx: Tx, actor: Principal, campaign_id: int) -> list[Case]:
    """One case per target that has none in this campaign yet."""
    campaign, targets = get_campaign(tx, actor, campaign_id)
    opened = []
    for eid in targets:
        if repository.open_case_for(tx.session, eid, campaign.id) is not None:
            continue
        opened.append(
            open_case(
                tx,
                actor,
                enterprise_id=eid,
                source="campaign",
                title=campaign.name,
                source_ref=f"campaign:{campaign.id}",
                campaign_id=campaign.id,
            )
        )
    return opened
