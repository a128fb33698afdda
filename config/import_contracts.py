"""An import-linter contract for the shape of every app (run by `make lint`, `lint-imports`).

Each app has page modules (views, APIs, URL confs, forms, admin, template tags, management
commands: their own modules or packages, or modules named `*_views`, `*_apis`, `*_urls`,
`*_forms`) and domain modules below them (models, services, selectors, engines, tasks, ...).
Rules, checked on every direct import, so a new module is covered the day it is added:

1. A domain module never imports a page module (services and selectors below views).
2. An app imports another app only through its public domain modules: never its pages, never a
   private module (`_name`).
"""

from __future__ import annotations

import re

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output

_PAGE = re.compile(
    r"^(views|apis|urls|api_urls|forms|admin|templatetags|management|\w+_(views|apis|urls|forms))$"
)


def is_page(module: str) -> bool:
    return any(_PAGE.match(part) for part in module.split(".")[1:])


def is_private(module: str) -> bool:
    last = module.split(".")[-1]
    return last.startswith("_") and not last.startswith("__")


def broken_import(importer: str, imported: str, apps: set[str]) -> str | None:
    """Why `importer -> imported` breaks the shape, or None."""
    own, other = importer.split(".")[0], imported.split(".")[0]
    if own not in apps or other not in apps:
        return None
    if is_page(imported) and not is_page(importer):
        return "a domain module imports a page module"
    if own != other and is_page(imported):
        return f"{own} imports a page module of {other}"
    if own != other and is_private(imported):
        return f"{own} imports a private module of {other}"
    return None


class AppShapeContract(Contract):
    """Options: `apps` (the root packages the rules apply to)."""

    apps = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        apps = {str(app) for app in self.apps}  # type: ignore[attr-defined]
        broken = []
        for importer in sorted(graph.modules):
            if importer.split(".")[0] not in apps:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                reason = broken_import(importer, imported, apps)
                if reason:
                    lines = graph.get_import_details(importer=importer, imported=imported)
                    where = ", ".join(f"l.{line['line_number']}" for line in lines)
                    broken.append(f"{importer} -> {imported} ({where}): {reason}")
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["broken"]:
            output.print_error(line, bold=False)
            output.new_line()
