"""`tykbot catalog coverage`: the Go source is read for client-facing strings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.coverage import concrete, constants, scan_source, scan_tree

GO = """
package gateway

const MsgAuthFieldMissing = "Authorization field missing"

var ErrPayload = errors.New("the payload should contain x-tyk-api-gateway")

func (k *X) ProcessRequest(w http.ResponseWriter, r *http.Request) (error, int) {
	if bad {
		return errors.New("Request is too large"), http.StatusBadRequest
	}
	if loop {
		return true, fmt.Errorf("Loop level too deep. Found more than %d loops", limit)
	}
	if limit {
		return fmt.Errorf("failed to get OAuth token: %w", err), http.StatusInternalServerError
	}
	log.Error("only logged, never sent")
	handler.HandleError(w, r, "Couldn't detect target", http.StatusInternalServerError, true)
	http.Error(w, "upstream PRM unavailable", http.StatusBadGateway)
	doJSONWrite(w, http.StatusBadRequest, apiError(ErrPayload.Error()))
	return apiError(fmt.Sprintf("Validation of API Definition failed. Reason: %s.", reason)), 400
	return apiError("Unable to access policy storage."), http.StatusInternalServerError
}

func init() {
	TykErrors[ErrAuthAuthorizationFieldMissing] = config.TykError{
		Message: MsgAuthFieldMissing,
		Code:    http.StatusUnauthorized,
	}
}
"""


def _found() -> dict[str, tuple[int | None, str]]:
    names = constants([GO])
    return {f.text: (f.code, f.kind) for f in scan_source(GO, "gateway/x.go", names)}


def test_strings_returned_with_a_status_are_found_with_it() -> None:
    found = _found()
    assert found["Request is too large"] == (400, "return")
    assert found["failed to get OAuth token: %w"] == (500, "return")
    assert found["Couldn't detect target"] == (500, "HandleError")
    assert found["upstream PRM unavailable"] == (502, "http.Error")
    assert found["Authorization field missing"] == (401, "TykErrors")


def test_gateway_api_errors_and_constants_are_resolved() -> None:
    found = _found()
    assert "Unable to access policy storage." in found
    assert "Validation of API Definition failed. Reason: %s." in found
    assert "the payload should contain x-tyk-api-gateway" in found


def test_log_only_strings_and_non_status_returns_are_not_client_facing() -> None:
    found = _found()
    assert "only logged, never sent" not in found
    # `return true, fmt.Errorf(…)` is not a reply (the caller decides what the client sees)
    assert not any(t.startswith("Loop level") for t in found)


def test_format_verbs_are_filled_like_a_real_reply() -> None:
    assert concrete("given code %s is not a valid integer value") == (
        "given code example is not a valid integer value"
    )
    assert concrete("100%% sure: %w") == "100% sure: example"


def test_the_command_lists_uncovered_strings_and_the_share(tmp_path: Path) -> None:
    (tmp_path / "gateway").mkdir()
    (tmp_path / "gateway" / "x.go").write_text(
        GO + '\nfunc y() (error, int) {\n\treturn errors.New("flux capacitor melted"), 500\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "gateway" / "x_test.go").write_text(
        'func t() { http.Error(w, "only in a test", 500) }', encoding="utf-8"
    )
    assert "only in a test" not in {f.text for f in scan_tree(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "catalog", "coverage", "--tyk-source", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "gateway/x.go:" in out.stdout and "flux capacitor melted" in out.stdout
    last = out.stdout.splitlines()[-1]
    assert last.startswith("covered ") and "1 uncovered" in last
