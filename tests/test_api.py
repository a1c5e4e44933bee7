"""The prediction API as a real server on 127.0.0.1, for FastAPI and Flask projects.

In-process request tests live in the generated project (tests/test_api.py, run by `make test`);
here the server is started the way users start it, with `make serve`, and spoken to over HTTP.
The example model is served by ONNX Runtime on the checked export (built at start-up when missing)
and must answer like scikit-learn; the stub's DummyClassifier has no converter and falls back.
Reliability: schemathesis fuzzes the server from its own OpenAPI document, hostile requests written
by hand (extreme numbers, huge strings, deep nesting, bad bytes, oversized or slow bodies) get a 4xx
naming the problem, and the API key, when set, is asked of every path but /health.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from .helpers import DEFAULTS, combo_id, copier_copy, free_port, latest_metadata, make_env, project_python, run

pytestmark = pytest.mark.e2e
APIS = [{**DEFAULTS, "api": api, "use_dvc": False, "tracking": "none"} for api in ["fastapi", "flask"]]
ONNX_LINE = "runtime    ONNX Runtime on artifacts/"
HOLD_OUT_RECORDS = """
import json, sys, pandas as pd
print(pd.read_parquet(sys.argv[1]).drop(columns=[sys.argv[2]]).to_json(orient="records"))
"""
RECORD = {"island": "Biscoe", "bill_length_mm": 45.1, "bill_depth_mm": 14.5, "flipper_length_mm": 215.0,
          "body_mass_g": 5000.0, "sex": "female", "year": 2008}


def call(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post(port: int, payload) -> tuple[int, dict]:
    return call(port, "POST", "/predict", json.dumps(payload).encode())


@pytest.fixture(scope="module", params=APIS, ids=lambda a: a["api"])
def project(request, tmp_path_factory) -> Path:
    answers = request.param
    root = tmp_path_factory.mktemp(combo_id(answers)) / "project"
    copier_copy(root, answers)
    make_env(root)
    run(["make", "train", "ARGS=train.cv_folds=0"], cwd=root)
    return root


@contextmanager
def serving(project: Path, overrides: str = "", env: dict[str, str] | None = None) -> Iterator[tuple[int, Path]]:
    """`make serve` on a free loopback port (PARAMS_OVERRIDES=overrides, more environment variables in env);
    yields (port, its output file) once /health answers."""
    port = free_port()
    output = project.parent / f"serve-{port}.log"
    with output.open("w") as log:
        process = subprocess.Popen(["make", "serve", "HOST=127.0.0.1", f"PORT={port}"], cwd=project,
                                   env={**os.environ, "PARAMS_OVERRIDES": overrides, **(env or {})},
                                   start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited early:\n{output.read_text()}")
            try:
                if call(port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"server did not answer /health within 120 s:\n{output.read_text()}")
        yield port, output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(project):
    """The project's server with its default parameters: (port, output file)."""
    with serving(project) as started:
        yield started


@pytest.fixture(scope="module")
def server(served) -> int:
    return served[0]


def test_health_metadata_and_predictions(server):
    status, health = call(server, "GET", "/health")
    assert status == 200 and health["status"] == "ok"
    status, metadata = call(server, "GET", "/metadata")
    assert status == 200 and set(RECORD) == {f["name"] for f in metadata["features"]}
    status, one = post(server, RECORD)
    assert status == 200 and one["predictions"][0]["prediction"] == "Gentoo"
    status, many = post(server, {"records": [RECORD, {**RECORD, "sex": None, "bill_length_mm": None}] * 50})
    assert status == 200 and len(many["predictions"]) == 100


@pytest.mark.parametrize("body, status, message", [
    (b"{not json", 400, "not valid JSON"),
    (json.dumps({k: v for k, v in RECORD.items() if k != "sex"}).encode(), 422, "missing feature(s) ['sex']"),
    (json.dumps({**RECORD, "id": 7}).encode(), 422, "unknown field(s) ['id']"),
    (json.dumps({**RECORD, "body_mass_g": "heavy"}).encode(), 422, "body_mass_g must be a finite number"),
    (json.dumps({**RECORD, "island": 3}).encode(), 422, "island must be a string (valid Unicode"),
    (json.dumps({"records": [RECORD] * 1001}).encode(), 413, "exceeds the limit of 1000"),
], ids=["malformed", "missing", "extra", "wrong-number", "wrong-string", "oversized"])
def test_bad_requests_get_a_4xx_naming_the_problem(server, body, status, message):
    answer_status, answer = call(server, "POST", "/predict", body)
    assert answer_status == status and message in answer["detail"]


