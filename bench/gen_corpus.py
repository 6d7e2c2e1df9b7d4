#!/usr/bin/env python3
"""Write a deterministic, realistic corpus of Kubernetes/Istio egress manifests for the speed benchmark.

    .venv/bin/python bench/gen_corpus.py --docs 10000 --out bench/out/corpus-10k

The corpus looks like a large manifest repository: one directory per namespace, application bundles
(Deployment + Service, often a DestinationRule and a ConfigMap) in multi-document files, egress
ServiceEntries, ExternalName Services, Sidecars, a few StatefulSets/CronJobs/IstioOperators/Helm values, some
files written as `kind: List`, some as JSON. About 1 KB per document. Names, namespaces and hosts vary (the pool
of namespaces and private hosts grows with the corpus, popular SaaS hosts recur), so cross-resource indexes see a
realistic key distribution.

A configurable fraction of documents (default 5%) carries one injected mistake, drawn from many kinds (port 443
declared HTTP, CIDRs with host bits, spaces in includeOutboundIPRanges, ExternalName ports named `tcp`, Sidecar
ALLOW_ANY, duplicate ServiceEntry hosts with conflicting protocols in another file, wildcard hosts with DNS
resolution, ...). Every injected mistake is listed in `MISTAKES.tsv` at the top of the corpus (not a YAML/JSON
file, so linters skip it).

`--docs` counts documents as a linter sees them: each item of a `kind: List` is one document.
Same arguments, same bytes: the output depends only on --docs, --seed and --mistakes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

import yaml

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper

DEFAULT_DOCS = 10_000
DEFAULT_SEED = 20240611
DEFAULT_MISTAKES = 0.05

CAP = "traffic.sidecar.istio.io/"
TEAMS = (
    "payments checkout search ads billing identity catalog inventory shipping fraud reviews recommend "
    "notifications ledger pricing loyalty returns warehouse analytics reporting gateway auth profile media "
    "messaging orders cart tax invoicing compliance risk onboarding support crm marketing geo maps routing "
    "dispatch fleet telemetry metrics logging platform data ml feature-store experiments"
).split()
ENVS = ("", "-prod", "-staging", "-dev", "-eu", "-us", "-apac")
APP_WORDS = (
    "api worker web frontend backend sync importer exporter scheduler consumer producer cache proxy indexer "
    "renderer resolver validator notifier collector aggregator uploader downloader mailer"
).split()
# Popular third-party endpoints: many teams declare their own ServiceEntry for these.
SAAS = [
    ("api.stripe.com", 443), ("api.github.com", 443), ("github.com", 443), ("api.twilio.com", 443),
    ("hooks.slack.com", 443), ("api.sendgrid.com", 443), ("sqs.us-east-1.amazonaws.com", 443),
    ("s3.amazonaws.com", 443), ("storage.googleapis.com", 443), ("oauth2.googleapis.com", 443),
    ("login.microsoftonline.com", 443), ("api.datadoghq.com", 443), ("sentry.io", 443),
    ("api.segment.io", 443), ("api.pagerduty.com", 443), ("api.openai.com", 443),
    ("registry.npmjs.org", 443), ("pypi.org", 443), ("files.pythonhosted.org", 443),
    ("api.mailgun.net", 443), ("api.paypal.com", 443), ("api.adyen.com", 443), ("vault.corp.example.com", 8200),
    ("kafka.corp.example.com", 9092), ("ldap.corp.example.com", 636), ("smtp.corp.example.com", 25),
]
VENDOR_WORDS = (
    "acme globex initech umbrella hooli stark wayne wonka cyberdyne tyrell soylent vandelay massive "
    "oscorp aperture blackmesa gringotts monarch nakatomi duff"
).split()
TLDS = ("com", "io", "net", "example.com", "cloud", "dev")
DB_PORTS = (("postgres", 5432), ("mysql", 3306), ("redis", 6379), ("mongo", 27017), ("kafka", 9092),
            ("amqp", 5672), ("elastic", 9200), ("memcached", 11211))
IMAGES = ("nginx", "python", "openjdk", "node", "golang", "envoyproxy/envoy", "redis", "busybox")
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "10.96.0.0/12", "100.64.0.0/10",
                  "fd00::/8", "10.244.0.0/16")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")


class Gen:
    def __init__(self, docs: int, seed: int, mistake_rate: float) -> None:
        self.r = random.Random(seed)
        self.target = docs
        self.mistake_rate = mistake_rate
        n_ns = max(8, docs // 150)
        self.namespaces = []
        for i in range(n_ns):
            team = TEAMS[i % len(TEAMS)]
            env = ENVS[(i // len(TEAMS)) % len(ENVS)]
            gen = i // (len(TEAMS) * len(ENVS))
            self.namespaces.append(f"{team}{env}" + (f"-{gen + 1}" if gen else ""))
        self.cost_center = {ns: f"cc-{1000 + 7 * (i % len(TEAMS))}" for i, ns in enumerate(self.namespaces)}
        # Private/partner hosts: the pool grows with the corpus, so bucket sizes stay realistic at any scale.
        self.private_hosts = []
        for i in range(max(50, docs // 12)):
            vendor = VENDOR_WORDS[i % len(VENDOR_WORDS)]
            svc = APP_WORDS[(i // len(VENDOR_WORDS)) % len(APP_WORDS)]
            tld = TLDS[(i * 7) % len(TLDS)]
            suffix = i // (len(VENDOR_WORDS) * len(APP_WORDS))
            self.private_hosts.append(f"{svc}{suffix or ''}.{vendor}.{tld}")
        self.files: list[tuple[str, list, str]] = []  # (relative path, docs, format yaml|json|list|list-json)
        self.count = 0
        self.kinds: Counter = Counter()
        self.mistakes: list[tuple] = []  # (file, doc number, kind, name, mistake)
        self.pending: list[tuple] = []  # mistakes of the file being built: (doc number, kind, name, mistake)
        self.se_seen: list[tuple] = []  # (namespace, host, port, protocol, file) of ServiceEntries written
        self.name_counter: Counter = Counter()

    # -- helpers -------------------------------------------------------------------------------------------

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def unique(self, ns: str, base: str) -> str:
        self.name_counter[(ns, base)] += 1
        n = self.name_counter[(ns, base)]
        return base if n == 1 else f"{base}-{n}"

    def mistake(self) -> bool:
        # ConfigMaps and ServiceAccounts (about a fifth of the documents) never get one: scale up the others.
        return self.r.random() < self.mistake_rate * 1.28

    def note(self, doc_no: int, doc: dict, what: str) -> None:
        self.pending.append((doc_no, doc["kind"], doc["metadata"].get("name"), what))

    def labels(self, app: str, ns: str) -> dict:
        out = {"app": app, "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": ns.split("-")[0]}
        if self.r.random() < 0.6:
            out["version"] = f"v{self.r.randint(1, 4)}"
        if self.r.random() < 0.5:
            out["team"] = ns.split("-")[0]
        return out

    def meta(self, ns: str, name: str, labels: dict | None = None) -> dict:
        """metadata with the labels and annotations a GitOps repository typically stamps on everything."""
        r = self.r
        labels = dict(labels or {})
        labels["app.kubernetes.io/managed-by"] = r.choice(("argocd", "argocd", "helm", "kustomize"))
        labels["environment"] = ns.rsplit("-", 1)[-1] if "-" in ns else "prod"
        labels["cost-center"] = self.cost_center.get(ns, "cc-0999")
        out = {"name": name, "namespace": ns, "labels": labels}
        if r.random() < 0.5:
            out["annotations"] = {"argocd.argoproj.io/sync-wave": str(r.randint(-2, 5)),
                                  "owner.example.com/contact": f"{ns.split('-')[0]}-oncall@example.com"}
        return out

    def cidr_list(self) -> str:
        k = self.r.choice((1, 1, 2, 2, 3))
        return ",".join(self.r.sample(PRIVATE_RANGES, k))

    def external_host(self) -> tuple[str, int]:
        if self.r.random() < 0.35:
            return self.pick(SAAS)
        return self.pick(self.private_hosts), self.r.choice((443, 443, 443, 8443, 5432, 9092, 80))

    # -- documents -----------------------------------------------------------------------------------------

    def deployment(self, ns: str, app: str, doc_no: int, kind: str = "Deployment") -> dict:
        r = self.r
        image = self.pick(IMAGES)
        port = r.choice((8080, 8080, 8000, 9090, 3000, 5000))
        annotations = {"sidecar.istio.io/inject": "true"}
        if r.random() < 0.5:
            annotations["prometheus.io/scrape"] = "true"
            annotations["prometheus.io/port"] = "15020"
        capture = r.random() < 0.55
        if capture:
            annotations[CAP + "includeOutboundIPRanges"] = r.choice((self.cidr_list(), "*", self.cidr_list()))
            if r.random() < 0.6:
                annotations[CAP + "excludeOutboundIPRanges"] = "169.254.169.254/32"
            if r.random() < 0.4:
                annotations[CAP + "excludeOutboundPorts"] = ",".join(
                    str(p) for _, p in r.sample(DB_PORTS, r.randint(1, 3)))
            if r.random() < 0.15:
                annotations[CAP + "excludeInboundPorts"] = "15090"
            if r.random() < 0.1:
                annotations["sidecar.istio.io/interceptionMode"] = "REDIRECT"
        env = [{"name": "LOG_LEVEL", "value": r.choice(("info", "debug", "warn"))},
               {"name": "PORT", "value": str(port)}]
        for _ in range(r.randint(1, 4)):
            host, hport = self.external_host()
            key = host.split(".")[-2 if host.count(".") else 0].upper().replace("-", "_")
            env.append({"name": f"{key}_URL", "value": f"https://{host}:{hport}/v1"})
        if r.random() < 0.3:
            env.append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "password"}}})
        container = {
            "name": app,
            "image": f"registry.example.com/{ns}/{app}:{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}"
            if image != "busybox" else "busybox:1.36",
            "ports": [{"name": "http", "containerPort": port}],
            "env": env,
            "resources": {"requests": {"cpu": f"{r.choice((50, 100, 250, 500))}m",
                                       "memory": f"{r.choice((64, 128, 256, 512))}Mi"},
                          "limits": {"memory": f"{r.choice((256, 512, 1024))}Mi"}},
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": port}, "periodSeconds": 10},
            "livenessProbe": {"httpGet": {"path": "/livez", "port": port}, "initialDelaySeconds": 15,
                              "periodSeconds": 20, "failureThreshold": 3},
            "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        }
        pod_spec: dict = {"serviceAccountName": app, "terminationGracePeriodSeconds": 30,
                          "imagePullSecrets": [{"name": "registry-example-com"}], "containers": [container]}
        if r.random() < 0.25:
            pod_spec["volumes"] = [{"name": "config", "configMap": {"name": f"{app}-config"}}]
            container["volumeMounts"] = [{"name": "config", "mountPath": "/etc/" + app}]
        if r.random() < 0.15:
            pod_spec["nodeSelector"] = {"topology.kubernetes.io/region": self.pick(REGIONS)}
        template = {"metadata": {"labels": self.labels(app, ns), "annotations": annotations}, "spec": pod_spec}
        doc = {"apiVersion": "apps/v1" if kind != "CronJob" else "batch/v1", "kind": kind,
               "metadata": self.meta(ns, app, self.labels(app, ns))}
        if kind == "CronJob":
            pod_spec["restartPolicy"] = "OnFailure"
            doc["spec"] = {"schedule": f"{r.randint(0, 59)} {r.randint(0, 23)} * * *",
                           "jobTemplate": {"spec": {"template": template}}}
        else:
            doc["spec"] = {"replicas": r.choice((1, 2, 3, 3, 6)), "selector": {"matchLabels": {"app": app}}}
            if kind == "Deployment":
                doc["spec"]["strategy"] = {"type": "RollingUpdate",
                                           "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
            else:
                doc["spec"]["serviceName"] = app
            doc["spec"]["template"] = template
        if self.mistake():
            what = self.pick((
                "cap-spaces", "cap-host-bits", "cap-bad-cidr", "cap-empty-include", "cap-misplaced",
                "cap-bad-exclude-ports", "cap-exclude-star", "cap-interception-mode", "cap-bare-ip",
                "cap-star-mixed",
            ))
            a = annotations
            if what == "cap-spaces":
                a[CAP + "includeOutboundIPRanges"] = "10.0.0.0/8, 172.16.0.0/12"
            elif what == "cap-host-bits":
                a[CAP + "includeOutboundIPRanges"] = "10.0.0.1/24," + self.pick(PRIVATE_RANGES[1:3])
            elif what == "cap-bad-cidr":
                a[CAP + "includeOutboundIPRanges"] = self.pick(("10.0.0.0/33", "10.0.0/8", "010.0.0.0/8"))
            elif what == "cap-empty-include":
                a[CAP + "includeOutboundIPRanges"] = ""
            elif what == "cap-misplaced":
                doc["metadata"]["annotations"] = {CAP + "excludeOutboundIPRanges": "169.254.169.254/32"}
            elif what == "cap-bad-exclude-ports":
                a[CAP + "excludeOutboundPorts"] = self.pick(("5432,,6379", "postgres", "5432;6379"))
            elif what == "cap-exclude-star":
                a[CAP + "excludeOutboundIPRanges"] = "*"
            elif what == "cap-interception-mode":
                a["sidecar.istio.io/interceptionMode"] = "tproxy"
            elif what == "cap-bare-ip":
                a[CAP + "includeOutboundIPRanges"] = "10.0.0.0/8,192.168.1.10"
            elif what == "cap-star-mixed":
                a[CAP + "includeOutboundIPRanges"] = "*,10.0.0.0/8"
            self.note(doc_no, doc, what)
        return doc

    def service(self, ns: str, app: str, doc_no: int) -> dict:
        r = self.r
        ports = [{"name": r.choice(("http", "http-web", "grpc", "http2-api")), "port": 80,
                  "targetPort": 8080, "protocol": "TCP"}]
        if r.random() < 0.3:
            ports.append({"name": "http-metrics", "port": 9090, "targetPort": 9090})
        if r.random() < 0.1:
            ports.append({"name": "tcp-admin", "port": 9000, "targetPort": 9000, "appProtocol": "tcp"})
        doc = {"apiVersion": "v1", "kind": "Service",
               "metadata": self.meta(ns, app, self.labels(app, ns)),
               "spec": {"type": "ClusterIP", "selector": {"app": app}, "ports": ports}}
        if self.mistake():
            what = self.pick(("svc-443-named-http", "svc-unnamed-port", "svc-bad-port-name"))
            if what == "svc-443-named-http":
                ports.append({"name": "http", "port": 443, "targetPort": 8443})
                ports[0]["name"] = "http-web"
            elif what == "svc-unnamed-port":
                del ports[0]["name"]
            else:
                ports[0]["name"] = self.pick(("web", "http_api", "status-port"))
            self.note(doc_no, doc, what)
        return doc

    def external_service(self, ns: str, doc_no: int) -> dict:
        r = self.r
        host, port = self.external_host()
        name = self.unique(ns, host.split(".")[0] if host.count(".") > 1 else host.replace(".", "-"))
        port_name = {443: "https", 8443: "tls", 5432: "tcp-postgres", 9092: "tcp-kafka", 80: "http"}.get(port, "tls")
        doc = {"apiVersion": "v1", "kind": "Service",
               "metadata": self.meta(ns, name, {"egress": "true"}),
               "spec": {"type": "ExternalName", "externalName": host,
                        "ports": [{"name": port_name, "port": port, "protocol": "TCP"}]}}
        if self.mistake():
            what = self.pick(("svc-externalname-port-tcp", "svc-externalname-url", "svc-externalname-ip",
                              "svc-externalname-unnamed"))
            spec = doc["spec"]
            if what == "svc-externalname-port-tcp":
                spec["ports"][0]["name"] = "tcp"
            elif what == "svc-externalname-url":
                spec["externalName"] = f"https://{host}"
            elif what == "svc-externalname-ip":
                spec["externalName"] = f"203.0.113.{r.randint(1, 254)}"
            else:
                del spec["ports"][0]["name"]
            self.note(doc_no, doc, what)
        return doc

    def service_entry(self, ns: str, doc_no: int, file: str) -> dict:
        r = self.r
        host, port = self.external_host()
        hosts = [host]
        if r.random() < 0.15 and port in (443, 8443):
            vendor = host.split(".", 1)[1] if host.count(".") > 1 else host
            hosts.append(f"{self.pick(APP_WORDS)}.{vendor}")
        proto = {443: "TLS", 8443: "TLS", 80: "HTTP", 5432: "TCP", 9092: "TCP", 8200: "HTTPS", 636: "TLS",
                 25: "TCP"}[port]
        if proto == "TLS" and r.random() < 0.3:
            proto = "HTTPS"
        pname = {"TLS": "tls", "HTTPS": "https", "HTTP": "http", "TCP": "tcp"}[proto] + f"-{port}"
        ports = [{"number": port, "name": pname, "protocol": proto}]
        if port == 443 and r.random() < 0.2:
            ports.append({"number": 80, "name": "http-80", "protocol": "HTTP"})
        spec: dict = {"hosts": hosts}
        resolution = "DNS"
        if proto == "TCP" and r.random() < 0.5:
            spec["addresses"] = [f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"]
            if r.random() < 0.3:
                spec["addresses"] = [f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.0/24"]
                resolution = "NONE"
        spec["ports"] = ports
        if r.random() < 0.12 and resolution == "DNS":
            resolution = "STATIC"
            spec["endpoints"] = [
                {"address": f"203.0.113.{r.randint(1, 254)}",
                 "locality": f"{self.pick(REGIONS)}/{self.pick(REGIONS)}a"}
                for _ in range(r.randint(1, 3))]
        spec["location"] = "MESH_EXTERNAL"
        spec["resolution"] = resolution
        spec["exportTo"] = r.choice(([".", ], ["."], ["."], [".", "istio-system"], ["*"]))
        name = self.unique(ns, host.replace(".", "-").replace("*", "wildcard")[:50].strip("-"))
        doc = {"apiVersion": r.choice(("networking.istio.io/v1", "networking.istio.io/v1beta1",
                                       "networking.istio.io/v1")),
               "kind": "ServiceEntry",
               "metadata": self.meta(ns, name, {"egress.example.com/owner": ns.split("-")[0]}),
               "spec": spec}
        if r.random() < 0.4:
            doc["metadata"].setdefault("annotations", {})["egress.example.com/ticket"] = \
                f"NET-{r.randint(1000, 99999)}: approved by security on 2024-0{r.randint(1, 9)}-1{r.randint(0, 9)}"
        if self.mistake():
            what = self.pick(("se-443-http", "se-cidr-host-bits", "se-wildcard-dns", "se-dup-conflict",
                              "se-dup-conflict", "se-none-no-addresses", "se-static-fqdn-endpoint",
                              "se-ip-host", "se-multi-host-tcp", "se-cidr-with-dns", "se-bad-protocol",
                              "se-port-name-underscore"))
            if what == "se-dup-conflict":
                prior = [s for s in self.se_seen if s[0] == ns and s[4] != file and s[2] in (443, 80)]
                if not prior:
                    what = "se-443-http"
                else:
                    _, phost, pport, pproto, pfile = self.pick(prior)
                    spec["hosts"] = [phost]
                    conflict = "HTTP" if pproto != "HTTP" else "TLS"
                    spec["ports"] = [{"number": pport, "name": conflict.lower() + f"-{pport}",
                                      "protocol": conflict}]
                    spec["exportTo"] = ["."]
                    spec["resolution"] = "DNS"
                    spec.pop("addresses", None)
                    spec.pop("endpoints", None)
                    what = f"se-dup-conflict(with {pfile})"
            if what == "se-443-http":
                spec["ports"] = [{"number": 443, "name": "http", "protocol": "HTTP"}]
            elif what == "se-cidr-host-bits":
                spec["addresses"] = [f"10.{r.randint(0, 255)}.0.{r.randint(1, 254)}/24"]
                spec["resolution"] = "NONE"
                spec.pop("endpoints", None)
            elif what == "se-wildcard-dns":
                spec["hosts"] = ["*." + (host.split(".", 1)[1] if host.count(".") > 1 else host)]
                spec["resolution"] = "DNS"
                spec.pop("endpoints", None)
            elif what == "se-none-no-addresses":
                spec["resolution"] = "NONE"
                spec.pop("addresses", None)
                spec.pop("endpoints", None)
                spec["ports"] = [{"number": 5432, "name": "tcp-5432", "protocol": "TCP"}]
            elif what == "se-static-fqdn-endpoint":
                spec["resolution"] = "STATIC"
                spec["endpoints"] = [{"address": host}]
            elif what == "se-ip-host":
                spec["hosts"] = [f"203.0.113.{r.randint(1, 254)}"]
            elif what == "se-multi-host-tcp":
                spec["hosts"] = [host, f"replica.{host}"]
                spec["ports"] = [{"number": 9000, "name": "tcp-9000", "protocol": "TCP"}]
                spec["resolution"] = "DNS"
                spec.pop("addresses", None)
                spec.pop("endpoints", None)
            elif what == "se-cidr-with-dns":
                spec["addresses"] = ["10.40.0.0/16"]
                spec["resolution"] = "DNS"
                spec.pop("endpoints", None)
            elif what == "se-bad-protocol":
                spec["ports"][0]["protocol"] = "SSL"
            elif what == "se-port-name-underscore":
                spec["ports"][0]["name"] = spec["ports"][0]["name"].replace("-", "_")
            self.note(doc_no, doc, what)
        for p in spec["ports"]:
            for h in spec["hosts"]:
                self.se_seen.append((ns, h, p.get("number"), p.get("protocol"), file))
        return doc

    def sidecar(self, ns: str, doc_no: int, app: str | None = None) -> dict:
        r = self.r
        hosts = ["./*", "istio-system/*"]
        for _ in range(r.randint(0, 3)):
            hosts.append(f"{self.pick(self.namespaces)}/{self.pick(self.private_hosts)}")
        spec: dict = {}
        if app:
            spec["workloadSelector"] = {"labels": {"app": app}}
        spec["egress"] = [{"hosts": hosts}]
        if r.random() < 0.2:
            spec["egress"].insert(0, {"port": {"number": 9092, "protocol": "TCP", "name": "kafka"},
                                      "hosts": [f"{self.pick(self.namespaces)}/kafka.corp.example.com"]})
        spec["outboundTrafficPolicy"] = {"mode": "REGISTRY_ONLY"}
        doc = {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar",
               "metadata": self.meta(ns, self.unique(ns, app or "default")), "spec": spec}
        if self.mistake():
            what = self.pick(("sc-allow-any", "sc-allow-any", "sc-host-no-namespace", "sc-star-host",
                              "sc-egress-proxy", "sc-empty-otp", "sc-dup-host"))
            if what == "sc-allow-any":
                spec["outboundTrafficPolicy"] = {"mode": "ALLOW_ANY"}
            elif what == "sc-host-no-namespace":
                hosts.append(self.pick(self.private_hosts))
            elif what == "sc-star-host":
                spec["egress"][-1]["hosts"] = ["*"]
            elif what == "sc-egress-proxy":
                spec["outboundTrafficPolicy"] = {"egressProxy": {"host": "proxy.corp.example.com",
                                                                 "port": {"number": 3128}}}
            elif what == "sc-empty-otp":
                spec["outboundTrafficPolicy"] = {}
            else:
                hosts.append("./*")
            self.note(doc_no, doc, what)
        return doc

    def destination_rule(self, ns: str, doc_no: int, host: str | None = None, external: bool = False) -> dict:
        r = self.r
        if host is None:
            host, _ = self.external_host()
            external = True
        policy: dict = {"connectionPool": {"tcp": {"maxConnections": r.choice((50, 100, 1000))}},
                        "outlierDetection": {"consecutive5xxErrors": 5, "interval": "30s",
                                             "baseEjectionTime": "60s"}}
        if external:
            policy["tls"] = {"mode": "SIMPLE", "sni": host, "caCertificates": "/etc/ssl/certs/ca-certificates.crt"}
        else:
            policy["tls"] = {"mode": "ISTIO_MUTUAL"}
        if r.random() < 0.15:
            policy["loadBalancer"] = {"localityLbSetting": {
                "enabled": True, "failover": [{"from": REGIONS[0], "to": REGIONS[1]}]}}
        doc = {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
               "metadata": self.meta(ns, self.unique(ns, host.split(".")[0].replace("*", "all"))),
               "spec": {"host": host, "trafficPolicy": policy}}
        if r.random() < 0.2:
            doc["spec"]["subsets"] = [{"name": "v1", "labels": {"version": "v1"}},
                                      {"name": "v2", "labels": {"version": "v2"}}]
        if self.mistake():
            what = self.pick(("dr-simple-no-ca", "dr-port-tls-disable-443", "dr-wildcard-host",
                              "dr-mutual-external", "dr-distribute-and-failover"))
            if what == "dr-simple-no-ca":
                policy["tls"] = {"mode": "SIMPLE"}
            elif what == "dr-port-tls-disable-443":
                policy["portLevelSettings"] = [{"port": {"number": 443}, "tls": {"mode": "DISABLE"}}]
            elif what == "dr-wildcard-host":
                doc["spec"]["host"] = "*"
            elif what == "dr-mutual-external":
                policy["tls"] = {"mode": "ISTIO_MUTUAL"}
                doc["spec"]["host"] = self.pick(SAAS)[0]
            else:
                policy["loadBalancer"] = {"localityLbSetting": {
                    "enabled": True, "distribute": [{"from": f"{REGIONS[0]}/*", "to": {f"{REGIONS[1]}/*": 100}}],
                    "failover": [{"from": REGIONS[0], "to": REGIONS[1]}]}}
            self.note(doc_no, doc, what)
        return doc

    def config_map(self, ns: str, app: str, doc_no: int) -> dict:
        r = self.r
        lines = [f"server:\n  port: {r.choice((8080, 8000))}\n  shutdownTimeout: 30s",
                 f"logging:\n  level: {r.choice(('info', 'debug'))}\n  format: json"]
        for _ in range(r.randint(3, 7)):
            host, port = self.external_host()
            svc = host.split(".")[0].replace("-", "_")
            lines.append(f"{svc}:\n  endpoint: https://{host}:{port}\n  timeout: {r.randint(1, 30)}s\n"
                         f"  retries: {r.randint(0, 5)}")
        props = "\n".join(f"{app}.feature.{w}={str(r.random() < 0.5).lower()}"
                          for w in r.sample(APP_WORDS, r.randint(2, 6)))
        doc = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": self.meta(ns, self.unique(ns, f"{app}-config"), {"app": app}),
               "data": {"application.yaml": "\n".join(lines) + "\n", "features.properties": props + "\n",
                        "REGION": self.pick(REGIONS)}}
        return doc

    def mesh_config_map(self, doc_no: int) -> dict:
        mode = "REGISTRY_ONLY"
        doc = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "istio", "namespace": "istio-system", "labels": {"app": "istio"}},
               "data": {}}
        what = None
        if self.mistake():
            mode, what = "ALLOW_ANY", "mesh-allow-any"
        doc["data"]["mesh"] = (
            "accessLogFile: /dev/stdout\nenableTracing: false\ndefaultConfig:\n  discoveryAddress: "
            "istiod.istio-system.svc:15012\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: \"true\"\n"
            f"outboundTrafficPolicy:\n  mode: {mode}\nrootNamespace: istio-system\ntrustDomain: cluster.local\n")
        doc["data"]["meshNetworks"] = "networks: {}\n"
        if what:
            self.note(doc_no, doc, what)
        return doc

    def istio_operator(self, doc_no: int) -> dict:
        mode, include = "REGISTRY_ONLY", self.cidr_list()
        doc = {"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator",
               "metadata": {"name": self.unique("istio-system", "control-plane"), "namespace": "istio-system"},
               "spec": {"profile": "default",
                        "meshConfig": {"accessLogFile": "/dev/stdout", "outboundTrafficPolicy": {"mode": mode}},
                        "values": {"global": {"proxy": {"includeIPRanges": include, "excludeIPRanges": ""}},
                                   "pilot": {"autoscaleEnabled": True}}}}
        if self.mistake():
            what = self.pick(("iop-allow-any", "iop-include-spaces"))
            if what == "iop-allow-any":
                doc["spec"]["meshConfig"]["outboundTrafficPolicy"]["mode"] = "ALLOW_ANY"
            else:
                doc["spec"]["values"]["global"]["proxy"]["includeIPRanges"] = "10.0.0.0/8 , 10.96.0.0/12"
            self.note(doc_no, doc, what)
        return doc

    def noise(self, ns: str, app: str) -> dict:
        doc = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": self.meta(ns, app, {"app": app})}
        doc["metadata"].setdefault("annotations", {})["eks.amazonaws.com/role-arn"] = \
            f"arn:aws:iam::123456789012:role/{ns}-{app}"
        return doc

    # -- files ---------------------------------------------------------------------------------------------

    def app_name(self, ns: str) -> str:
        r = self.r
        base = f"{ns.split('-')[0]}-{self.pick(APP_WORDS)}" if r.random() < 0.6 else self.pick(APP_WORDS)
        return self.unique(ns, base)

    def build_file(self) -> tuple[str, list, str]:
        r = self.r
        ns = self.pick(self.namespaces)
        roll = r.random()
        docs: list = []
        if roll < 0.50:  # application bundle
            app = self.app_name(ns)
            kind = "Deployment" if r.random() < 0.92 else r.choice(("StatefulSet", "CronJob"))
            docs.append(self.deployment(ns, app, len(docs), kind))
            if kind != "CronJob" and r.random() < 0.93:
                docs.append(self.service(ns, app, len(docs)))
            if r.random() < 0.25:
                docs.append(self.destination_rule(ns, len(docs), f"{app}.{ns}.svc.cluster.local"))
            if r.random() < 0.45:
                docs.append(self.config_map(ns, app, len(docs)))
            if r.random() < 0.15:
                docs.append(self.noise(ns, app))
            path = f"{ns}/apps/{app}.yaml"
        elif roll < 0.72:  # egress definitions
            path = f"{ns}/egress/{self.unique(ns, 'egress-' + self.pick(VENDOR_WORDS))}.yaml"
            for _ in range(r.choice((1, 1, 2, 2, 3, 4))):
                docs.append(self.service_entry(ns, len(docs), path))
                if r.random() < 0.3:
                    docs.append(self.destination_rule(ns, len(docs)))
        elif roll < 0.80:  # ExternalName aliases
            path = f"{ns}/external/{self.unique(ns, 'external')}.yaml"
            for _ in range(r.choice((1, 2, 3))):
                docs.append(self.external_service(ns, len(docs)))
        elif roll < 0.87:  # mesh scoping
            path = f"{ns}/mesh/{self.unique(ns, 'sidecar')}.yaml"
            docs.append(self.sidecar(ns, 0))
            if r.random() < 0.3:
                docs.append(self.sidecar(ns, 1, self.app_name(ns)))
        elif roll < 0.995:  # configuration
            app = self.app_name(ns)
            path = f"{ns}/config/{app}.yaml"
            for _ in range(r.choice((1, 1, 2, 3))):
                docs.append(self.config_map(ns, app, len(docs)))
        else:  # the platform team's files
            which = r.random()
            if which < 0.4:
                path = f"istio-system/{self.unique('istio-system', 'mesh')}.yaml"
                docs.append(self.mesh_config_map(0))
            elif which < 0.7:
                path = f"istio-system/{self.unique('istio-system', 'operator')}.yaml"
                docs.append(self.istio_operator(0))
            else:  # Helm values: not a Kubernetes object
                path = f"charts/{self.unique('charts', 'istio')}/values.yaml"
                include = self.cidr_list()
                what = None
                if self.mistake():
                    include, what = self.pick((("10.0.0.0/8, 10.96.0.0/12", "helm-include-spaces"),
                                               ("*,10.0.0.0/8", "helm-star-mixed")))
                docs.append({"global": {"proxy": {"includeIPRanges": include, "excludeIPRanges": ""},
                                        "hub": "docker.io/istio", "tag": "1.22.3"},
                             "meshConfig": {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}})
                if what:
                    self.pending.append((0, "HelmValues", None, what))
                return path, docs, "yaml"
        fmt_roll = r.random()
        fmt = "yaml"
        if fmt_roll < 0.05:
            fmt = "json" if len(docs) == 1 else "list-json"
        elif fmt_roll < 0.09:
            fmt = "list"
        if fmt == "json":
            path = path[:-5] + ".json"
        elif fmt == "list-json":
            path = path[:-5] + ".json"
        elif fmt == "list":
            path = path[:-5] + "-list.yaml"
        elif r.random() < 0.1:
            path = path[:-5] + ".yml"
        return path, docs, fmt

    def run(self) -> None:
        while self.count < self.target:
            self.pending = []
            path, docs, fmt = self.build_file()
            room = self.target - self.count
            if len(docs) > room:
                docs = docs[:room]
                self.pending = [p for p in self.pending if p[0] < room]
            self.count += len(docs)
            for d in docs:
                self.kinds[d.get("kind", "HelmValues")] += 1
            self.files.append((path, docs, fmt))
            self.mistakes.extend((path, *p) for p in self.pending)


def dump_yaml(doc) -> str:
    return yaml.dump(doc, Dumper=_Dumper, default_flow_style=False, sort_keys=False, width=120)


def render(gen: Gen, path: str, docs: list, fmt: str) -> str:
    r = gen.r
    if fmt == "json":
        return json.dumps(docs[0], indent=2) + "\n"
    if fmt in ("list", "list-json"):
        lst = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": docs}
        return json.dumps(lst, indent=2) + "\n" if fmt == "list-json" else dump_yaml(lst)
    parts = []
    head = f"# {path.rsplit('/', 1)[-1]}: managed by team {path.split('/')[0]}\n"
    for i, doc in enumerate(docs):
        comment = ""
        if r.random() < 0.01 and "kind" in doc:
            comment = "# policylint: ignore CAP310,SE130 reviewed with the platform team\n"
        text = dump_yaml(doc)
        if r.random() < 0.01 and "metadata" in doc:  # a resource-level suppression
            text = text.replace("metadata:\n", "metadata:\n  annotations:\n    policylint.io/ignore: "
                                               "\"XR601: migration in progress\"\n", 1) \
                if "annotations" not in doc["metadata"] else text
        parts.append(comment + text)
    return head + "---\n".join(parts)


def generate(out: str | os.PathLike, docs: int = DEFAULT_DOCS, seed: int = DEFAULT_SEED,
             mistakes: float = DEFAULT_MISTAKES) -> dict:
    """Write the corpus into `out` (emptied first) and return its statistics."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    gen = Gen(docs, seed, mistakes)
    gen.run()
    total = 0
    formats: Counter = Counter()
    for path, file_docs, fmt in gen.files:
        text = render(gen, path, file_docs, fmt)
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        target.write_bytes(data)
        total += len(data)
        formats[fmt] += 1
    with open(out / "MISTAKES.tsv", "w", encoding="utf-8") as handle:
        handle.write("file\tdocument\tkind\tname\tmistake\n")
        for row in gen.mistakes:
            handle.write("\t".join("" if v is None else str(v) for v in row) + "\n")
    return {
        "documents": gen.count, "files": len(gen.files), "bytes": total, "namespaces": len(gen.namespaces),
        "kinds": dict(gen.kinds.most_common()), "formats": dict(formats.most_common()),
        "mistakes": len(gen.mistakes),
        "mistake_kinds": dict(Counter(m[4].split("(")[0] for m in gen.mistakes).most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", "-n", type=int, default=DEFAULT_DOCS, help="number of documents (default 10000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--mistakes", type=float, default=DEFAULT_MISTAKES,
                        help="fraction of documents with an injected mistake (default 0.05)")
    parser.add_argument("--out", "-o", required=True, help="output directory (emptied first)")
    args = parser.parse_args(argv)
    stats = generate(args.out, args.docs, args.seed, args.mistakes)
    json.dump(stats, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
