"""The one approval flow: a registry of what can wait for a decision, and the submit and decide
every kind goes through.

An app registers an `ApprovalKind` in its AppConfig.ready (plans, OTB budgets, OTB exceptions,
markdowns); core imports no app. `approval_submit` and `approval_decide` then do, the same for
every kind and in this order, under the item's row lock:

    the version the client read (seen_version, else Conflict 409)
    who may decide (the kind's role and department check, Forbidden 403)
    the status (not waiting for a decision / not submittable: InvalidInput 400)
    separation of duties (the submitter or requester may not decide: Forbidden 403)
    the kind's own rules (e.g. a reason code), a reason on reject (InvalidInput 400)
    the kind's transition, one audit record (core.AuditEvent, action "<kind>.<step>", e.g.
    "plan.approve", "otb_budget.reject", with the comment and the department), and mail to the
    approvers after the commit

The inbox (`approval_inbox`) and its count iterate the registry, in registration order.
Mail goes through the one mailer an app registers (`approval_mailer_register`), queued with
`transaction.on_commit`, so a rolled-back request mails no one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from core.audit import audit_labels_register, audit_record
from core.errors import Conflict, Forbidden, InvalidInput, NotFound

Decision = Literal["approve", "reject"]
DECISIONS: tuple[Decision, ...] = ("approve", "reject")
COMMENT_MAX = 2000  # characters of a comment or reason a kind stores at most (kinds may store less)


@dataclass(frozen=True)
class InboxRow:
    """One card of the inbox: what waits, the numbers to decide by, and what the approver
    accepts too (`warnings`). `promotion` and `months` are extra panels a kind may fill (a
    what-if's changes to the working plan, a plan's months beside its OP and LY)."""

    kind: str
    object_id: int
    title: str
    department: str
    requested_by: str
    figures: list[tuple[str, str]]  # label, formatted number
    needs_reason_code: bool = False
    url: str = ""
    warnings: tuple[str, ...] = ()
    promotion: Any = None
    months: Any = None

    PROMOTION_SHOWN = 10  # changes listed on the card; the rest behind "all changes"

    @property
    def promotion_changes_shown(self) -> list[Any]:
        return list(self.promotion.changes[: self.PROMOTION_SHOWN]) if self.promotion else []


@dataclass(frozen=True)
class Mail:
    """The approvers' mail for a request: whose approvers (the department), subject and body."""

    department_id: int
    subject: str
    body: str


@dataclass(frozen=True)
class ApprovalKind:
    """What the flow needs to know about one kind of item.

    `load(object_id)` returns the item with its row locked (called inside the transaction);
    `pending(user)` the inbox rows of items waiting for the user (never their own requests);
    `check_decider(user, item)` raises Forbidden when the user may not decide on it (role,
    department); `decide(item, user, decision, comment, options)` applies the transition and
    saves; `submit(item, user, comment)` likewise for a submission (None: items are born waiting,
    e.g. an order over OTB; they call `approval_notify`). The flow writes the one audit record of
    each step itself, scoped to `department_of(item)`. `mail(item)` is the approvers' mail on a
    submission."""

    name: str
    label: str  # the inbox's and home page's heading: "Plans", "OTB budgets"
    noun: str  # in messages: "Say why the <noun> is rejected."
    waiting_status: str
    load: Callable[[int], Any]
    pending: Callable[[Any], Sequence[InboxRow]]
    check_decider: Callable[[Any, Any], None]
    decide: Callable[[Any, Any, Decision, str, Mapping[str, Any]], None]
    department_of: Callable[[Any], int]
    mail: Callable[[Any], Mail]
    submitter_of: Callable[[Any], int | None] = lambda item: getattr(item, "submitted_by_id", None)
    status_of: Callable[[Any], str] = lambda item: str(item.status)
    submit: Callable[[Any, Any, str], None] | None = None
    submittable: tuple[str, ...] = ()
    check_submitter: Callable[[Any, Any], None] | None = None  # raises Forbidden
    # Kind rules checked after the common ones, before the transition (a reason code, items...).
    validate: Callable[[Any, Any, Decision, str, Mapping[str, Any]], None] | None = None
    validate_submit: Callable[[Any, Any], None] | None = None
    version_of: Callable[[Any], int] | None = None  # the optimistic version (seen_version)
    count: Callable[[Any], int] | None = None  # a cheaper count than len(pending(user))
    audit_details: Callable[[Any], Mapping[str, Any]] | None = None  # kept in the audit's "new"
    self_decision_message: str = ""
    not_waiting_message: Callable[[Any], str] | None = None
    not_submittable_message: Callable[[Any], str] | None = None
    stale_message: str = "Someone changed this since you read it: reload it and try again."
    reason_required_message: str = ""
    comment_max: int = COMMENT_MAX

    def self_decision(self) -> str:
        default = f"You submitted this {self.noun}: another manager must decide on it."
        return self.self_decision_message or default

    def not_waiting(self, item: Any) -> str:
        if self.not_waiting_message is not None:
            return self.not_waiting_message(item)
        return f"This {self.noun} is not waiting for a decision."

    def reason_required(self) -> str:
        return self.reason_required_message or f"Say why the {self.noun} is rejected."