def test_concurrent_requests_all_succeed_with_the_same_answer(server):
    payloads = [RECORD, {**RECORD, "island": "Dream", "bill_depth_mm": 18.0, "flipper_length_mm": 190.0}] * 40
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda payload: post(server, payload), payloads))
    assert all(status == 200 for status, _ in answers)
    assert {answers[i][1]["predictions"][0]["prediction"] for i in range(0, len(answers), 2)} == {"Gentoo"}
    assert len({json.dumps(answers[i][1]) for i in range(1, len(answers), 2)}) == 1


def test_a_tampered_model_stops_start_up(project, tmp_path):
    metadata = json.loads(max((project / "models" / "metadata").glob("*.json")).read_text())
    model_file = project / metadata["model"]["path"]
    original = model_file.read_bytes()
    model_file.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        result = run(["make", "serve", "HOST=127.0.0.1", f"PORT={free_port()}"], cwd=project, check=False,
                     timeout=120)
    finally:
        model_file.write_bytes(original)
    assert result.returncode != 0
    assert "does not match its metadata" in result.stderr and "Traceback" not in result.stderr


def test_seed_alias_deploy_endpoint_runs_serve(project):
    assert "serve" in run(["make", "-n", "deploy-endpoint", "HOST=127.0.0.1"], cwd=project).stdout


def hold_out_records(project: Path) -> list[dict]:
    """The hold-out rows without the target, as a client would send them (missing values as null)."""
    data = latest_metadata(project)["data"]
    return json.loads(project_python(project, HOLD_OUT_RECORDS, data["test"]["path"], data["target"]))


def test_onnx_runtime_answers_like_scikit_learn_on_the_hold_out_set(project, served):
    port, output = served
    assert ONNX_LINE in output.read_text()
    records = hold_out_records(project)
    status, onnx = post(port, {"records": records})
    with serving(project, "serve.runtime=sklearn") as (native_port, native_output):
        native_status, native = post(native_port, {"records": records})
    assert "runtime    scikit-learn (serve.runtime is sklearn)" in native_output.read_text()
    assert status == native_status == 200 and onnx["model"] == native["model"]
    tolerance = json.loads(next((project / "artifacts").glob("*/export.json")).read_text())["settings"][
        "parity_tolerance"]
    assert len(onnx["predictions"]) == len(native["predictions"]) == len(records)
    for ours, theirs in zip(onnx["predictions"], native["predictions"]):
        assert list(ours) == list(theirs) and ours["prediction"] == theirs["prediction"]
        assert all(abs(ours[key] - theirs[key]) <= tolerance for key in ours if key.startswith("probability_"))


def test_a_tampered_onnx_export_is_rebuilt_or_refused_at_start_up(project):
    metadata = latest_metadata(project)
    onnx_file = project / "artifacts" / Path(metadata["model"]["path"]).stem / "model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes() + b"x")
    with serving(project) as (port, output):  # the export is made again, and checked again
        assert post(port, RECORD)[0] == 200
    log = output.read_text()
    assert "export     writing artifacts/" in log and ONNX_LINE in log
    onnx_file.write_bytes(onnx_file.read_bytes() + b"x")
    hold_out = project / metadata["data"]["test"]["path"]
    hold_out.rename(hold_out.with_suffix(".away"))
    try:  # nothing to check a new export against: scikit-learn answers, and the log says why
        with serving(project) as (port, output):
            status, answer = post(port, RECORD)
    finally:
        hold_out.with_suffix(".away").rename(hold_out)
    log = output.read_text()
    assert status == 200 and answer["predictions"][0]["prediction"] == "Gentoo"
    assert log.count("runtime    ") == 1 and ONNX_LINE not in log
    assert "runtime    scikit-learn, not ONNX Runtime: no checked ONNX export" in log
    assert "the ONNX parity check needs the hold-out set" in log
    run(["make", "export"], cwd=project)  # leave a verifying bundle for the other tests


def test_a_model_without_onnx_converter_is_served_by_scikit_learn(tmp_path):
    root = copier_copy(tmp_path / "stubs", {**APIS[0], "include_example": False})
    make_env(root)
    run(["make", "train", "ARGS=train.cv_folds=0"], cwd=root)
    with serving(root) as (port, output):
        status, answer = post(port, RECORD)
    assert status == 200 and set(answer["predictions"][0]) == {"prediction"}
    lines = [line for line in output.read_text().splitlines() if line.startswith("runtime")]
    assert lines == ["runtime    scikit-learn, not ONNX Runtime: skl2onnx has no converter for "
                     "sklearn.dummy.DummyClassifier"]


# Reliability: the OpenAPI document, fuzzing, hostile requests, limits and the API key.

