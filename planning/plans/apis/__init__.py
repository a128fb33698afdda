"""REST endpoints for plans: read versions, lines and cells; edit cells; submit, approve,
reject and branch versions.

Thin views over the same services as the HTML grid (planning.plans.services): they scope
reads to the user's visible departments; refusals are core's errors, answered by core.api's
handler (bad input and PlanError 400, PermissionDenied 403, a stale cell 409).

Split by what the endpoints serve: `versions` (plans, versions, lines), `cells`, `approvals`
(submit, approve, reject, branch); their wire shapes in `serializers`, the scoping and refusal
answers they share in `shared`. The fiscal-week field other apps' APIs use is
planning.api_fields.WeekField.
"""
