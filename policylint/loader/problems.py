"""Input that cannot be read: the PL0xx problems, their codes and their documentation."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "PROBLEM_CODES", "problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """A parse-level issue; the engine turns it into a finding. ``line``/``column`` are 1-based."""

    code: str
    message: str
    file: str
    line: int
    column: int
    severity: str = "error"


def problem(code: str, message: str, file: str, line: int, column: int) -> Problem:
    """A Problem with the severity its code carries (PL010 is a warning, the others errors)."""
    return Problem(code, message, file, line, column, _SEVERITY.get(code, "error"))


_SEVERITY = {"PL010": "warning"}

# code -> (name, summary, documentation in Markdown, printed by `policylint explain CODE`)
PROBLEM_CODES: dict[str, tuple[str, str, str]] = {
    "PL001": ("yaml-syntax-error", "The file is not valid YAML", """\
## What it does
Reports a YAML document that the parser cannot read, at the line and column where the parser stopped.

## Why it matters
`kubectl apply` rejects the whole file, and policylint cannot check a document it cannot read. The other
documents of the file are still checked: policylint restarts at the next `---` line.

## Example
```yaml
spec:
  hosts:
  - api.example.com
   ports: []        # indented one space too far
```

## How to fix
Fix the indentation or quoting at the reported position. A value that starts with `*`, `&`, `!`, `{`,
`[`, `%`, `@` or a backquote, or that contains `: `, must be quoted.
"""),
    "PL002": ("unrendered-template", "The document is a Helm/Go template, not a manifest", """\
## What it does
Reports a document that contains Go template actions (`{{ ... }}`) where YAML structure is expected: on
control lines such as `{{- if .Values.x }}`, in keys, in unquoted values, or anywhere in a document that
does not parse. The document is skipped.

Template text inside quoted strings and block scalars is data (the sidecar injector's ConfigMap, Grafana
dashboards, Prometheus alert annotations) and is checked normally.

## Why it matters
A template is not what reaches the cluster; checking it would report things that the rendering changes.

## Example
```yaml
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: {{ .Release.Name }}-external
```