_KINDS: dict[str, ApprovalKind] = {}
_MAILER: list[Callable[[int, str, str, Any], None]] = []


def approval_kind_register(kind: ApprovalKind) -> None:
    """Register (or replace, on a second ready()) a kind; the inbox lists kinds in this order.
    Its audit records read as their step in trails ("markdown.approve" -> "approve")."""
    _KINDS[kind.name] = kind
    audit_labels_register({f"{kind.name}.{step}": step for step in ("submit", *DECISIONS)})


def approval_kinds() -> list[ApprovalKind]:
    return list(_KINDS.values())


def approval_kind(name: str | ApprovalKind) -> ApprovalKind:
    if isinstance(name, ApprovalKind):
        return name
    try:
        return _KINDS[name]
    except KeyError:
        raise NotFound(f"Nothing of kind {name!r} waits for approval.") from None


def approval_mailer_register(send: Callable[[int, str, str, Any], None]) -> None:
    """The app that knows who approves (department managers with an address) sends the mail:
    `send(department_id, subject, body, requested_by)`, called after the commit."""
    _MAILER[:] = [send]


# -- the flow -------------------------------------------------------------------------------


def _loaded(kind: ApprovalKind, item: Any) -> Any:
    """The item with its row locked: loaded again by id, so the status read is the current one."""
    object_id = item if isinstance(item, int) else item.pk
    try:
        return kind.load(object_id)
    except ObjectDoesNotExist:
        raise NotFound(f"No {kind.noun} {object_id} waits for approval.") from None


def _check_version(kind: ApprovalKind, item: Any, seen_version: int | None) -> None:
    if seen_version is None or kind.version_of is None:
        return
    current = kind.version_of(item)
    if current != seen_version:
        raise Conflict(kind.stale_message, details={"current_version": current, "seen_version": seen_version})


def _comment(kind: ApprovalKind, text: str) -> str:
    comment = text.strip()
    if len(comment) > kind.comment_max:
        raise InvalidInput(
            f"Keep the comment to {kind.comment_max:,} characters (it has {len(comment):,}).", field="comment"
        )
    return comment


