"""Minimal JSON Schemas for the cert-manager kinds the manifests render (kubernetes-validate has none).

Derived from cert-manager's v1 CRDs (cert-manager.io_issuers and cert-manager.io_certificates,
openAPIV3Schema): the fields the manifests set, their types and enums, and the required keys. Unknown fields are
rejected, as the apiserver does with fieldValidation=Strict.
"""

SCHEMAS = {
    "Issuer": {
        "type": "object",
        "required": [
            "apiVersion",
            "kind",
            "metadata",
            "spec"
        ],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {
                "const": "cert-manager.io/v1"
            },
            "kind": {
                "const": "Issuer"
            },
            "metadata": {
                "$ref": "#/$defs/metadata"
            },
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "selfSigned": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "crlDistributionPoints": {
                                "type": "array",
                                "items": {
                                    "type": "string"
                                }
                            }
                        }
                    }
                },
                "minProperties": 1
            }
        }
    },
    "Certificate": {
        "type": "object",
        "required": [
            "apiVersion",
            "kind",
            "metadata",
            "spec"
        ],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {
                "const": "cert-manager.io/v1"
            },
            "kind": {
                "const": "Certificate"
            },
            "metadata": {
                "$ref": "#/$defs/metadata"
            },
            "spec": {
                "type": "object",
                "required": [
                    "issuerRef",
                    "secretName"
                ],
                "additionalProperties": False,
                "properties": {
                    "secretName": {
                        "type": "string"
                    },
                    "commonName": {
                        "type": "string",
                        "maxLength": 64
                    },
                    "dnsNames": {
                        "type": "array",
                        "items": {
                            "type": "string"
                        }
                    },
                    "ipAddresses": {
                        "type": "array",
                        "items": {
                            "type": "string"
                        }
                    },
                    "duration": {
                        "type": "string",
                        "pattern": "^([0-9]+(\\.[0-9]+)?(ns|us|\u00b5s|ms|s|m|h))+$"
                    },
                    "renewBefore": {
                        "type": "string",
                        "pattern": "^([0-9]+(\\.[0-9]+)?(ns|us|\u00b5s|ms|s|m|h))+$"
                    },
                    "isCA": {
                        "type": "boolean"
                    },
                    "usages": {
                        "type": "array",
                        "items": {
                            "enum": [
                                "signing",
                                "digital signature",
                                "content commitment",
                                "key encipherment",
                                "key agreement",
                                "data encipherment",
                                "cert sign",
                                "crl sign",
                                "encipher only",
                                "decipher only",
                                "any",
                                "server auth",
                                "client auth",
                                "code signing",
                                "email protection",
                                "s/mime",
                                "ipsec end system",
                                "ipsec tunnel",
                                "ipsec user",
                                "timestamping",
                                "ocsp signing",
                                "microsoft sgc",
                                "netscape sgc"
                            ]
                        }
                    },
                    "privateKey": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "algorithm": {
                                "enum": [
                                    "RSA",
                                    "ECDSA",
                                    "Ed25519"
                                ]
                            },
                            "encoding": {
                                "enum": [
                                    "PKCS1",
                                    "PKCS8"
                                ]
                            },
                            "rotationPolicy": {
                                "enum": [
                                    "Never",
                                    "Always"
                                ]
                            },
                            "size": {
                                "type": "integer"
                            }
                        }
                    },
                    "issuerRef": {
                        "type": "object",
                        "required": [
                            "name"
                        ],
                        "additionalProperties": False,
                        "properties": {
                            "name": {
                                "type": "string"
                            },
                            "kind": {
                                "type": "string"
                            },
                            "group": {
                                "type": "string"
                            }
                        }
                    }
                }
            }
        }
    },
    "$defs": {
        "metadata": {
            "type": "object",
            "required": [
                "name",
                "namespace"
            ],
            "properties": {
                "name": {
                    "type": "string",
                    "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
                },
                "namespace": {
                    "type": "string",
                    "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
                },
                "labels": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "string"
                    }
                },
                "annotations": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "string"
                    }
                }
            }
        }
    }
}
