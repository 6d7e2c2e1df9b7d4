"""Regions of egress destinations and namespaces (spec §3.10, GAP-012; the model is in docs/regions.md).

A destination's region comes from an endpoint locality (`region/zone/subzone`), from the user's host map, or is
inferred from a well-known cloud endpoint host name. Inference is conservative: a host yields a region only when
its shape is one the provider documents for regional endpoints and the region label is a real region name of
that provider; global endpoints (`s3.amazonaws.com`, `storage.googleapis.com`, `name.azurecr.io`) give null.

Every function is total: any input gives a value, never an exception.

Rule-callable builtins:

    localityRegion(locality)            the region part of `region/zone/subzone`, or null when empty/malformed
    localitySyntaxError(locality)       why an endpoint locality is malformed (empty part, more than 3 parts), or null
    inferRegion(host, providers)        the region a cloud endpoint host name encodes (providers: aws, gcp, azure)
    hostRegion(host, hosts)             the region the user's `regions.hosts` map gives a host (exact key first,
                                        then the most specific `*.suffix` key), or null
    regionSources(known, scopes, namespace)
                                        the [namespace, region] pairs that can use a config: `known` lists
                                        [namespace, region] pairs (first one wins), `scopes` the visibility scopes
                                        (["*"] = every known namespace), `namespace` the config's own namespace
    regionAllowance(allow, namespace, host, region)
                                        the reason of the first `regions.allow` entry that accepts egress from
                                        namespace to host (or to region), or null when none does
"""
from __future__ import annotations

import re
from typing import Any

from . import builtin

_AWS_REGION = re.compile(
    r"(?:af|ap|ca|cn|eu|il|me|mx|sa|us)-(?:gov-|iso-|isob-)?"
    r"(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?\Z"
)
_AWS_S3_DASH = re.compile(r"s3-(?:website-|fips-)?(.+)\Z")
_AWS_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn")

_GCP_REGION = (
    r"(?:us|europe|asia|australia|northamerica|southamerica|me|africa)-"
    r"(?:north|south|east|west|central|northeast|northwest|southeast|southwest)[1-9][0-9]?"
)
_GCP_REGION_LABEL = re.compile(_GCP_REGION + r"\Z")
_GCP_REGION_PREFIX = re.compile(r"(" + _GCP_REGION + r")-[a-z0-9][-a-z0-9]*\Z")
# Hosts whose first label is `<region>-<service or project>`.
_GCP_PREFIXED = ("googleapis.com", "pkg.dev", "cloudfunctions.net")

# Azure region names (public, government and China clouds), as they appear in host names.
_AZURE_REGIONS = frozenset("""
eastus eastus2 eastus3 westus westus2 westus3 centralus northcentralus southcentralus westcentralus
canadacentral canadaeast brazilsouth brazilsoutheast mexicocentral chilecentral
northeurope westeurope uksouth ukwest francecentral francesouth germanywestcentral germanynorth
switzerlandnorth switzerlandwest norwayeast norwaywest swedencentral swedensouth polandcentral italynorth
spaincentral austriaeast belgiumcentral denmarkeast
eastasia southeastasia japaneast japanwest koreacentral koreasouth australiaeast australiasoutheast
australiacentral australiacentral2 centralindia southindia westindia jioindiawest jioindiacentral
indonesiacentral malaysiawest newzealandnorth taiwannorth
uaenorth uaecentral qatarcentral israelcentral saudiarabiacentral southafricanorth southafricawest
chinaeast chinaeast2 chinaeast3 chinanorth chinanorth2 chinanorth3
usgovvirginia usgovarizona usgovtexas usgoviowa usdodeast usdodcentral
""".split())
# Suffixes whose label immediately before is the Azure region.
_AZURE_SUFFIXES = (
    "cloudapp.azure.com", "azmk8s.io", "azurecontainerapps.io", "azurecontainer.io", "kusto.windows.net",
    "batch.azure.com", "api.cognitive.microsoft.com", "tts.speech.microsoft.com", "stt.speech.microsoft.com",
    "cloudapp.usgovcloudapi.net", "cloudapp.chinacloudapi.cn",
)


def _labels_before(host: str, suffix: str) -> list[str] | None:
    if host == suffix or not host.endswith("." + suffix):
        return None
    return host[: -len(suffix) - 1].split(".")


def _aws(host: str) -> str | None:
    for suffix in _AWS_SUFFIXES:
        labels = _labels_before(host, suffix)
        if labels is None:
            continue
        found = set()
        for label in labels:
            if _AWS_REGION.match(label):
                found.add(label)
                continue
            dashed = _AWS_S3_DASH.match(label)
            if dashed and _AWS_REGION.match(dashed.group(1)):
                found.add(dashed.group(1))
        if not found and suffix == "amazonaws.com" and labels[-1] == "compute-1":
            found.add("us-east-1")  # EC2 public DNS names in us-east-1: ec2-a-b-c-d.compute-1.amazonaws.com
        return found.pop() if len(found) == 1 else None
    return None