## How to fix
Render the chart first and lint the output: `helm template my-release ./chart | policylint lint -`.
Exclude the chart's `templates/` directory from the paths you lint (`--exclude 'charts/*/templates/**'`).
"""),
    "PL003": ("document-not-a-mapping", "The document is not a mapping", """\
## What it does
Reports a YAML document (or an item of a `kind: List`) that is a list or a plain value instead of a mapping.

## Why it matters
Every Kubernetes object is a mapping with `apiVersion`, `kind` and `metadata`; anything else is rejected
by `kubectl apply`.

## Example
```yaml
- apiVersion: v1
  kind: Service
```

## How to fix
Remove the leading `- ` to make the document a mapping, or wrap several objects in a `kind: List`.
A JSON patch (a JSON array of operations) is not a manifest: do not pass it to policylint.
"""),
    "PL004": ("missing-apiversion-or-kind", "The document has no apiVersion or no kind", """\
## What it does
Reports a mapping document without a string `apiVersion` or `kind`.

## Why it matters
Without them the document is not a Kubernetes object: the API server rejects it and no policylint rule
applies to it. Often it is a fragment copied from documentation, or a values file with an unusual name.

## Example
```yaml
metadata:
  name: external-api
spec:
  hosts: [api.example.com]
```

## How to fix
Add the missing fields (`apiVersion: networking.istio.io/v1`, `kind: ServiceEntry`). Helm values files
are recognised by name (`values.yaml`, `values-*.yaml`, `*-values.yaml`, `*.values.yaml`,
`values.*.yaml`); exclude other non-manifest YAML files with `--exclude`.
"""),
    "PL005": ("duplicate-key", "A mapping has the same key twice", """\
## What it does
Reports a mapping key that appears a second time in the same mapping, at the repeated key.

## Why it matters
PyYAML keeps the last value silently, but `kubectl apply` rejects the document
(`mapping key "ports" already defined`). When the file is applied by a tool that keeps the first value,
the resource differs from what policylint checked.

## Example
```yaml
spec:
  ports:
  - number: 443
  ports:            # duplicate key
  - number: 80
```

## How to fix
Merge the two entries into one key, or delete the one you do not want.
"""),
    "PL006": ("unreadable-file", "The file cannot be read as text", """\
## What it does
Reports a file that cannot be opened or read, a binary file (it contains NUL bytes), or a file that is
not UTF-8 (or UTF-16 with a byte order mark).

## Why it matters
Kubernetes manifests are UTF-8 text. A binary file in a manifest directory is usually an archive or an
image that should not be linted.

## Example
A `chart.tgz` named `manifest.yaml`, or a file saved as Latin-1 with `é` in a comment.

## How to fix
Save the file as UTF-8, or exclude it (`--exclude '*.tgz'`). For an I/O error, check the path and its
permissions.
"""),
    "PL007": ("file-too-large", "The file is larger than the size limit", """\
## What it does
Reports a file larger than the size limit (5 MB by default) without reading it.

## Why it matters
Manifests that large are usually generated bundles or data dumps; reading them costs memory and time
and hides the findings that matter.

## Example
A 40 MB `all-crds.yaml` produced by a build step.

## How to fix
Lint the sources the bundle is generated from, exclude the file, or raise the limit
(`--max-file-size 20MB`).
"""),
    "PL008": ("alias-expansion-limit", "YAML aliases expand to too many nodes", """\
## What it does
Reports a document whose anchors and aliases (`&a` / `*a`) would expand to more than 100,000 nodes (and
more than 10 times the nodes actually written), or where an alias refers to the node that contains it
(`a: &a [*a]`, data that never ends). The document is skipped.

## Why it matters
This is the "billion laughs" attack: a few lines that expand to gigabytes in any tool that walks the
data. The API server refuses such documents too.

## Example
```yaml
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
```

## How to fix
Write the repeated data out, or generate the manifest with a tool instead of aliases.
"""),
    "PL009": ("nesting-too-deep", "The document is nested too deeply", """\
## What it does
Reports a document whose mappings and lists nest more than 256 levels deep, at the first node beyond
the limit. The document is skipped.

## Why it matters
No Kubernetes object comes near that depth; such input is broken or hostile, and parsers that recurse
can crash on it.

## Example
```yaml
a: [[[[[[[[[[ ... thousands of brackets ... ]]]]]]]]]]
```

## How to fix
Find the unclosed brackets or the runaway indentation at the reported position.
"""),
    "PL010": ("empty-file", "The file holds no document", """\
## What it does
Warns about a YAML or JSON file that is empty or holds only comments and `---` separators.

## Why it matters
An empty manifest is often the result of a failed rendering step (`helm template ... > out.yaml` that
printed its error to the terminal) or of a file committed by mistake.

## Example
A file with only `---`.

## How to fix
Delete the file, or fix the step that should have generated its content.
"""),
    "PL011": ("invalid-json", "The JSON file is not valid JSON", """\
## What it does
Reports a `.json` file that `json.loads` rejects, at the line and column where decoding stopped.

## Why it matters
`kubectl apply` reads a file that starts with `{` as JSON and rejects it.

## Example
```json
{"apiVersion": "v1", "kind": "Service",}
```

## How to fix
Remove trailing commas and comments, and quote every key with double quotes. If the file is really
YAML, give it a `.yaml` suffix.
"""),
    "PL012": ("rule-failed", "A rule raised an internal error on this document", """\
## What it does
Reports that evaluating a rule (or filling one of its lookup indexes) on a document raised an exception
inside policylint, with the rule id and the exception. The rule's other documents and every other rule are
still checked.

## Why it matters
The rule could not say whether this document is correct, so a problem it looks for may be missed here. It is
a bug in policylint or in a custom rule's builtin, never in your manifest.

## Example
A custom builtin that divides by a field's value, on a document where the field is 0.

## How to fix
Report the message (it names the rule and the exception) to the rule's author. Meanwhile the finding can be
suppressed like any other, or the rule disabled with `--disable RULE`.
"""),
}
