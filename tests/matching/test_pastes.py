# ruff: noqa: E501  (pastes are kept as people paste them, one per line)
"""Pastes beyond the shared eval: more formats, log-only lines, and other systems' errors."""

from __future__ import annotations

import pytest

from bot.catalog import load_knowledge
from bot.matching.matcher import Matcher
from bot.matching.redact import redact

POSITIVES = [
    (
        '{"error": "Request signature verification failed"}',
        ["Request signature verification failed"],
    ),
    (
        'time="Jan 02 10:00:00" level=warning msg="Attempted access with non-existent key." api_id=9a8b mw=AuthKey org_id=1 origin=10.0.0.1 path=/a',
        ["Access to this API has been disallowed"],
    ),
    (
        'time="Jan 02 10:00:00" level=info msg="Attempted access from expired key." api_id=9a8b mw=KeyExpired',
        ["Key has expired, please renew"],
    ),
    (
        'level=info msg="Attempted access from inactive key." mw=KeyExpired',
        ["Key is not active, please renew"],
    ),
    (
        'time="2026-01-02T10:00:00Z" level=error message="Could not find a valid policy to apply to this token!" mw=JWTMiddleware',
        ["Key not authorised: no matching policy"],
    ),
    (
        'level=info msg="Attempted access with existing user, failed password check." mw=BasicAuthKeyIsValid',
        ["Wrong Password"],
    ),
    (
        '{"level":"debug","message":"Finished","code":403,"error":"Key is inactive, please renew","mw":"KeyExpired","time":"2026-07-01T00:00:00Z"}',
        ["Key is not active, please renew"],
    ),
    (
        "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://api.x.io/pay\n>>> r.json()\n{'error': 'Certificate with SHA256 0fa1b2c3d4e5f60718293a4b5c6d7e8f not allowed'}",
        ["Certificate with SHA256 $certID not allowed"],
    ),
    (
        'HTTP/2 503\ncontent-type: application/json\n\n{"error":"Service temporarily unavailable."}',
        ["Service temporarily unavailable"],
    ),
    (
        '{"status":"error","message":"Health checks are not enabled for this node"}',
        ["Health checks are not enabled for this node"],
    ),
    (
        'feign.FeignException$TooManyRequests: [429 Too Many Requests] during [GET] to [https://api/x] [Client#get()]: [{"error": "Rate Limit Exceeded"}]',
        ["API Rate Limit Exceeded"],
    ),
    (
        "< HTTP/1.1 503 Service Unavailable\n< Content-Type: text/plain\n<\nall hosts are down",
        ["All hosts are down"],
    ),
    (
        '{"error": "Upstream service reached hard timeout."}',
        ["Upstream service reached hard timeout"],
    ),
    (
        'time="Mar 01 10:00:00" level=error msg="http: proxy error: context canceled" api_id=1 mw=ReverseProxy prefix=proxy',
        ["Client closed request"],
    ),
    (
        "this organisation rate limit has been exceeded, please contact your API administrator",
        ["This organisation rate limit has been exceeded, please contact your API administrator"],
    ),
    ('{"error":"Version information not found"}', ["Version Information not found"]),
    (
        '{"error":"This API version does not seem to exist"}',
        ["This API version does not seem to exist", "Version Does Not Exist"],
    ),
    (
        'graphql query rejected: {"errors":[{"message":"depth limit exceeded"}]}',
        ["Depth limit exceeded", "GraphQL Depth Limit Exceeded"],
    ),
    (
        '$ curl localhost:8080/tyk/keys -H "x-tyk-authorization: wrong"\n{"status":"error","message":"Attempted administrative access with invalid or missing key!"}',
        ["Attempted administrative access with invalid or missing key!"],
    ),
    ("key has expried pls renew it says", ["Key has expired, please renew"]),
    (
        "getting 'Client TLS certificate is required' on the partner API even though mtls is configured",
        ["Client TLS certificate is required"],
    ),
    ("<error><code>403</code><message>Quota exceeded</message></error>", ["Quota Exceeded"]),
    ('{"error": "Requested endpoint is forbidden"}', ["Requested endpoint is forbidden"]),
    (
        '{"error":"access from this IP has been disallowed"}',
        ["access from this IP has been disallowed"],
    ),
    ("Bearer token malformed", ["Bearer token malformed"]),
    (
        '{"error": "Attempted access with malformed header, header not in basic auth format"}',
        ["Attempted access with malformed header"],
    ),
    ('{"error":"Authorization field missing"}', ["Authorization Field Missing"]),
    ("There was a problem proxying the request", ["There was a problem proxying the request"]),
    (
        'time="Feb 01 00:00:00" level=error msg="http: proxy error: dial tcp 10.0.0.5:8080: connect: connection refused" api_id=x mw=ReverseProxy prefix=proxy',
        ["There was a problem proxying the request"],
    ),
    ('{"status": "error", "message": "Policy not found"}', ["Policy not found"]),
]
NEGATIVES = [
    "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
    '{"message":"Missing Authentication Token"}',
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
    "ConnectionRefusedError: [Errno 111] Connection refused",
    "deploying the new gateway config after lunch, shout if anything breaks",
    'ERROR: duplicate key value violates unique constraint "users_pkey"',
    'Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "tyk"',
    "org.springframework.web.client.HttpClientErrorException$Unauthorized: 401 Unauthorized: [no body]",
    "how do I rotate the tyk gateway secret without downtime?",
    'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"',
    '{"error":"unauthorized_client","error_description":"Client authentication failed"}',
    "Error: connect ECONNREFUSED 127.0.0.1:6379",
    "x509: certificate has expired or is not yet valid: current time 2026-01-01T00:00:00Z is after 2025-12-31T00:00:00Z",
    "fatal: Authentication failed for https://github.com/acme/gw-config.git/",
    "yo who broke the staging dashboard",
    "redis: connection pool timeout",
    "403 Forbidden - the S3 bucket policy denies GetObject for our CI role",
    '{"message": "Internal server error"}',
    "Rate exceeded (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ThrottlingException)",
    "java.net.SocketTimeoutException: Read timed out",
]

