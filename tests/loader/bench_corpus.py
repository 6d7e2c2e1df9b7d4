"""Realistic Kubernetes/Istio manifests for the loader benchmark (bench_loader.py), generated so that
the benchmark runs the same in a fresh clone."""
from __future__ import annotations

_TEMPLATES = [
    """\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-api-{i}
  namespace: team-{ns}
  labels:
    app.kubernetes.io/name: external-api-{i}
    app.kubernetes.io/part-of: payments
  annotations:
    owner: "platform-team@example.com"
spec:
  hosts:
  - api{i}.example.com
  - "*.svc{i}.example.org"
  addresses:
  - 10.{ns}.{j}.0/24
  ports:
  - number: 443
    name: https
    protocol: TLS
  - number: 80
    name: http-plain
    protocol: HTTP
  location: MESH_EXTERNAL
  resolution: DNS
  exportTo: ["."]
""",
    """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: team-{ns}
  labels:
    app: web-{i}
    version: v{j}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web-{i}
  template:
    metadata:
      labels:
        app: web-{i}
        version: v{j}
      annotations:
        traffic.sidecar.istio.io/excludeOutboundIPRanges: "169.254.169.254/32"
        sidecar.istio.io/inject: "true"
        prometheus.io/scrape: "true"
    spec:
      serviceAccountName: web-{i}
      containers:
      - name: web
        image: registry.example.com/web:1.{j}.{i}
        imagePullPolicy: IfNotPresent
        args: ["--port=8080", "--log-level=info"]
        ports:
        - containerPort: 8080
          name: http
          protocol: TCP
        - containerPort: 9090
          name: metrics
        env:
        - name: UPSTREAM_URL
          value: https://api{i}.example.com/v1
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
          limits:
            cpu: "1"
            memory: 512Mi
        readinessProbe:
          httpGet:
            path: /healthz
            port: 8080
          initialDelaySeconds: 5
          periodSeconds: 10
""",
    """\
apiVersion: v1
kind: Service
metadata:
  name: web-{i}
  namespace: team-{ns}
  labels:
    app: web-{i}
spec:
  type: ClusterIP
  selector:
    app: web-{i}
  ports:
  - name: http-web
    port: 80
    targetPort: 8080
    protocol: TCP
  - name: grpc-admin
    port: 9000
    targetPort: 9000
""",
    """\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: external-api-{i}
  namespace: team-{ns}
spec:
  host: api{i}.example.com
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
      http:
        http2MaxRequests: 1000
        maxRequestsPerConnection: 10
    outlierDetection:
      consecutive5xxErrors: 7
      interval: 5m
      baseEjectionTime: 15m
    tls:
      mode: SIMPLE
      sni: api{i}.example.com
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
""",
    """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web-{i}
  namespace: team-{ns}
spec:
  hosts:
  - web-{i}.team-{ns}.svc.cluster.local
  gateways:
  - mesh
  http:
  - match:
    - uri:
        prefix: /api/v{j}
      headers:
        x-canary:
          exact: "true"
    route:
    - destination:
        host: web-{i}
        subset: v2
      weight: 10
    - destination:
        host: web-{i}
        subset: v1
      weight: 90
    timeout: 10s
    retries:
      attempts: 3
      perTryTimeout: 2s
""",
    """\
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: team-{ns}
spec:
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
  egress:
  - hosts:
    - "./*"
    - "istio-system/*"
    - "team-{ns}/api{i}.example.com"
""",
    """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |-
    accessLogFile: /dev/stdout
    defaultConfig:
      discoveryAddress: istiod.istio-system.svc:15012
      tracing:
        zipkin:
          address: zipkin.istio-system:9411
    outboundTrafficPolicy:
      mode: ALLOW_ANY
    rootNamespace: istio-system
  meshNetworks: 'networks: {{}}'
""",
]

DOCS_PER_FILE = 10


def generate_files(documents: int = 10_000) -> list[str]:
    """`documents` manifests split into files of DOCS_PER_FILE documents separated by `---`."""
    docs = []
    for n in range(documents):
        template = _TEMPLATES[n % len(_TEMPLATES)]
        docs.append(template.format(i=n, j=n % 7, ns=n % 40))
    return ["---\n".join(docs[k:k + DOCS_PER_FILE]) for k in range(0, len(docs), DOCS_PER_FILE)]
