"""Checks schemathesis adds to its own when it fuzzes the Mediaport API
(cli/tests/cli/fuzz.rs loads this module through SCHEMATHESIS_HOOKS)."""

import schemathesis


@schemathesis.check
def error_answers_carry_a_code(ctx, response, case):
    """Every 4xx answer is JSON with a non-empty `code` a client can act on."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except Exception as err:  # any body that is not JSON fails the check
        raise AssertionError(f"{response.status_code} without a JSON body: {err}") from None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not body["code"]:
        raise AssertionError(f"{response.status_code} without an error code: {body!r}")
    return None


# Face collection imports take a zip archive: fuzz them with any bytes, as a client may send.
schemathesis.serializer.alias("application/zip", "application/octet-stream")