SENTENCES_AND_LOGS = [
    (
        "authorization feild missing when calling /orders with the mobile app",
        ["Authorization Field Missing"],
    ),
    (
        "key not authorised when using the jwt from auth0",
        [
            "Key not authorized",
            "Key not authorised: Unexpected signing method",
            "Key not authorised: no matching policy",
        ],
    ),
    ("getting 'quota exceeded' after upgrading to 5.3", ["Quota Exceeded"]),
    ("the gateway keeps saying API rate limit exceeded even at 1 rps", ["API Rate Limit Exceeded"]),
    ("upstream service reached hard timout on /reports", ["Upstream service reached hard timeout"]),
    ("Key is not active please renew", ["Key is not active, please renew"]),
    (
        "tyk says 'this api version does not seem to exist' for v2 header",
        ["This API version does not seem to exist", "Version Does Not Exist"],
    ),
    ("policy not found when attaching gold-tier to the key", ["Policy not found"]),
    (
        "certificate with sha256 abcdef0123 not allowed",
        ["Certificate with SHA256 $certID not allowed"],
    ),
    (
        "Attempted access with non-existent cert.",
        ["Attempted access with non-existent cert", "Access to this API has been disallowed"],
    ),
    (
        '[pod/tyk-gw-5d9c/gateway] time="2025-02-02T10:00:00Z" level=warning msg="Attempted access with non-existent key." api_id=x mw=AuthKey',
        ["Access to this API has been disallowed"],
    ),
    (
        '2025-02-02T10:00:00.123Z stdout F time="2025-02-02T10:00:00Z" level=info msg="Attempted access from expired key." mw=KeyExpired',
        ["Key has expired, please renew"],
    ),
    (
        'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Basic realm="orders"\n\n{"error": "User not authorised"}',
        ["Wrong Password"],
    ),
    (
        '{"error": "Access to this API has been disallowed"}  -- from the partner key, created yesterday',
        ["Access to this API has been disallowed"],
    ),
    (
        'kubectl logs tyk-gw | grep error\ntime="Jan 01 00:00:00" level=error msg="Upstream host lookup failed" api_id=1',
        ["Upstreaming host lookup failed"],
    ),
    ("tyk returns 503 all hosts are down even though the pods are up", ["All hosts are down"]),
    ("we see 'Client closed request' 499s in the analytics", ["Client closed request"]),
    ('{"status":"error","message":"Failed to remove the key"}', ["Failed to remove the key"]),
    (
        "Batch request creation failed , request structure malformed",
        ["Batch request creation failed, request structure malformed"],
    ),
    (
        '{"status": "error", "message": "Request APIID does not match that in Definition! For Update operations these must match."}',
        ["Request apiID does not match that in Definition! For Update operations these must match"],
    ),
    ("OAuth client ID is empty", ["OAuth client ID is empty", "OAuth Client Id Empty"]),
    ("client_secret is required", ["OAuth Client Secret Empty"]),
    ("error: Couldn't decode OAS object", ["Couldn’t decode OAS object"]),
    (
        'org quota exceeded: "This organisation quota has been exceeded, please contact your API administrator"',
        ["This organisation quota has been exceeded, please contact your API administrator"],
    ),
    (
        "GraphQL depth limit exceeded for query GetOrders",
        ["GraphQL Depth Limit Exceeded", "Depth limit exceeded"],
    ),
]
MORE_NEGATIVES = [
    "anyone know when tyk 5.8 is released?",
    "rate limiting question: does tyk count OPTIONS requests towards the quota?",
    "our nginx ingress returns 413 Request Entity Too Large for uploads",
    "Error: getaddrinfo ENOTFOUND api.internal",
    "ssl handshake failed with the legacy soap service, cipher mismatch",
    '{"error": "invalid_request", "error_description": "Missing grant type"}',
    "HTTP 500 from the orders service itself, not the gateway: NullPointerException at OrderService.java:88",
    "the dashboard shows 0 requests for the last hour, analytics pump maybe stuck?",
    "I think the key expired yesterday, can someone regenerate it?",
    "403 from cloudflare WAF: Sorry, you have been blocked",
    'psycopg2.OperationalError: FATAL: password authentication failed for user "tyk"',
    "git push rejected: ! [remote rejected] main -> main (protected branch hook declined)",
    "ImagePullBackOff on tyk-pump after the registry migration",
    "yes the policy is attached, I checked in the dashboard",
    "Error: EACCES: permission denied, open '/opt/tyk-gateway/tyk.conf'",
]

POSITIVES += SENTENCES_AND_LOGS
NEGATIVES += MORE_NEGATIVES

MATCHER = Matcher(load_knowledge())


@pytest.mark.parametrize("paste, expected", POSITIVES)
def test_paste_ranks_its_entry_first(paste: str, expected: list[str]) -> None:
    result = MATCHER.match(redact(paste).text)
    assert result.matches and result.matches[0].message in expected


def test_nearly_all_positive_pastes_are_confident() -> None:
    # Bodies and log lines are confident; a message inside a sentence may only be a best guess.
    confident = sum(MATCHER.match(redact(p).text).confident for p, _ in POSITIVES)
    assert confident >= 0.85 * len(POSITIVES)


@pytest.mark.parametrize("paste", NEGATIVES)
def test_other_systems_and_chatter_stay_silent(paste: str) -> None:
    assert not MATCHER.match(redact(paste).text).confident
