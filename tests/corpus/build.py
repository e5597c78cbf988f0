# ruff: noqa: E501  (cases are kept as people paste them, one per line)
"""Build the labelled calibration corpus `tests/corpus/cases.jsonl` (run once; output committed).

    .venv/bin/python tests/corpus/build.py

Cases are written from the gateway facts (`../shared/tyk-gateway-facts.md`: body, header and
log formats of every Tyk version, access-log flags) and from other vendors' documented formats
(Kong, AWS API Gateway, Azure APIM, Apigee, Envoy, Cloudflare, nginx, Spring Boot, ASP.NET
ProblemDetails, OAuth2 servers, GitHub, Stripe, Okta, FastAPI, Slack), never from the eval files.
Each case: {"id", "paste", "expect": [[code, message], ...], "kind", "split"}; `split` is
"fit" or "validation", fixed once by a hash of the id (30 % validation).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.catalog import Entry, load_knowledge  # noqa: E402
from bot.matching.normalize import normalize  # noqa: E402

OUT = Path(__file__).with_name("cases.jsonl")
RNG = random.Random(20261201)
HOSTS = ["api.harbourline.io", "gw.pinecrest.dev", "edge.marlow-bank.com", "apis.cobalt-ag.de"]
APIS = ["orders", "payments", "ledger", "catalogue", "shipping", "identity", "reports"]
STARTUP = [
    'level=info msg="Tyk API Gateway {v}" prefix=main',
    'level=info msg="storage: connected to redis" prefix=main',
    'level=warning msg="Insecure configuration allowed" config.allow_insecure_configs=true prefix=checkup',
    'level=info msg="Rich plugins are disabled" prefix=coprocess',
    'level=info msg="Initialising Tyk REST API Endpoints" prefix=main',
    'level=info msg="Initialising distributed rate limiter" prefix=main',
    'level=info msg="--> Listening on port: 8080" prefix=main',
    'level=info msg="Loading policies" prefix=main',
    'level=info msg="Policies found (3 total):" prefix=main',
    'level=info msg="Detected 4 APIs" prefix=main',
    'level=info msg="Loading API configurations." prefix=main',
    'level=info msg="Tracking hostname" api_name={api} domain="(no host)" prefix=main',
    'level=info msg="API Loaded" api_id={id} api_name={api} org_id={org} prefix=gateway server_name=-- user_id=-- user_ip=--',
    'level=info msg="Loading uptime tests..." prefix=host-check-mgr',
    'level=info msg="API reload complete" prefix=main',
]


def hexid(n: int = 32) -> str:
    return "".join(RNG.choice("0123456789abcdef") for _ in range(n))


def sent_text(e: Entry) -> str:
    text = e.gateway_message or e.message
    return re.sub(
        r"<[a-z][\w -]*>|\$[A-Za-z][\w-]*", lambda m: RNG.choice(["orders-v2", "3f9a1c"]), text
    )


def sent_code(e: Entry) -> int:
    return e.gateway_codes[0] if e.gateway_codes else e.code


def expect_for(catalog: list[Entry], e: Entry, code: int | None) -> list[list[object]]:
    """The entry and its same-text twins; a code in the paste picks among them."""
    said = {normalize(e.message), normalize(e.gateway_message or e.message)}
    same = [
        x
        for x in catalog
        if x.status == "active"
        and said & {normalize(t) for t in (x.message, x.gateway_message, *x.aliases) if t}
    ]
    if code is not None and any(x.code == code for x in same):
        same = [x for x in same if x.code == code]
    elif code is not None and e not in same:
        same.append(e)
    return [[x.code, x.message] for x in same]


def startup(n: int, stamp: str, key: str = "msg") -> list[str]:
    v = f"v5.{RNG.randint(0, 12)}.{RNG.randint(0, 9)}"
    lines = []
    for _ in range(n):
        t = RNG.choice(STARTUP).format(v=v, api=RNG.choice(APIS), id=hexid(), org=hexid(24))
        lines.append(f'time="{stamp}" ' + t.replace("msg=", f"{key}="))
    return lines


def error_line(e: Entry, stamp: str) -> str:
    api = RNG.choice(APIS)
    mw = RNG.choice(
        ["AuthKey", "JWTMiddleware", "RateLimitAndQuotaCheck", "KeyExpired", "ReverseProxy"]
    )
    return (
        f'time="{stamp}" level=debug msg=Finished api_id={hexid()} api_name={api} '
        f'code={sent_code(e)} error="{sent_text(e)}" mw={mw} ns={RNG.randint(900, 99999)} '
        f"org_id={hexid(24)} origin=10.0.{RNG.randint(0, 9)}.{RNG.randint(2, 250)} path=/{api}/v1/items"
    )


def positives(catalog: list[Entry]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    live = [e for e in catalog if e.reaches_clients and e.status == "active"]
    for e in live:
        msg, code = sent_text(e), sent_code(e)
        host, api = RNG.choice(HOSTS), RNG.choice(APIS)
        admin = "admin-api" in e.tags
        if admin:
            body = json.dumps({"status": "error", "message": msg})
            out.append(
                case(
                    "control-api",
                    f"$ curl -s -H 'x-tyk-authorization: $SECRET' http://localhost:8080/tyk/keys/abc\n{body}",
                    expect_for(catalog, e, None),
                )
            )
        else:
            body = '{\n    "error": "' + msg + '"\n}'
            curl = (
                f"$ curl -v https://{host}/{api}/v2/list\n> GET /{api}/v2/list HTTP/1.1\n> Host: {host}\n>\n"
                f"< HTTP/1.1 {code} X\n< Content-Type: application/json\n< X-Generator: tyk.io\n"
                f"< Date: Tue, 14 May 2024 09:12:44 GMT\n<\n{body}* Connection #0 to host {host} left intact"
            )
            out.append(case("curl", curl, expect_for(catalog, e, code)))
            out.append(case("json-body", json.dumps({"error": msg}), expect_for(catalog, e, None)))
            out.append(
                case("gateway-log", error_line(e, "Mar 04 10:22:31"), expect_for(catalog, e, code))
            )
            js = json.dumps(
                {
                    "api_id": hexid(),
                    "code": code,
                    "error": msg,
                    "level": "debug",
                    "msg": "Finished",
                    "mw": "AuthKey",
                    "time": "2025-06-02T11:20:44Z",
                },
                sort_keys=True,
            )
            out.append(case("json-log", js, expect_for(catalog, e, code)))
        if RNG.random() < 0.5 and not admin:
            xml = f'HTTP/1.1 {code}\nContent-Type: text/xml\nX-Generator: tyk.io\n\n<?xml version = "1.0" encoding = "UTF-8"?>\n<error>{msg}</error>'
            out.append(case("xml", xml, expect_for(catalog, e, code)))
        # long logs: the error in the middle or last, start-up chatter and repeats around it
        n = RNG.randint(20, 70)
        lines = startup(n, "Apr 17 06:30:58", RNG.choice(["msg", "message"]))
        at = RNG.choice([n, n // 2])
        lines.insert(at, error_line(e, "Apr 17 06:41:13"))
        prefix = RNG.choice(["", "tyk-gateway-1  | ", f"tyk-gateway-7f9c8d6b5-{hexid(5)} gateway "])
        log = "$ kubectl logs deploy/tyk-gateway --tail=100\n" + "\n".join(
            prefix + x for x in lines
        )
        out.append(case("long-log", log, expect_for(catalog, e, code)))
        q = RNG.choice(
            [
                f'our client keeps getting "{msg}" when calling the {api} api through tyk',
                f"tyk says {msg} for every call since the deploy, any idea?",
                f"seeing {msg.lower()} on {api} after upgrading the gateway",
            ]
        )
        out.append(case("sentence", q, expect_for(catalog, e, None)))
    return out


# Questions about symptoms, written for this corpus (user vocabulary, not catalog words).
SYMPTOMS: list[tuple[str, list[tuple[int, str]]]] = [
    ("getting 429s from tyk on the search api", [(429, "API Rate Limit Exceeded")]),
    ("429", [(429, "API Rate Limit Exceeded")]),
    ("tyk 504 on slow endpoints", [(504, "Upstream service reached hard timeout")]),
    (
        "lots of 504s from the gateway when the report service is slow",
        [(504, "Upstream service reached hard timeout")],
    ),
    (
        "gateway timeout after 30s through tyk, backend needs a minute",
        [(504, "Upstream service reached hard timeout")],
    ),
    ("what does a 499 in tyk analytics mean", [(499, "Client closed request")]),
    (
        "loads of 499s in the access log after we shortened the mobile app timeout",
        [(499, "Client closed request")],
    ),
    (
        "five-oh-four from tyk when the pdf service takes too long",
        [(504, "Upstream service reached hard timeout")],
    ),
    (
        "four-twenty-nine from the gateway during our nightly import",
        [(429, "API Rate Limit Exceeded")],
    ),
    (
        "tyk gives 500s since the upstream pods were redeployed, connection refused in the logs",
        [(500, "There was a problem proxying the request")],
    ),
    (
        "502s through tyk after the backend migration",
        [
            (500, "There was a problem proxying the request"),
            (500, "Upstreaming host lookup failed"),
        ],
    ),
    (
        "the partner's key ran out of its monthly quota, what does tyk reply",
        [(403, "Quota Exceeded")],
    ),
    (
        "customers hit their daily quota and the gateway starts refusing them",
        [(403, "Quota Exceeded")],
    ),
    (
        "we get 401 from tyk when no Authorization header is sent",
        [(401, "Authorization Field Missing")],
    ),
    (
        "requests without any api key get a 401 from the gateway",
        [(401, "Authorization Field Missing")],
    ),
    (
        "after the key's expiry date passed tyk answers 401",
        [(401, "Key has expired, please renew")],
    ),
    (
        "keys created with a 7 day ttl start failing with 401 a week later",
        [(401, "Key has expired, please renew")],
    ),
    (
        "403 from tyk with a key that was just rotated",
        [(403, "Access to this API has been disallowed")],
    ),
    (
        "gateway returns 403 for a key that has no access rights to this api",
        [(403, "Access to this API has been disallowed")],
    ),
    (
        "we deactivated a key in the dashboard, what do its callers get from tyk",
        [(403, "Key is not active, please renew")],
    ),
    (
        "tyk 503 for a while after the upstream throws 500s, then it recovers by itself",
        [(503, "Service temporarily unavailable")],
    ),
    ("circuit breaker in tyk opened and now 503", [(503, "Service temporarily unavailable")]),
    (
        "every upstream target failed its uptime check and tyk returns 503",
        [(503, "All hosts are down")],
    ),
    (
        "tyk can't resolve the upstream hostname after the dns change, 500 on every call",
        [(500, "Upstreaming host lookup failed")],
    ),
    (
        "tyk 500 since target_url points at a service name that no longer resolves",
        [(500, "Upstreaming host lookup failed")],
    ),
    (
        "our script calling the tyk gateway REST api gets 403, the secret header comes from vault",
        [(403, "Attempted administrative access with invalid or missing key!")],
    ),
    ("basic auth clients get 401 from tyk after the password change", [(401, "Wrong Password")]),
    (
        "the org-wide quota for the tenant is exhausted, what do api consumers see from tyk",
        [(403, "This organisation quota has been exceeded, please contact your API administrator")],
    ),
    (
        "burst of traffic and tyk throttles us with too many requests",
        [(429, "API Rate Limit Exceeded")],
    ),
    (
        "what does tyk send when a client exceeds the per second rate limit",
        [(429, "API Rate Limit Exceeded")],
    ),
    (
        "getting 503 from tyk",
        [(503, "Service temporarily unavailable"), (503, "All hosts are down")],
    ),
    (
        "503s from the gateway, usually what",
        [(503, "Service temporarily unavailable"), (503, "All hosts are down")],
    ),
    ("401s from tyk", [(401, "Authorization Field Missing")]),
    ("tyk is returning 403 to everyone", [(403, "Access to this API has been disallowed")]),
    (
        "a bunch of 504 in the tyk dashboard analytics",
        [(504, "Upstream service reached hard timeout")],
    ),
]


# Other systems' errors that use Tyk's words (negatives): vendors' real formats.
def negatives() -> list[dict[str, object]]:
    words = [
        "API rate limit exceeded",
        "Rate limit exceeded",
        "Quota exceeded",
        "Key not authorized",
        "Access denied",
        "Key has expired, please renew",
        "Forbidden",
        "Not Found",
        "Authorization field missing",
        "Policy not found",
        "Key not found",
        "Internal Server Error",
        "Access to this API has been disallowed",
        "Upstream service reached hard timeout",
    ]
    shapes = [
        (
            "kong",
            'HTTP/1.1 429 Too Many Requests\nServer: kong/3.4.2\nX-Kong-Response-Latency: 1\nContent-Type: application/json\n\n{{\n  "message":"{w}"\n}}',
        ),
        (
            "aws",
            '< HTTP/2 403\n< x-amzn-requestid: {id}\n< x-amzn-errortype: AccessDeniedException\n<\n{{"message":"{w}"}}',
        ),
        (
            "aws-type",
            '{{"__type":"com.amazon.coral.service#AccessDeniedException","message":"{w}"}}',
        ),
        (
            "azure",
            'HTTP/1.1 429\nx-azure-ref: 0{id}\nContent-Type: application/json\n\n{{ "statusCode": 429, "message": "{w}" }}',
        ),
        (
            "apigee",
            '{{"fault":{{"faultstring":"{w}","detail":{{"errorcode":"policies.ratelimit.QuotaViolation"}}}}}}',
        ),
        (
            "envoy",
            "< HTTP/1.1 504 Gateway Timeout\n< server: envoy\n< x-envoy-upstream-service-time: 15001\n<\n{w}",
        ),
        (
            "cloudflare",
            "HTTP/2 403\nserver: cloudflare\ncf-ray: 8{id}-AMS\n\n<title>Attention Required! | Cloudflare</title>\n{w}",
        ),
        (
            "nginx",
            "HTTP/1.1 404 Not Found\nServer: nginx/1.25.3\n\n<html><head><title>404 Not Found</title></head><body><center><h1>{w}</h1></center><hr><center>nginx</center></body></html>",
        ),
        (
            "spring",
            '{{"timestamp":"2025-03-01T10:00:00.000+00:00","status":403,"error":"Forbidden","message":"{w}","path":"/api/v1/accounts"}}',
        ),
        (
            "problem",
            'HTTP/1.1 403 Forbidden\nContent-Type: application/problem+json\n\n{{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.4","title":"Forbidden","status":403,"detail":"{w}","traceId":"00-{id}-01"}}',
        ),
        ("oauth2", '{{"error":"invalid_token","error_description":"{w}"}}'),
        (
            "github",
            '{{"message":"{w} for 10.1.2.3.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}}',
        ),
        (
            "stripe",
            '{{\n  "error": {{\n    "message": "{w}",\n    "type": "invalid_request_error"\n  }}\n}}',
        ),
        ("okta", '{{"errorCode":"E0000047","errorSummary":"{w}","errorLink":"E0000047"}}'),
        (
            "fastapi",
            'HTTP/1.1 404\nserver: uvicorn\ncontent-type: application/json\n\n{{"detail":"{w}"}}',
        ),
        ("slack", 'HTTP/2 429\nx-slack-req-id: {id}\n\n{{"ok":false,"error":"{w}"}}'),
        (
            "said",
            'fyi the "{w}" our mobile app shows comes from our own auth service, nothing goes through the gateway for that flow',
        ),
        (
            "said2",
            '{{"error": "{w}"}}\nthat\'s from the billing backend itself, port-forwarded straight to the billing pod, tyk isn\'t involved',
        ),
        ("product", 'keycloak admin console shows "{w}" when the realm token expires'),
        (
            "traefik",
            '{{"level":"error","msg":"{w}","time":"2025-04-09T06:12:40Z"}} from traefik on the edge nodes',
        ),
    ]
    out = []
    for name, shape in shapes:
        for w in RNG.sample(words, 5):
            out.append(case(f"other-{name}", shape.format(w=w, id=hexid(16)), []))
    go404 = ["404 page not found", "$ curl localhost:9090/metricz\n404 page not found"]
    out += [case("other-go", p, []) for p in go404]
    chatter = [
        "thanks, the key works now",
        "anyone around to review my PR for the rate limit dashboard?",
        "deploying tyk 5.3 to staging this afternoon",
        "what is the difference between a policy and a key in tyk?",
        "lunch?",
        "the gateway docs page on quotas is great",
        "kubectl get pods -n tyk shows all running",
        "how do I configure a rate limit per key in tyk?",
        "I renamed the policy to partner-gold",
        "docker pull tykio/tyk-gateway:v5.8.2 done",
        "can someone share the tyk.conf we use in prod",
        "the expired certificates were renewed yesterday, all good",
    ]
    out += [case("chatter", c, []) for c in chatter]
    # HTTP reason phrases any server sends, in the bodies of any framework.
    for phrase in (
        "Not Found",
        "Internal Server Error",
        "Method Not Allowed",
        "Forbidden",
        "Unauthorized",
    ):
        for shape in (
            '{{"message": "{p}"}}',
            '{{"error": "{p}"}}',
            "{p}",
            '{{"status": "error", "error": "{p}"}}',
        ):
            out.append(
                case("reason-phrase", shape.format(p=RNG.choice([phrase, phrase.lower()])), [])
            )
    # Near misses: Go errors and Tyk-like words from other components and services.
    roots = [
        "context deadline exceeded",
        "dial tcp 10.0.4.7:5432: connect: connection refused",
        "lookup mongo.internal on 10.96.0.10:53: no such host",
        "x509: certificate has expired or is not yet valid",
        "i/o timeout",
        "EOF",
        "remote error: tls: bad certificate",
        "context canceled",
        "quota exceeded for quota metric 'Read requests'",
        "401 Unauthorized",
        "rate limit exceeded, retry in 30s",
    ]
    around = [
        'tyk-pump-5d9c8b7f6-x2x9q tyk-pump time="Jun 02 10:00:01" level=error msg="Failed to connect to {sink}: {root}" prefix={sink}-pump',
        'time="2025-06-02T10:00:01Z" level=error msg="dashboard: failed to sync: {root}" prefix=dashboard',
        "Error: failed to reach {sink}: {root}\nexit status 1 (our migration job, not the gateway)",
        "2025/06/02 10:00:01 worker: fetch from {sink} failed: {root}",
        '[{sink}-exporter] scrape error: Get "http://{sink}:9100/metrics": {root}',
    ]
    sinks = ["mongo", "postgres", "elasticsearch", "kafka", "redis", "prometheus", "s3"]
    for shape in around:
        for root in RNG.sample(roots, 6):
            out.append(case("near-miss", shape.format(root=root, sink=RNG.choice(sinks)), []))
    return out


def case(kind: str, paste: str, expect: list[list[object]]) -> dict[str, object]:
    digest = hashlib.sha256(f"{kind}:{paste}".encode()).hexdigest()
    split = "validation" if int(digest[:8], 16) % 10 < 3 else "fit"
    return {
        "id": f"{kind}-{digest[:10]}",
        "paste": paste,
        "expect": expect,
        "kind": kind,
        "split": split,
    }


def main() -> None:
    catalog = load_knowledge()
    cases = positives(catalog) + negatives()
    cases += [case("symptom", q, [[c, m] for c, m in exp]) for q, exp in SYMPTOMS]
    OUT.write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8"
    )
    fit = sum(c["split"] == "fit" for c in cases)
    print(f"{len(cases)} cases: {fit} fit, {len(cases) - fit} validation")


if __name__ == "__main__":
    main()
