#!/usr/bin/env bash
# Checks the observability samples without a running mesh:
#  - promtool (Debian package `prometheus`), when installed: the scrape config, the recording
#    rules, their unit tests (rules_test.yml) and that every query of the dashboard parses;
#  - always (python3): the dashboard's structure, and that every metric its queries and the
#    rules use is one the sidecar documents, with labels that metric has.
# Usage: samples/observability/check.sh   (exit status 1 on any failure)
# mesh-e2e's ObservabilitySamplesIT does the same against a live sidecar's scrape.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Static checks; also writes the dashboard's queries, Grafana variables replaced by values, as a
# rules file for promtool to parse.
python3 - "$work/dashboard-queries.yml" <<'PY'
import json, re, sys

# The sidecar's metrics (Prometheus names) and their own labels.
R = {"direction", "source", "destination", "route", "subset", "status_class"}
DOCUMENTED = {
    "trellis_requests_seconds_bucket": R | {"le"},
    "trellis_requests_seconds_count": R,
    "trellis_requests_seconds_sum": R,
    "trellis_retries_total": {"destination", "route"},
    "trellis_retry_budget_exhausted_total": {"destination", "route"},
    "trellis_outlier_ejections_total": {"destination"},
    "trellis_mesh_errors_total": {"destination", "reason"},
    "trellis_circuit_breaker_state": {"destination"},
    "trellis_circuit_breaker_not_permitted_total": {"destination"},
    "trellis_connections_open": {"listener"},
    "trellis_health_checks_total": {"destination", "result"},
    "trellis_rate_limited_total": {"service"},
    "trellis_access_log_dropped_total": set(),
    "trellis_tap_dropped_total": set(),
}
# Labels Prometheus adds from the scrape configuration (prometheus.yml, the Kubernetes job).
TARGET_LABELS = {"job", "instance", "service", "version", "namespace", "pod"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "and", "or", "unless", "atan2", "inf", "nan"}
GROUPING = re.compile(r'\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)')
STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
failures = []

def fail(msg):
    failures.append(msg)

def parse(expr):
    """The metrics an expression selects, each with the labels its matchers name, and the labels it groups by."""
    e = re.sub(r'\$\{[^}]*\}|\$\w+', '', expr)
    e = STRINGS.sub('""', e)
    grouping = set()
    for m in GROUPING.finditer(e):
        if m.group(1) != "without":
            grouping |= {l.strip() for l in m.group(2).split(",") if l.strip()}
    e = GROUPING.sub(' ', e)
    e = re.sub(r'\[[^\]]*\]', ' ', e)
    selectors = []
    for m in re.finditer(r'([A-Za-z_:][A-Za-z0-9_:]*)?\s*(\{[^}]*\})?', e):
        name, matchers = m.group(1), m.group(2)
        if not name and not matchers:
            continue
        if name and (name.lower() in KEYWORDS or e[m.end(1):].lstrip().startswith("(") and not matchers):
            continue
        if name and re.match(r'\d', e[m.start(1) - 1:m.start(1)] or "x"):
            continue
        labels = set(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)', matchers or ""))
        if not name or "__name__" in labels:
            fail(f"selector without a plain metric name in: {expr}")
            continue
        selectors.append((name, labels))
    return selectors, grouping

# Rules: names they record may be used by the dashboard too.
rules_text = open("rules.yml").read()
recorded = set(re.findall(r'^\s*-\s*record:\s*(\S+)\s*$', rules_text, re.M))
rule_exprs = re.findall(r'^\s*expr:\s*(.+?)\s*$', rules_text, re.M)
if len(rule_exprs) != len(recorded) or not rule_exprs:
    fail("rules.yml: expected one single-line expr per record")