FUZZ_EXAMPLES = 200  # per operation and framework; schemathesis adds its coverage phase's cases
# The answers conform to the document, and the server accepts exactly what it allows: valid data gets a
# prediction (or 413 when a valid batch exceeds the body limit), invalid data a 4xx (413: too many records).
FUZZ_CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
               "positive_data_acceptance,negative_data_rejection")
FUZZ_CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["200", "413"]
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "413", "415", "422"]
"""
API_KEY = "test-key-0123456789"
STRICT = "serve.request_timeout_s=2 serve.max_body_bytes=65536 serve.runtime=sklearn"  # the `strict` server


def send(port: int, body: bytes | Iterable[bytes], headers: dict[str, str] | None = None, path: str = "/predict",
         method: str = "POST") -> tuple[int, str]:
    """The bytes given, as they are (no client library fixing them up; chunks of an iterable sent with
    Transfer-Encoding: chunked): the answer's status and text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        try:
            connection.request(method, path, body=body,
                               headers={"Content-Type": "application/json", **(headers or {})})
        except (BrokenPipeError, ConnectionResetError):  # answered (413) and closed before reading it all
            pass
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def healthy(port: int) -> bool:
    return call(port, "GET", "/health")[0] == 200


@pytest.fixture(scope="module")
def strict(project):
    """A server with an API key, a 2 s request time limit, a 64 KiB body limit, answering with scikit-learn
    (whose float32 overflow was the first 500 found)."""
    with serving(project, STRICT, {"SERVE_API_KEY": API_KEY}) as (port, output):
        log = output.read_text()
        assert "limits     bodies up to 65536 bytes, sent within 2 s; API key required (SERVE_API_KEY)" in log
        assert "runtime    scikit-learn (serve.runtime is sklearn)" in log
        yield port


def test_the_openapi_document_describes_the_records_of_this_model(project, server):
    status, document = call(server, "GET", "/openapi.json")
    assert status == 200 and document["openapi"] == "3.1.0"
    record = document["components"]["schemas"]["Record"]
    features = {f["name"]: f["type"] for f in latest_metadata(project)["features"]}
    assert record["required"] == list(features) and record["additionalProperties"] is False
    assert {name: "number" if "number" in schema["type"] else "string" for name, schema in
            record["properties"].items()} == {name: "number" if kind == "numeric" else "string"
                                              for name, kind in features.items()}
    assert record["properties"]["bill_length_mm"]["maximum"] == 1e15
    assert record["properties"]["island"]["maxLength"] == 1000
    body = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PredictRequest"}
    assert "security" not in document  # no SERVE_API_KEY


@pytest.mark.parametrize("which", ["server", "strict"], ids=["onnx", "sklearn-with-key"])
def test_fuzzing_from_the_document_finds_no_server_error_and_no_undocumented_answer(project, request, which,
                                                                                    tmp_path):
    """schemathesis (its CLI: positive and negative cases, coverage then fuzzing phases) against the server
    answering with ONNX Runtime, and against the one with scikit-learn and an API key (sent by schemathesis)."""
    port, started = request.getfixturevalue(which), time.monotonic()
    config = tmp_path / "schemathesis.toml"
    config.write_text(FUZZ_CONFIG)
    key = ["--header", f"X-API-Key: {API_KEY}"] if which == "strict" else []
    result = run([str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run",
                  f"http://127.0.0.1:{port}/openapi.json", *key, "--max-examples", str(FUZZ_EXAMPLES),
                  "--checks", FUZZ_CHECKS, "--workers", "1"], cwd=tmp_path, check=False, timeout=600)
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    print(f"schemathesis ({project.parent.name}, {which}): {counts and counts.group(0)} "
          f"in {time.monotonic() - started:.0f} s")
    assert result.returncode == 0, result.stdout[-6000:]
    assert counts and int(counts.group(1)) == int(counts.group(2)) >= FUZZ_EXAMPLES
    assert healthy(port)


@pytest.mark.parametrize("value", [1e308, -1e308, 5e-324, -5e-324, 1e15, 2 ** 53 + 1, 0.0],
                         ids=["1e308", "-1e308", "subnormal", "-subnormal", "limit", "2^53+1", "zero"])
def test_extreme_finite_numbers_get_a_prediction_or_a_422(server, value):
    status, text = send(server, json.dumps({**RECORD, "bill_length_mm": value}).encode())
    answer = json.loads(text)
    if abs(value) > 1e15:
        assert status == 422 and "bill_length_mm must be a finite number from -1e+15 to 1e+15" in answer["detail"]
    else:
        assert status == 200 and answer["predictions"][0]["prediction"] in {"Adelie", "Chinstrap", "Gentoo"}


