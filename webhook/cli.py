"""`policylint webhook serve | manifests | certs`.

`register` only adds argparse parsers: fastapi, uvicorn and prometheus-client are imported inside the command
functions, so the rest of the CLI never pays for them (or needs them installed).
Exit codes: 0 ok, 2 usage or config error, 3 the server did not start.
"""
from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_USAGE, EXIT_STARTUP = 0, 2, 3
DEFAULT_PORT = 8443


def register(subparsers) -> None:
    webhook = subparsers.add_parser("webhook", help="the validating admission webhook")
    webhook.set_defaults(func=lambda args: webhook.print_help(sys.stderr) or EXIT_USAGE)
    commands = webhook.add_subparsers(dest="webhook_command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve AdmissionReviews over HTTPS")
    serve.add_argument("--cert", required=True, metavar="FILE", help="serving certificate (PEM); reloaded on change")
    serve.add_argument("--key", required=True, metavar="FILE", help="its private key (PEM); reloaded on change")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"HTTPS port (default {DEFAULT_PORT}; 0: any)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--config", "-c", metavar="FILE", help="config file (default: nearest .policylint.yaml)")
    serve.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info")
    serve.set_defaults(func=cmd_serve)

    manifests = commands.add_parser("manifests", help="print the in-cluster deployment (YAML)")
    manifests.add_argument("--namespace", "-n", default=None, help="namespace to deploy into (default policylint-system)")
    manifests.add_argument("--config", "-c", metavar="FILE", help="config shipped to the webhook (and read here)")
    manifests.add_argument("--image", default=None, help="container image (default ghcr.io/policylint/policylint:VERSION)")
    manifests.add_argument("--replicas", type=int, default=3)
    manifests.add_argument("--failure-policy", choices=("Ignore", "Fail"), default="Ignore",
                           help="what the apiserver does when the webhook is unreachable (default Ignore)")
    manifests.add_argument("--timeout-seconds", type=int, default=None,
                           help="apiserver's timeout for one call (default 3; must exceed the time budget)")
    manifests.add_argument("--certs", default="cert-manager", metavar="cert-manager|DIR",
                           help="cert-manager (Issuer + Certificate + CA injection), or a directory written by "
                                "`policylint webhook certs` (ships its tls.crt/tls.key as a Secret)")
    manifests.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    manifests.set_defaults(func=cmd_manifests)

    certs = commands.add_parser("certs", help="make a CA and a serving certificate; print the caBundle")
    certs.add_argument("--namespace", "-n", default=None, help="the webhook's namespace (default policylint-system)")
    certs.add_argument("--service", default="policylint-webhook", help="the webhook's Service name")
    certs.add_argument("--out-dir", default="policylint-webhook-certs", metavar="DIR",
                       help="where ca.crt, ca.key, tls.crt, tls.key are written")
    certs.add_argument("--days", type=int, default=365, help="serving certificate lifetime (the CA lives twice as long)")
    certs.add_argument("--dns", action="append", default=[], metavar="NAME", help="extra DNS name")
    certs.add_argument("--ip", action="append", default=[], metavar="ADDR", help="extra IP address")
    certs.set_defaults(func=cmd_certs)


def cmd_serve(args: argparse.Namespace) -> int:
    from policylint.config import ConfigError, load_config

    from .config import WebhookConfigError, settings_from_config
    from .tls import CertificateError

    try:
        config = load_config(args.config)
        settings = settings_from_config(config)
        from .context import ConfigContextProvider

        context = ConfigContextProvider(settings.context_objects, settings.context_files)
        from .tls import ReloadingTLS

        tls = ReloadingTLS(args.cert, args.key)
    except (ConfigError, WebhookConfigError, CertificateError) as exc:
        print(f"policylint webhook: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from .app import create_app
    from .server import run

    app = create_app(settings, config=config, context_provider=context, tls=tls)
    started = run(app, tls, host=args.host, port=args.port, log_level=args.log_level)
    if started:
        return EXIT_OK
    error = app.state.webhook.startup_error
    if error is not None:
        print(f"policylint webhook: {error}", file=sys.stderr)
        return EXIT_USAGE if _is_usage_error(error) else EXIT_STARTUP
    return EXIT_STARTUP


def cmd_manifests(args: argparse.Namespace) -> int:
    from .manifests import ManifestError, render

    try:
        text = render(
            namespace=args.namespace,
            config_path=args.config,
            image=args.image,
            replicas=args.replicas,
            failure_policy=args.failure_policy,
            timeout_seconds=args.timeout_seconds,
            certs=args.certs,
        )
    except Exception as exc:
        if isinstance(exc, ManifestError) or _is_usage_error(exc):
            print(f"policylint webhook manifests: {exc}", file=sys.stderr)
            return EXIT_USAGE
        raise
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_certs(args: argparse.Namespace) -> int:
    from .certs import generate, service_dns_names
    from .config import DEFAULT_NAMESPACE

    if args.days < 1:
        print("policylint webhook certs: --days must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    namespace = args.namespace or DEFAULT_NAMESPACE
    try:
        certificates = generate([*service_dns_names(args.service, namespace), *args.dns],
                                ip_addresses=args.ip, days=args.days)
    except ValueError as exc:  # a bad --ip or --dns
        print(f"policylint webhook certs: {exc}", file=sys.stderr)
        return EXIT_USAGE
    paths = certificates.write(args.out_dir)
    print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
    print(certificates.ca_bundle)
    return EXIT_OK


def _is_usage_error(exc: BaseException) -> bool:
    """Config and rule errors are the user's to fix (exit 2), not a failure to start (exit 3)."""
    from policylint.config import ConfigError
    from policylint.lang import RuleCompileError

    from .config import WebhookConfigError

    return isinstance(exc, (ConfigError, RuleCompileError, WebhookConfigError))


def main(argv: list[str] | None = None) -> int:
    """`python -m webhook ...`: the same commands without the rest of the policylint CLI."""
    parser = argparse.ArgumentParser(prog="policylint")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    args = parser.parse_args(["webhook", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
