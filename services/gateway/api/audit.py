"""The audit trail for the quality manager: every service's chain, read, exported, verified, and
the record that it was reviewed (21 CFR 11.10(e); EU GMP Annex 11 §9)."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import AwareDatetime

from kernel.audit import AuditFilter
from kernel.settings import ServiceName
from kernel.timefmt import to_rfc3339, utcnow
from services.gateway import audit_report, audit_trail
from services.gateway.audit_trail import (
    AUDIT_REVIEWERS,
    AUDITORS,
    SERVICES,
    TrailEntry,
    TrailQuery,
    TrailReview,
)
from services.gateway.deps import Acting, Clients, acting_as
from services.gateway.problems import responses
from services.gateway.schemas import (
    AuditChainOut,
    AuditEntryOut,
    AuditPage,
    AuditReviewIn,
    AuditReviewOut,
    AuditVerificationOut,
)

router = APIRouter(tags=["audit trail"])

AsAuditor = Annotated[Acting, Depends(acting_as(*AUDITORS))]
AsAuditReviewer = Annotated[Acting, Depends(acting_as(*AUDIT_REVIEWERS))]
Id = Annotated[str, Query(max_length=100)]


async def trail_query(
    entity_id: Annotated[
        Id, Query(description="Entity ids starting with this, e.g. a lab number (and its tests).")
    ] = "",
    related_to: Annotated[
        Id,
        Query(
            description="A record and everything naming it, e.g. a lab number: the sample, its "
            "tests, its request, signatures and certificate."
        ),
    ] = "",
    entity_type: Annotated[Id, Query(description='e.g. "sample", "test", "user".')] = "",
    username: Annotated[Id, Query(description="Changes made by this user.")] = "",
    action: Annotated[Id, Query(description='e.g. "sample_received".')] = "",
    since: Annotated[AwareDatetime | None, Query(description="At or after (RFC 3339).")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Before (RFC 3339).")] = None,
    service: Annotated[
        list[ServiceName] | None, Query(description="Only these chains (repeatable).")
    ] = None,
    order: Literal["newest", "oldest"] = "newest",
) -> TrailQuery:
    """The filters of the audit trail's query parameters."""
    where = AuditFilter(
        entity_id_prefix=entity_id.strip(),
        related_to=related_to.strip(),
        entity_type=entity_type.strip(),
        username=username.strip(),
        action=action.strip(),
        since=since,
        until=until,
    )
    services = tuple(s for s in SERVICES if s in service) if service else SERVICES
    return TrailQuery(where=where, services=services, newest_first=order == "newest")


Trail = Annotated[TrailQuery, Depends(trail_query)]


def entry_out(entry: TrailEntry) -> AuditEntryOut:
    """The REST form of an entry."""
    return AuditEntryOut(
        service=entry.service,
        seq=entry.seq,
        at=to_rfc3339(entry.at),
        username=entry.username,
        full_name=entry.full_name,
        role=entry.role,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        old_value=entry.old_value,
        new_value=entry.new_value,
        reason=entry.reason,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def review_out(review: TrailReview) -> AuditReviewOut:
    """The REST form of a recorded review."""
    return AuditReviewOut(
        review_id=review.review_id,
        reviewed_at=to_rfc3339(review.reviewed_at),
        username=review.username,
        full_name=review.full_name,
        role=review.role,
        period_start=to_rfc3339(review.period_start),
        period_end=to_rfc3339(review.period_end),
        filters=review.filters,
        comment=review.comment,
    )


@router.get("/audit", responses=responses(401, 403, 422, 502, 503))
async def list_audit_entries(
    clients: Clients,
    _acting: AsAuditor,
    query: Trail,
    page: Annotated[int, Query(ge=1, description="1-based.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    """Audit entries of every service (or those asked), merged by time, newest first by default."""
    found = await audit_trail.list_trail(
        clients, query, offset=(page - 1) * page_size, page_size=page_size
    )
    return AuditPage(
        items=[entry_out(entry) for entry in found.entries],
        total=found.total,
        page=page,
        page_size=page_size,
    )


@router.get(
    "/audit/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **responses(401, 403, 422, 502, 503)},
)
async def export_audit_entries(
    clients: Clients, _acting: AsAuditor, query: Trail
) -> StreamingResponse:
    """Every audit entry matching the filters, as CSV (UTF-8, times in UTC)."""
    stream = await audit_trail.open_csv_export(clients, query)
    name = f"audit-trail-{utcnow():%Y%m%dT%H%M%SZ}.csv"
    return StreamingResponse(
        stream,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def described(query: TrailQuery) -> dict[str, str]:
    """The filters of a query as a person reads them (printed on the PDF)."""
    where = query.where
    return {
        "related_to": where.related_to,
        "entity_id": where.entity_id_prefix,
        "entity_type": where.entity_type,
        "username": where.username,
        "action": where.action,
        "since": to_rfc3339(where.since) if where.since else "",
        "until": to_rfc3339(where.until) if where.until else "",
        "service": "" if query.services == SERVICES else ", ".join(query.services),
    }


@router.get(
    "/audit/export.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **responses(401, 403, 422, 502, 503)},
)
async def print_audit_entries(clients: Clients, acting: AsAuditor, query: Trail) -> Response:
    """The entries matching the filters as a PDF for the file (at most 2,000: narrow the
    filters beyond), with the filters, the verification of the chains and who printed it."""
    found, statuses = await asyncio.gather(
        audit_trail.list_trail(clients, query, page_size=audit_report.MAX_PRINTED),
        audit_trail.verify_trail(clients),
    )
    pdf = await audit_report.render_async(
        lab_name=clients.settings.lab_name,
        timezone=clients.settings.timezone,
        entries=found.entries,
        total=found.total,
        filters=described(query),
        chains=statuses,
        printed_by=f"{acting.identity.full_name} ({acting.username})",
        printed_at=utcnow(),
    )
    name = f"audit-trail-{utcnow():%Y%m%dT%H%M%SZ}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get("/audit/verify", responses=responses(401, 403, 502, 503))
async def verify_audit_chains(clients: Clients, _acting: AsAuditor) -> AuditVerificationOut:
    """Walks every service's chain and reports, per service, the first broken link if any."""
    statuses = await audit_trail.verify_trail(clients)
    chains = [
        AuditChainOut(
            service=status.service,
            entries=status.check.entries,
            intact=status.check.intact,
            broken_at=status.check.broken_at,
            problem=status.check.problem,
        )
        for status in statuses
    ]
    return AuditVerificationOut(
        intact=all(chain.intact for chain in chains),
        checked_at=to_rfc3339(utcnow()),
        chains=chains,
    )


@router.post("/audit/reviews", status_code=201, responses=responses(401, 403, 422))
async def record_audit_review(
    body: AuditReviewIn, clients: Clients, acting: AsAuditReviewer
) -> AuditReviewOut:
    """Records that the quality manager reviewed the audit trail of a period; audited itself."""
    review = await audit_trail.record_review(
        clients,
        who=acting.who,
        period_start=body.period_start,
        period_end=body.period_end,
        filters=body.filters,
        comment=body.comment,
    )
    return review_out(review)


@router.get("/audit/reviews", responses=responses(401, 403, 422))
async def list_audit_reviews(
    clients: Clients,
    _acting: AsAuditor,
    page: Annotated[int, Query(ge=1, description="1-based.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AuditReviewOut]:
    """Recorded reviews of the audit trail, most recent first."""
    reviews, _ = await audit_trail.list_reviews(
        clients, offset=(page - 1) * page_size, limit=page_size
    )
    return [review_out(review) for review in reviews]
