"""Read Lighthouse's JSON reports and print the four scores per page against the budgets.

    python bench/lighthouse/scores.py OUT_DIR home collection product

Exits 1 when a score is under its budget (or a report is missing), and then lists the audits
that cost points, so the fix is in the output rather than in a 2 MB JSON file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

BUDGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
HEADINGS = {
    "performance": "Perf",
    "accessibility": "A11y",
    "best-practices": "Best",
    "seo": "SEO",
}
EXAMPLES = 3
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift", "speed-index")  # fmt: skip


def score(report: dict[str, Any], category: str) -> int | None:
    value = report.get("categories", {}).get(category, {}).get("score")
    return None if value is None else round(value * 100)


def failing_audits(report: dict[str, Any], category: str) -> list[str]:
    audits = report.get("audits", {})
    lines = []
    for reference in report.get("categories", {}).get(category, {}).get("auditRefs", []):
        if not reference.get("weight"):
            continue
        audit = audits.get(reference["id"], {})
        value = audit.get("score")
        if value is None or value >= 1:
            continue
        if audit.get("scoreDisplayMode") in ("notApplicable", "informative", "manual"):
            continue
        detail = audit.get("displayValue", "")
        lines.append(f"{reference['id']} ({value:.2f}) {audit.get('title', '')} {detail}".strip())
        # Where it happens: the first few elements the audit names.
        for item in audit.get("details", {}).get("items", [])[:EXAMPLES]:
            node = item.get("node", {}) if isinstance(item, dict) else {}
            where = node.get("selector") or item.get("url", "") if isinstance(item, dict) else ""
            explanation = node.get("explanation", "").replace("\n", " ")
            if where:
                lines.append(f"    at {where}  {explanation[:160]}".rstrip())
    return lines


def main() -> int:
    out = Path(sys.argv[1])
    pages = sys.argv[2:]
    results: dict[str, Any] = {}
    below = False
    header = f"{'page':<11} " + " ".join(f"{HEADINGS[c]:>5}" for c in BUDGETS) + "  verdict"
    print(header)
    print("-" * len(header))
    details: list[str] = []
    for page in pages:
        path = out / f"lighthouse-{page}.json"
        if not path.exists():
            print(f"{page:<11} no report ({path.name} missing)")
            below = True
            continue
        report = json.loads(path.read_text())
        scores = {category: score(report, category) for category in BUDGETS}
        misses = [
            category
            for category, budget in BUDGETS.items()
            if scores[category] is None or scores[category] < budget  # type: ignore[operator]
        ]
        below = below or bool(misses)
        cells = " ".join(f"{'-' if scores[c] is None else scores[c]:>5}" for c in BUDGETS)
        verdict = "ok" if not misses else "BELOW BUDGET: " + ", ".join(misses)
        print(f"{page:<11} {cells}  {verdict}")
        metrics = {
            metric: report.get("audits", {}).get(metric, {}).get("displayValue", "")
            for metric in METRICS
        }
        results[page] = {
            "url": report.get("finalDisplayedUrl") or report.get("finalUrl"),
            "scores": scores,
            "metrics": metrics,
            "runtime_error": report.get("runtimeError"),
        }
        for category in misses:
            for line in failing_audits(report, category):
                details.append(f"  {page} / {category}: {line}")
        if report.get("runtimeError"):
            details.append(f"  {page}: runtime error {report['runtimeError']}")
    print(f"{'budget':<11} " + " ".join(f"{b:>5}" for b in BUDGETS.values()))
    if results:
        print("\nmetrics (mobile, simulated throttling):")
        for page, result in results.items():
            print(f"  {page:<11} " + "  ".join(f"{k}: {v}" for k, v in result["metrics"].items()))
    if details:
        print("\naudits that cost points:")
        print("\n".join(details))
    (out / "lighthouse.json").write_text(
        json.dumps({"budgets": BUDGETS, "pages": results}, indent=2)
    )
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
