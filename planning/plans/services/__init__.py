"""Write paths for plans: create and seed, edit cells, recompute, versions and approvals.

One transaction each; rows locked in a fixed order (version, then line, then weeks by id);
Celery tasks queued only after the commit; every entered change and every transition is
recorded with who and when.

The modules, by what they hold:
- `checks`: PlanError, CellConflictError, the editable-version check every write starts with;
- `creation`: `plan_create` and the seeding of its actuals and working versions;
- `derived_values`: `load_block`, derived values and totals written, whole-version recompute;
- `cell_edits`: `plan_cells_update` (one cell, a pasted block, an import);
- `total_edits`: a month/quarter/season total spread to the cells below; cell locks;
- `approvals`: submit, approve (OP revisions, scenario promotion), reject, withdraw;
- `scenarios`: `scenario_branch` and the version clone;
- `undo`: `plan_undo_last`, a planner's last save taken back.

The public names are re-exported here: `from planning.plans.services import ...` is the API
(with the four shared steps `planning.plans.line_settings` builds its write from).
"""

from planning.plans.services.approvals import (
    COMMENT_MAX,
    can_decide,
    can_withdraw,
    version_approve,
    version_reject,
    version_submit,
    version_withdraw,
)
from planning.plans.services.cell_edits import CellEdit, EditResult, closed_week_message, plan_cells_update
from planning.plans.services.checks import CellConflictError, PlanError
from planning.plans.services.checks import _check_editable as _check_editable
from planning.plans.services.checks import _parse as _parse
from planning.plans.services.creation import PlanSpec, plan_create
from planning.plans.services.derived_values import (
    RECOMPUTE_TASK_KEY,
    Progress,
    load_block,
    plan_recompute_request,
    queue_version_recompute,
    version_recompute,
    version_totals_recompute,
)
from planning.plans.services.derived_values import _queue_totals as _queue_totals
from planning.plans.services.derived_values import _write_derived as _write_derived
from planning.plans.services.scenarios import scenario_branch
from planning.plans.services.total_edits import FLOW_ENTERED, plan_aggregate_update, plan_cell_lock
from planning.plans.services.undo import plan_undo_last

__all__ = [
    "COMMENT_MAX",
    "FLOW_ENTERED",
    "RECOMPUTE_TASK_KEY",
    "CellConflictError",
    "CellEdit",
    "EditResult",
    "PlanError",
    "PlanSpec",
    "Progress",
    "can_decide",
    "can_withdraw",
    "closed_week_message",
    "load_block",
    "plan_aggregate_update",
    "plan_cell_lock",
    "plan_cells_update",
    "plan_create",
    "plan_recompute_request",
    "plan_undo_last",
    "queue_version_recompute",
    "scenario_branch",
    "version_approve",
    "version_recompute",
    "version_reject",
    "version_submit",
    "version_totals_recompute",
    "version_withdraw",
]