def approval_submit(
    kind: str | ApprovalKind, item: Any, user: Any, *, comment: str = "", seen_version: int | None = None
) -> Any:
    """Send `item` (an instance or its id) for a decision: status check, the kind's submit
    transition, one audit record ("submit"), the approvers' mail after the commit."""
    kind = approval_kind(kind)
    if kind.submit is None:
        raise InvalidInput(f"A {kind.noun} is not submitted: it waits for a decision once made.")
    with transaction.atomic():
        item = _loaded(kind, item)
        _check_version(kind, item, seen_version)
        if kind.check_submitter is not None:
            kind.check_submitter(user, item)
        if kind.status_of(item) not in kind.submittable:
            message = kind.not_submittable_message(item) if kind.not_submittable_message else ""
            raise InvalidInput(message or f"This {kind.noun} cannot be submitted now.")
        if kind.validate_submit is not None:
            kind.validate_submit(user, item)
        comment = _comment(kind, comment)
        before = kind.status_of(item)
        kind.submit(item, user, comment)
        _record(kind, item, user, "submit", comment, before)
        approval_notify(kind, item, user)
    return item


def approval_decide(
    kind: str | ApprovalKind,
    item: Any,
    user: Any,
    decision: str,
    *,
    comment: str = "",
    seen_version: int | None = None,
    **options: Any,
) -> Any:
    """Approve or reject `item` (an instance or its id) as `user`: the checks of the module's
    docstring, then the kind's transition and one audit record. `options` go to the kind (a
    reason code, a what-if's conflict resolutions)."""
    kind = approval_kind(kind)
    if decision not in DECISIONS:
        raise InvalidInput("Choose approve or reject.", field="decision")
    with transaction.atomic():
        item = _loaded(kind, item)
        _check_version(kind, item, seen_version)
        kind.check_decider(user, item)
        if kind.status_of(item) != kind.waiting_status:
            raise InvalidInput(kind.not_waiting(item))
        if kind.submitter_of(item) == user.pk:
            raise Forbidden(kind.self_decision())
        comment = _comment(kind, comment)
        if kind.validate is not None:
            kind.validate(item, user, decision, comment, options)  # type: ignore[arg-type]
        if decision == "reject" and not comment:
            raise InvalidInput(kind.reason_required(), field="comment")
        before = kind.status_of(item)
        kind.decide(item, user, decision, comment, options)  # type: ignore[arg-type]
        _record(kind, item, user, decision, comment, before)
    return item


def _record(kind: ApprovalKind, item: Any, user: Any, step: str, comment: str, before: str) -> None:
    """The one audit record of a step ("plan.approve", "otb_budget.submit"): the status before and
    after, and what else the kind keeps of the decision (`audit_details`, e.g. a reason code)."""
    new = {"status": kind.status_of(item), **(kind.audit_details(item) if kind.audit_details else {})}
    audit_record(
        user, f"{kind.name}.{step}", item, old={"status": before}, new=new, comment=comment,
        department=kind.department_of(item),
    )  # fmt: skip


def approval_notify(kind: str | ApprovalKind, item: Any, user: Any) -> None:
    """Mail the approvers of `item` once the request commits (never for a rollback)."""
    kind = approval_kind(kind)
    if not _MAILER:
        return
    mail, send = kind.mail(item), _MAILER[0]
    transaction.on_commit(lambda: send(mail.department_id, mail.subject, mail.body, user))


def may_decide(kind: str | ApprovalKind, item: Any, user: Any) -> bool:
    """Whether `user` may decide on `item` now (for showing the buttons); no lock taken."""
    kind = approval_kind(kind)
    try:
        kind.check_decider(user, item)
    except Forbidden:
        return False
    return kind.status_of(item) == kind.waiting_status and kind.submitter_of(item) != user.pk


# -- the inbox ------------------------------------------------------------------------------


def approval_inbox(user: Any) -> list[InboxRow]:
    """What waits for this user's decision, kind by kind in registration order."""
    return [row for kind in _KINDS.values() for row in kind.pending(user)]


def approval_counts(user: Any) -> list[tuple[ApprovalKind, int]]:
    """How many items of each kind wait for the user (kinds with none included)."""
    return [(kind, kind.count(user) if kind.count else len(kind.pending(user))) for kind in _KINDS.values()]


def approval_count(user: Any) -> int:
    """The inbox's count (a nav badge)."""
    return sum(count for _, count in approval_counts(user))