def _gcp(host: str) -> str | None:
    labels = _labels_before(host, "run.app")
    if labels and len(labels) >= 2 and _GCP_REGION_LABEL.match(labels[-1]):
        return labels[-1]  # Cloud Run: service-projectnumber.<region>.run.app
    labels = _labels_before(host, "rep.googleapis.com")
    if labels and _GCP_REGION_LABEL.match(labels[-1]):
        return labels[-1]  # regional endpoints: service.<region>.rep.googleapis.com
    for suffix in _GCP_PREFIXED:
        labels = _labels_before(host, suffix)
        if labels and len(labels) == 1:
            match = _GCP_REGION_PREFIX.match(labels[0])
            if match:
                return match.group(1)
    return None


def _azure(host: str) -> str | None:
    for suffix in _AZURE_SUFFIXES:
        labels = _labels_before(host, suffix)
        if labels and labels[-1] in _AZURE_REGIONS:
            return labels[-1]
    return None


_PROVIDERS = {"aws": _aws, "gcp": _gcp, "azure": _azure}


@builtin("inferRegion", "the region a well-known AWS, GCP or Azure regional endpoint host name encodes (providers: list), or null")
def infer_region(host: Any, providers: Any = None) -> str | None:
    if not isinstance(host, str) or not host:
        return None
    if providers is None:
        providers = list(_PROVIDERS)
    if not isinstance(providers, list):
        return None
    name = host.lower().rstrip(".")
    for provider in providers:
        infer = _PROVIDERS.get(provider) if isinstance(provider, str) else None
        region = infer(name) if infer else None
        if region:
            return region
    return None


@builtin("localityRegion", "the region part of a locality `region/zone/subzone`, or null when it is empty or not a string")
def locality_region(locality: Any) -> str | None:
    if not isinstance(locality, str):
        return None
    region = locality.split("/", 1)[0]
    return region or None


@builtin("localitySyntaxError", "why a locality is not `region[/zone[/subzone]]` with non-empty parts, or null")
def locality_syntax_error(locality: Any) -> str | None:
    if not isinstance(locality, str):
        return "locality must be a string region/zone/subzone"
    if not locality:
        return "locality is empty"
    parts = locality.split("/")
    if len(parts) > 3:
        return f"locality {locality!r} has {len(parts)} parts; at most 3 (region/zone/subzone)"
    if any(not p for p in parts):
        return f"locality {locality!r} has an empty part"
    if any(p != p.strip() for p in parts):
        return f"locality {locality!r} has spaces around a part"
    if "." in parts[0] and len(parts) == 1 and locality.count(".") in (1, 2):
        return f"locality {locality!r} uses dots (the pod label form); endpoints use slashes: {locality.replace('.', '/')}"
    return None


def _host_matches(pattern: str, host: str) -> bool:
    pattern = pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    if pattern == "*":
        return True
    return host == pattern


@builtin("hostRegion", "the region the regions.hosts map gives a host: exact key, else the most specific `*.suffix` key; null when none")
def host_region(host: Any, hosts: Any) -> str | None:
    if not isinstance(host, str) or not host or not isinstance(hosts, dict):
        return None
    name = host.lower().rstrip(".")
    for key, region in hosts.items():
        if isinstance(key, str) and key.lower().rstrip(".") == name and isinstance(region, str):
            return region
    best: tuple[int, str] | None = None
    for key, region in hosts.items():
        if not isinstance(key, str) or not key.startswith("*") or not isinstance(region, str):
            continue
        if _host_matches(key, name) and (best is None or len(key) > best[0]):
            best = (len(key), region)
    return best[1] if best else None


@builtin("regionAllowance", "the reason of the first regions.allow entry accepting egress from namespace to host or region, or null")
def region_allowance(allow: Any, namespace: Any, host: Any, region: Any = None) -> str | None:
    if not isinstance(allow, list):
        return None
    name = host.lower().rstrip(".") if isinstance(host, str) else None
    for entry in allow:
        if not isinstance(entry, dict):
            continue
        ns = entry.get("namespace")
        if ns != "*" and ns != namespace:
            continue
        want_host, want_region = entry.get("host"), entry.get("region")
        if want_host is not None and (name is None or not isinstance(want_host, str)
                                      or not _host_matches(want_host, name)):
            continue
        if want_region is not None and want_region != region:
            continue
        if want_host is None and want_region is None:
            continue
        reason = entry.get("reason")
        return reason if isinstance(reason, str) and reason else "allowed"
    return None


@builtin("regionSources", "[namespace, region] pairs of the namespaces a config is visible in, from known pairs and exportTo scopes")
def region_sources(known: Any, scopes: Any, namespace: Any) -> list[list[str]]:
    regions: dict[str, str] = {}
    if isinstance(known, list):
        for pair in known:
            if (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], str)
                    and pair[1] and pair[0] not in regions):
                regions[pair[0]] = pair[1]
    if not isinstance(scopes, list):
        return []
    names: list[str] = []
    if "*" in scopes:
        names = list(regions)
        if isinstance(namespace, str) and namespace not in names:
            names.insert(0, namespace)
    else:
        names = [s for s in scopes if isinstance(s, str) and s != "~"]
    out: list[list[str]] = []
    for name in names:
        if name in regions and [name, regions[name]] not in out:
            out.append([name, regions[name]])
    return out
