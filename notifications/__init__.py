"""Notifications: routing, templates, apprise delivery, calendar invites and the daily digest.

Never imports prefect or flows/ (ARCHITECTURE.md layers).
"""

from notifications.delivery import (
    RetryPolicy,
    RowResult,
    Status,
    deliver_batch,
    deliver_pending,
    deliver_row,
    record_results,
)
from notifications.digest import (
    OverdueItem,
    TeamDigest,
    build_digests,
    deliver_digest,
    digests_from_dispatches,
    render_digest,
)
from notifications.invites import (
    MeetingInvite,
    MeetingKind,
    invite_attachment,
    invite_ics,
    meeting_attachments,
)
from notifications.notifier import Attachment, Notifier
from notifications.render import RenderedNotice, check_templates, render
from notifications.routing import RoutingError, RoutingTable, ladder_roles, validate_config

__all__ = [
    "Attachment",
    "MeetingInvite",
    "MeetingKind",
    "Notifier",
    "OverdueItem",
    "RenderedNotice",
    "RetryPolicy",
    "RoutingError",
    "RoutingTable",
    "RowResult",
    "Status",
    "TeamDigest",
    "build_digests",
    "check_templates",
    "deliver_batch",
    "deliver_digest",
    "deliver_pending",
    "deliver_row",
    "digests_from_dispatches",
    "invite_attachment",
    "invite_ics",
    "ladder_roles",
    "meeting_attachments",
    "record_results",
    "render",
    "render_digest",
    "validate_config",
]