@pytest.mark.parametrize("body, headers, status, message", [
    (json.dumps({**RECORD, "bill_length_mm": math.nan}).encode(), {}, 422, "bill_length_mm must be a finite number"),
    (json.dumps({**RECORD, "year": 10 ** 400}).encode(), {}, 422, "year must be a finite number"),
    (("[" + "1" * 5000 + "]").encode(), {}, 400, "not valid JSON"),
    (json.dumps({**RECORD, "island": "x" * 1_000_000}).encode(), {}, 422, "at most 1000 characters"),
    (json.dumps({**RECORD, "island": "\ud800"}).encode(), {}, 422, "island must be a string (valid Unicode"),
    (b"[" * 10_000 + b"]" * 10_000, {}, 400, "nested too deeply"),
    (json.dumps({"records": [[[[RECORD]]]]}).encode(), {}, 422, "record 0 must be a JSON object"),
    (json.dumps(RECORD).encode(), {"Content-Type": "text/plain"}, 415, "Content-Type must be application/json"),
    (b"island=Biscoe", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "must be application/json"),
    (b'{"island": "\xff\xfe"}', {}, 400, "not valid UTF-8"),
    (b"\x00" * 100, {}, 400, "not valid"),
], ids=["nan", "huge-integer", "5000-digits", "1MB-string", "lone-surrogate", "nesting-10000", "nested-records",
        "text-plain", "form", "invalid-utf8", "nul-bytes"])
def test_hostile_bodies_get_a_4xx_naming_the_problem(server, body, headers, status, message):
    answer_status, text = send(server, body, headers)
    assert answer_status == status and message in json.loads(text)["detail"], text[:500]
    assert healthy(server)


def test_a_body_over_the_limit_is_a_413_and_the_server_keeps_serving(server):
    body = json.dumps({"records": [RECORD] * 8000}).encode()  # about 1.3 MB > 1 MiB
    status, text = send(server, body)  # Content-Length says so: refused before the body is read
    assert status == 413 and "1048576" in text
    status, text = send(server, (body[start:start + 65536] for start in range(0, len(body), 65536)))
    assert status == 413 and "1048576" in text  # chunked: refused once the bytes read pass the limit
    assert healthy(server) and post(server, RECORD)[0] == 200


def trickle(port: int, head: bytes, body: bytes, interval: float) -> tuple[bytes, float]:
    """Send head, then body one byte per interval until the server answers or closes the connection:
    (what it answered, seconds from the first body byte to the cut)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(head)
        started = time.monotonic()
        for byte in body:
            try:
                client.sendall(bytes([byte]))
            except OSError:  # closed or reset by the server
                break
            if select.select([client], [], [], interval)[0]:
                break
        elapsed, answer = time.monotonic() - started, b""
        try:
            while chunk := client.recv(65536):
                answer += chunk
        except OSError:
            pass
    return answer, elapsed


def test_a_slow_client_is_cut_off_within_the_time_limit_and_the_server_keeps_serving(strict):
    body = json.dumps(RECORD).encode()
    head = (f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-API-Key: {API_KEY}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    answer, elapsed = trickle(strict, head, body, 0.2)  # 30 s for the whole body; the limit is 2 s
    assert elapsed < 2 + 3, f"still sending after {elapsed:.1f} s"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert healthy(strict) and send(strict, body, {"X-API-Key": API_KEY})[0] == 200


def test_the_strict_body_limit_is_the_one_from_params(strict):
    status, text = send(strict, json.dumps({"records": [RECORD] * 500}).encode(), {"X-API-Key": API_KEY})  # ~80 KB
    assert status == 413 and "65536" in text
    assert send(strict, json.dumps(RECORD).encode(), {"X-API-Key": API_KEY})[0] == 200


@pytest.mark.parametrize("headers, status", [
    ({}, 401),
    ({"X-API-Key": "wrong"}, 401),
    ({"Authorization": "Bearer wrong"}, 401),
    ({"Authorization": API_KEY}, 401),
    ({"X-API-Key": API_KEY}, 200),
    ({"Authorization": f"Bearer {API_KEY}"}, 200),
], ids=["none", "wrong-header", "wrong-bearer", "no-scheme", "header", "bearer"])
def test_with_an_api_key_only_health_is_open(strict, headers, status):
    answer_status, text = send(strict, json.dumps(RECORD).encode(), headers)
    assert answer_status == status, text
    if status == 401:
        assert "missing or wrong API key" in json.loads(text)["detail"]
    for path in ("/metadata", "/openapi.json"):
        assert send(strict, b"", headers, path, "GET")[0] == status
    assert send(strict, b"", {}, "/health", "GET")[0] == 200


def test_without_an_api_key_every_path_is_open(server):
    assert send(server, json.dumps(RECORD).encode())[0] == 200
    assert send(server, b"", {}, "/metadata", "GET")[0] == 200
