"""policylint: a policy-as-code linter and admission webhook for Istio and Kubernetes egress configuration."""
__version__ = "0.1.0"
