"""Small Gateway API answers, shaped like the examples in Tyk's swagger.yml."""

from __future__ import annotations

from typing import Any

API_ID = "b84fe1a04e5648927971c0557971565c"
ORG_ID = "664a14650619d40001f1f00f"
POLICY_ID = "5ead7120575961000181867e"
KEY = "664a14650619d40001f1f00fe7f75f9e03534825b7aef9df7495be41"
CERT_ID = ORG_ID + "7c440d66ebb0a4629d21329808dce9091acf5f2fde328067a6e60e5347271d90"

HELLO = {
    "description": "Tyk GW",
    "details": {
        "redis": {
            "componentType": "datastore",
            "status": "pass",
            "time": "2020-05-19T03:42:55+01:00",
        }
    },
    "status": "pass",
    "version": "v5.5.0",
}
HELLO_REDIS_DOWN = {
    **HELLO,
    "details": {
        "redis": {
            "componentType": "datastore",
            "status": "fail",
            "output": "dial tcp: connection refused",
        }
    },
    "status": "fail",
}


def api(**changes: Any) -> dict[str, Any]:
    """The swagger's `Tyk Test API` example, with changes."""
    definition: dict[str, Any] = {
        "api_id": API_ID,
        "name": "payments-v2",
        "org_id": ORG_ID,
        "active": True,
        "auth": {"auth_header_name": "authorization"},
        "definition": {"key": "version", "location": "header"},
        "proxy": {
            "listen_path": "/payments/",
            "strip_listen_path": True,
            "target_url": "http://orders-svc:8080",
        },
        "use_standard_auth": True,
        "version_data": {
            "not_versioned": True,
            "versions": {
                "Default": {
                    "name": "Default",
                    "extended_paths": {
                        "black_list": [
                            {"path": "/admin", "method_actions": {"GET": {"action": "no_action"}}}
                        ],
                        "hard_timeouts": [{"path": "/slow", "method": "GET", "timeout": 3}],
                    },
                }
            },
        },
    }
    definition.update(changes)
    return definition


def key(**changes: Any) -> dict[str, Any]:
    """The swagger's SessionState example (quota and rate per API), with changes."""
    session: dict[str, Any] = {
        "access_rights": {
            API_ID: {
                "api_id": API_ID,
                "api_name": "payments-v2",
                "limit": {
                    "per": 60,
                    "quota_max": 10000,
                    "quota_remaining": 9000,
                    "quota_renewal_rate": 3600,
                    "quota_renews": 4102444800,
                    "rate": 1000,
                },
                "versions": ["Default"],
            }
        },
        "apply_policies": [POLICY_ID],
        "expires": 0,
        "org_id": ORG_ID,
        "per": 60,
        "quota_max": 10000,
        "quota_remaining": 9000,
        "quota_renews": 4102444800,
        "rate": 1000,
    }
    session.update(changes)
    return session


def policy(**changes: Any) -> dict[str, Any]:
    """The swagger's Policy example, with changes."""
    p: dict[str, Any] = {
        "access_rights": {
            API_ID: {"api_id": API_ID, "api_name": "payments-v2", "versions": ["Default"]}
        },
        "active": True,
        "id": POLICY_ID,
        "is_inactive": False,
        "key_expires_in": 2592000,
        "name": "Sample policy",
        "per": 60,
        "quota_max": 10000,
        "rate": 1000,
    }
    p.update(changes)
    return p


def cert(not_after: str = "2034-03-26T08:46:37Z") -> dict[str, Any]:
    """The swagger's certificateMetaExample (issuer and subject trimmed)."""
    return {
        "dns_names": [".*tyk.io"],
        "fingerprint": CERT_ID[24:],
        "has_private": False,
        "id": CERT_ID,
        "is_ca": False,
        "issuer": {"CommonName": "tyk.io"},
        "not_after": not_after,
        "not_before": "2024-03-25T08:46:37Z",
        "subject": {"CommonName": "tyk.io"},
    }


OAUTH_CLIENTS = [
    {
        "api_id": API_ID,
        "client_id": "2a06b398c17f46908de3dffcb71ef87df",
        "description": "google client",
        "redirect_uri": "https://httpbin.org/ip",
        "secret": "MmQwNTI5NGQtYjU0YS00NjMyLWIwZjktNTZjY2M1ZjhjYWY0",
    }
]
