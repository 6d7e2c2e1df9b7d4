"""policylint's validating admission webhook: a FastAPI app on uvicorn, its TLS handling and its deployment.

Importing this package is cheap: FastAPI, uvicorn and prometheus-client are imported by the modules that need
them, so `policylint --help` stays fast and the CLI works without the `webhook` extra installed.
"""