def check(where, expr, extra_labels=frozenset()):
    selectors, grouping = parse(expr)
    if not selectors:
        fail(f"{where}: no metric in {expr}")
    names = set()
    for name, labels in selectors:
        names.add(name)
        if name in recorded:
            continue
        if name not in DOCUMENTED:
            fail(f"{where}: {name} is not a documented Trellis metric")
            continue
        unknown = labels - DOCUMENTED[name] - TARGET_LABELS
        if unknown:
            fail(f"{where}: {name} has no label {sorted(unknown)}")
    raw = [n for n in names if n in DOCUMENTED]
    if raw and not any(n in recorded for n in names):
        have = set().union(*(DOCUMENTED[n] for n in raw)) | TARGET_LABELS
        unknown = (grouping | set(extra_labels)) - have
        if unknown:
            fail(f"{where}: groups by {sorted(unknown)}, which {sorted(raw)} do not have")
    return names

used = set()
for expr in rule_exprs:
    used |= check("rules.yml", expr)

dash = json.load(open("grafana/trellis-dashboard.json"))
if dash.get("schemaVersion", 0) < 36:
    fail("dashboard: schemaVersion below 36")
variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
ds = variables.get("DS_PROMETHEUS")
if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
    fail("dashboard: no datasource variable DS_PROMETHEUS of type prometheus")
for name in ("direction", "source", "destination"):
    if name not in variables:
        fail(f"dashboard: no variable {name}")
DS_REF = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}

queries = []
for v in variables.values():
    if v["type"] != "query":
        continue
    if v.get("datasource") != DS_REF:
        fail(f"variable {v['name']}: datasource is not ${{DS_PROMETHEUS}}")
    q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
    m = re.fullmatch(r'\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*', q)
    if not m:
        fail(f"variable {v['name']}: expected label_values(metric{{...}}, label), got {q}")
        continue
    used |= check(f"variable {v['name']}", m.group(1), {m.group(2)})
    queries.append((f"variable {v['name']}", m.group(1)))

ids, cells = set(), {}
for p in dash["panels"]:
    if p["id"] in ids:
        fail(f"dashboard: panel id {p['id']} twice")
    ids.add(p["id"])
    g = p["gridPos"]
    if g["x"] + g["w"] > 24:
        fail(f"panel {p['title']}: wider than the grid")
    for x in range(g["x"], g["x"] + g["w"]):
        for y in range(g["y"], g["y"] + g["h"]):
            if (x, y) in cells:
                fail(f"panel {p['title']} overlaps {cells[(x, y)]}")
            cells[(x, y)] = p["title"]
    if p["type"] == "row":
        continue
    if p.get("datasource") != DS_REF:
        fail(f"panel {p['title']}: datasource is not ${{DS_PROMETHEUS}}")
    if not p.get("targets"):
        fail(f"panel {p['title']}: no queries")
    for t in p.get("targets", []):
        if t.get("datasource") != DS_REF:
            fail(f"panel {p['title']} query {t.get('refId')}: datasource is not ${{DS_PROMETHEUS}}")
        for var in re.findall(r'\$\{?(\w+)', t["expr"]):
            if var not in variables and not var.startswith("__"):
                fail(f"panel {p['title']}: unknown variable ${var}")
        used |= check(f"panel {p['title']}", t["expr"])
        queries.append((f"panel {p['title']} {t['refId']}", t["expr"]))

unused = set(DOCUMENTED) - used - {"trellis_requests_seconds_sum"}
if unused:
    print(f"note: documented metrics no query uses: {sorted(unused)}")

# The dashboard's queries with Grafana's variables replaced, for promtool to parse.
with open(sys.argv[1], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, (where, q) in enumerate(queries):
        q = re.sub(r'\$__\w+', '1m', q)
        q = re.sub(r'\$\{?(\w+)\}?', '.*', q).replace('="$direction"', '="outbound"')
        out.write(f"      - record: dashboard_query_{i}\n        expr: {json.dumps(q)}\n")

if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print(f"OK: {len(queries)} dashboard queries and {len(rule_exprs)} rules use only documented metrics and labels")
PY

if command -v promtool >/dev/null 2>&1; then
  promtool check config prometheus.yml
  promtool check rules rules.yml
  promtool test rules rules_test.yml
  promtool check rules "$work/dashboard-queries.yml"
else
  echo "promtool not found (Debian: apt-get install prometheus): skipped the promtool checks"
fi
echo "samples/observability: all checks passed"
