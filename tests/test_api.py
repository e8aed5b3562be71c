"""The HTTP API: every route through FastAPI's test client (bad inputs and keys included), and
`facekit serve` as real processes on loopback, two of them sharing one PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from facekit import Config
from facekit.examples import EXAMPLES_DIR
from facekit.service.app import create_app
from tests.conftest import jpeg_bytes
from tests.servers import free_port, get_json, post_multipart, process_answering, start_trickle

OBAMA = [EXAMPLES_DIR / name for name in ("obama.jpg", "obama1.jpg", "obama2.jpg", "obama3.jpg")]


def _file(path: Path) -> tuple[str, bytes, str]:
    return path.name, path.read_bytes(), "image/jpeg"


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(Config(data_dir=tmp_path / "data")), raise_server_exceptions=False) as client:
        yield client


def _error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and "Traceback" not in response.text
    return body["error"]["message"]


def test_verify_two_photos(client):
    same = client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(OBAMA[1])}).json()
    assert same["decision"] == "same" and same["same"] is True
    assert same["probability"] >= same["thresholds"]["same_from"] > same["thresholds"]["different_below"]
    assert [len(face["landmarks"]) for face in same["faces"]] == [5, 5] and same["faces"][0]["box"][2] > 50
    assert same["model"]["name"] == "sface" and len(same["model"]["version"]) == 12 and same["took_ms"] > 0
    press = client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(OBAMA[2])}).json()
    assert press["decision"] == "same"  # two press photos of one man: firm with the default tower
    for obama in (OBAMA[0], OBAMA[2]):
        different = client.post("/v1/verify", files={"image1": _file(obama), "image2": _file(EXAMPLES_DIR / "biden.jpg")})
        assert different.json()["decision"] == "different" and different.json()["same"] is False
    # dlib's tower (the model that was the default before SFace) and the model trained here from
    # scratch, on request: their own lines.
    dlib = client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(OBAMA[1])},
                       data={"model": "pretrained"}).json()
    assert dlib["model"]["name"] == "pretrained" and dlib["thresholds"] != same["thresholds"]
    scratch = client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(OBAMA[1])},
                          data={"model": "scratch"}).json()
    assert scratch["model"]["name"] == "scratch" and scratch["thresholds"] != same["thresholds"]
    assert "sface" in _error(client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(OBAMA[1])},
                                              data={"model": "dlib"}), 422, "invalid_request")
    # Your own line: one threshold, two answers only.
    mine = client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(EXAMPLES_DIR / "biden.jpg")},
                       data={"threshold": "0.5"}).json()
    assert mine["decision"] == ("same" if mine["probability"] >= 0.5 else "different")
    assert mine["thresholds"] == {"same_from": 0.5, "different_below": 0.5}


def test_enrol_identify_verify_and_delete_a_person(client):
    ids = []
    for photo in OBAMA[1:]:
        response = client.post("/v1/people/Barack Obama/photos", files={"image": _file(photo)})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
        assert response.json()["problems"] == [] and len(response.json()["box"]) == 4
    assert client.get("/v1/people").json() == {"people": [{"name": "Barack Obama", "photos": 3}]}
    assert [p["id"] for p in client.get("/v1/people/Barack Obama").json()["photos"]] == ids

    found = client.post("/v1/identify", files={"image": _file(OBAMA[0])}).json()
    assert found["person"] == "Barack Obama" and found["matches"][0]["probability"] >= found["threshold"]
    stranger = client.post("/v1/identify", files={"image": _file(EXAMPLES_DIR / "biden.jpg")}, data={"top_k": "1"})
    assert stranger.status_code == 200 and stranger.json()["person"] is None and len(stranger.json()["matches"]) == 1

    verified = client.post("/v1/people/Barack Obama/verify", files={"image": _file(OBAMA[0])}).json()
    assert verified["verified"] is True and verified["photos"] == 3 and len(verified["probabilities"]) == 3
    assert not client.post("/v1/people/Barack Obama/verify", files={"image": _file(EXAMPLES_DIR / "biden.jpg")}).json()["verified"]

    assert client.delete(f"/v1/people/Barack Obama/photos/{ids[0]}").json() == {"name": "Barack Obama", "deleted_photo": ids[0]}
    assert client.delete("/v1/people/Barack Obama").json() == {"name": "Barack Obama", "deleted_photos": 2}
    assert client.get("/v1/people").json() == {"people": []}
    _error(client.get("/v1/people/Barack Obama"), 404, "not_found")
    nobody = client.post("/v1/identify", files={"image": _file(OBAMA[0])}).json()
    assert nobody["person"] is None and nobody["matches"] == []


def test_junk_gets_a_plain_4xx(client):
    grey = jpeg_bytes(np.full((200, 200, 3), 128, np.uint8))
    photo = _file(OBAMA[0])
    assert "second photo" in _error(client.post("/v1/verify", files={"image1": photo, "image2": ("a.txt", b"hello", "text/plain")}),
                                    415, "invalid_image")
    _error(client.post("/v1/verify", files={"image1": photo, "image2": ("empty.jpg", b"", "image/jpeg")}), 415, "invalid_image")
    assert "no face" in _error(client.post("/v1/verify", files={"image1": photo, "image2": ("grey.jpg", grey, "image/jpeg")}),
                               422, "no_face_found")
    assert "image2" in _error(client.post("/v1/verify", files={"image1": photo}), 422, "invalid_request")
    assert "at most 100 photos" in _error(client.post("/v1/group", files=[("image", (f"{n}.jpg", b"x")) for n in range(1001)]),
                                          413, "too_many_photos")  # as 101 photos are: not a 400 past the form's 1,000
    text_for_file = _error(client.post("/v1/verify", files={"image1": photo}, data={"image2": "a photo"}), 422, "invalid_request")
    assert "image2: a file is expected here" in text_for_file and "class" not in text_for_file  # not Python's <class 'str'>
    assert "threshold" in _error(client.post("/v1/verify", files={"image1": photo, "image2": photo}, data={"threshold": "2"}),
                                 422, "invalid_request")
    _error(client.post("/v1/identify", files={"image": photo}, data={"top_k": "0"}), 422, "invalid_request")
    _error(client.post("/v1/people/Nobody/verify", files={"image": photo}), 404, "not_found")
    _error(client.delete("/v1/people/Nobody"), 404, "not_found")
    _error(client.post("/v1/people/  /photos", files={"image": photo}), 400, "bad_request")
    # Bytes that are not UTF-8 in the path are not a name (they would decode to replacement characters).
    assert "UTF-8" in _error(client.post("/v1/people/%FF%FE/photos", files={"image": photo}), 400, "bad_request")
    assert "UTF-8" in _error(client.get("/v1/people/Bob%FF"), 400, "bad_request")
    _error(client.get("/v2/nothing"), 404, "not_found")
    _error(client.put("/v1/verify"), 405, "method_not_allowed")


def test_size_limits_give_413(tmp_path):
    app = create_app(Config(data_dir=tmp_path / "data", max_image_bytes=50_000))
    with TestClient(app) as client:
        big = ("big.jpg", b"\xff" * 60_000, "image/jpeg")
        assert "the limit is" in _error(client.post("/v1/identify", files={"image": big}), 413, "image_too_large")
        huge = client.post("/v1/verify", content=b"x" * 2_000_000, headers={"content-type": "multipart/form-data; boundary=x"})
        _error(huge, 413, "request_too_large")


def test_keys_guard_every_v1_route(tmp_path):
    config = Config(data_dir=tmp_path / "data", api_keys=("reader-key",), admin_keys=("admin-key",))
    with TestClient(create_app(config)) as client:
        assert client.get("/healthz").status_code == 200  # probes stay open
        _error(client.get("/v1/people"), 401, "unauthorized")
        _error(client.get("/v1/people", headers={"X-API-Key": "wrong"}), 401, "unauthorized")
        assert client.get("/v1/people", headers={"X-API-Key": "reader-key"}).json() == {"people": []}

        def enrol(key: str):
            return client.post("/v1/people/Ada/photos", files={"image": _file(OBAMA[1])}, headers={"X-API-Key": key})

        _error(enrol("reader-key"), 403, "forbidden")
        assert enrol("admin-key").status_code == 201
        _error(client.delete("/v1/people/Ada", headers={"X-API-Key": "reader-key"}), 403, "forbidden")
        _error(client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(OBAMA[1])}), 401, "unauthorized")
        assert client.delete("/v1/people/Ada", headers={"X-API-Key": "admin-key"}).status_code == 200


def test_a_full_server_says_come_back_later(tmp_path):
    app = create_app(Config(data_dir=tmp_path / "data", api_max_requests=1))
    with TestClient(app) as client, app.state.service.admitted():  # one request already at work
        response = client.post("/v1/identify", files={"image": _file(OBAMA[0])})
        _error(response, 503, "busy")
        assert response.headers["Retry-After"] == "1"


def test_without_a_model_photo_routes_say_unavailable(tmp_path):
    with TestClient(create_app(Config(data_dir=tmp_path / "data", models_dir=tmp_path / "none"))) as client:
        response = client.post("/v1/identify", files={"image": _file(OBAMA[0])})
        assert "The sface model is not in" in _error(response, 503, "unavailable")
        assert response.headers["Retry-After"] == "5"
        _error(client.get("/readyz"), 503, "not_ready")
        assert client.get("/v1/people").json() == {"people": []}  # the gallery itself needs no model


def test_the_root_points_at_the_docs(client):
    answer = client.get("/")
    assert answer.status_code == 200 and answer.json()["docs"] == "/docs"


def test_ready_and_metrics(client):
    client.post("/v1/verify", files={"image1": _file(OBAMA[0]), "image2": _file(OBAMA[1])})
    client.post("/v1/verify", files={"image1": _file(OBAMA[0])})
    ready = client.get("/readyz")
    for _ in range(120):  # the warm-up runs in the background from start
        if ready.status_code == 200:
            break
        time.sleep(0.5)
        ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["model"]["name"] == "sface"
    text = client.get("/metrics").text
    assert 'facekit_requests_total{method="POST",route="/v1/verify",status="200"} 1' in text
    assert 'facekit_requests_total{method="POST",route="/v1/verify",status="422"} 1' in text
    assert 'facekit_errors_total{method="POST",route="/v1/verify"} 1' in text
    assert 'facekit_request_seconds_count{method="POST",route="/v1/verify"} 2' in text


def test_an_unexpected_failure_is_logged_not_shown(client, monkeypatch):
    gallery = client.app.state.service.gallery()
    monkeypatch.setattr(gallery, "people", lambda: 1 / 0)
    message = _error(client.get("/v1/people"), 500, "internal_error")
    assert "ZeroDivision" not in message and "logged" in message


def test_two_served_processes_share_one_postgresql(postgres_url, tmp_path):
    """`facekit serve` as real processes over loopback: what one enrols or deletes, the other sees."""
    env = {"FACEKIT_GALLERY_URL": postgres_url, "FACEKIT_DATA_DIR": str(tmp_path / "data")}
    with _served(tmp_path / "a.log", env) as first, _served(tmp_path / "b.log", env) as second:
        assert post_multipart(f"{first}/v1/verify", {"image1": OBAMA[0], "image2": OBAMA[1]})["decision"] == "same"
        for photo in OBAMA[1:]:
            post_multipart(f"{first}/v1/people/Barack%20Obama/photos", {"image": photo})
        assert get_json(f"{second}/v1/people") == {"people": [{"name": "Barack Obama", "photos": 3}]}
        assert post_multipart(f"{second}/v1/identify", {"image": OBAMA[0]})["person"] == "Barack Obama"
        assert get_json(f"{second}/v1/people/Barack%20Obama", "DELETE")["deleted_photos"] == 3
        assert post_multipart(f"{first}/v1/identify", {"image": OBAMA[0]})["matches"] == []


@contextlib.contextmanager
def _served(log: Path, env: dict):
    """`facekit serve` on a free loopback port, once its model is loaded (/readyz)."""
    port = free_port()
    command = [sys.executable, "-m", "facekit.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with process_answering(command, f"http://127.0.0.1:{port}/readyz", log, env):
        yield f"http://127.0.0.1:{port}"


def test_an_unreachable_gallery_database_is_a_503_not_a_crash(tmp_path):
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    with TestClient(create_app(Config(data_dir=tmp_path / "data", gallery_url=unreachable))) as client:
        response = client.get("/v1/people")
        assert "cannot be reached" in _error(response, 503, "unavailable") and response.headers["Retry-After"] == "5"
        assert client.get("/healthz").status_code == 200


def test_serve_refuses_a_gallery_url_it_cannot_use(monkeypatch, capsys):
    from facekit.cli import main

    monkeypatch.setenv("FACEKIT_GALLERY_URL", "mysql://somewhere/db")
    assert main(["serve"]) == 2 and "postgresql://" in capsys.readouterr().err


def test_an_lfw_person_enrolled_with_three_photos_is_identified_from_a_fourth(client, mini_lfw):
    people = sorted((p for p in (mini_lfw / "lfw").iterdir() if len(list(p.glob("*.jpg"))) >= 4), key=lambda p: p.name)
    found = []
    for person in people[:3]:
        photos = sorted(person.glob("*.jpg"))
        for photo in photos[:3]:
            assert client.post(f"/v1/people/{person.name}/photos", files={"image": _file(photo)}).status_code == 201
        answer = client.post("/v1/identify", files={"image": _file(photos[3])}).json()
        found.append(answer["person"] == person.name)
        # A stranger (someone never enrolled) is nobody, with the closest people still listed.
        stranger = client.post("/v1/identify", files={"image": _file(sorted(people[-1].glob("*.jpg"))[0])}).json()
        assert stranger["person"] is None and stranger["matches"], stranger
        lines = json.loads(Config().siamese_info_path.read_text())["thresholds"]
        assert stranger["threshold"] == pytest.approx(lines["identify_from"])  # identify's own line,
        assert lines["identify_from"] >= lines["same_from"]  # never below one pair's: many people, many chances
    assert all(found), found


def _chunked_post(base: str, path: str, headers: dict, chunks: int, chunk_bytes: int = 2**20) -> tuple[int, int, float]:
    """POST a chunked body of ``chunks`` x ``chunk_bytes`` to a real server, as fast as it takes
    them, and stop when it answers: ``(status, bytes sent before the answer, seconds)``."""
    import select
    import socket

    host, port = base.removeprefix("http://").split(":")
    start, sent = time.monotonic(), 0
    with socket.create_connection((host, int(port))) as connection:
        head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": host, "Transfer-Encoding": "chunked",
                                                    "Content-Type": "multipart/form-data; boundary=x", **headers}.items())
        part = b'--x\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        connection.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + f"{len(part):x}\r\n".encode() + part + b"\r\n")
        chunk = f"{chunk_bytes:x}\r\n".encode() + b"x" * chunk_bytes + b"\r\n"
        for _ in range(chunks):
            if select.select([connection], [], [], 0)[0]:
                break  # the server has answered
            try:
                connection.sendall(chunk)
            except OSError:  # it answered and closed while we were still sending
                break
            sent += chunk_bytes
        else:  # all sent and no answer yet: end the form and the body, and wait for it
            end = b"\r\n--x--\r\n"
            connection.sendall(f"{len(end):x}\r\n".encode() + end + b"\r\n0\r\n\r\n")
        connection.settimeout(60)
        status = int(connection.recv(65536).split(b" ", 2)[1])
    return status, sent, time.monotonic() - start


def test_a_body_that_trickles_is_cut_with_408_and_frees_its_slot(tmp_path):
    """Issue 40: connections sending a byte every 2 s held every admission slot for as long as they
    stayed open (verifies answered 503). Now each is cut with 408 once it falls behind 10 KB/s after
    its first 5 s, and a verify is admitted again."""
    import urllib.error

    from facekit.examples import EXAMPLE_PAIRS

    def verify(base) -> int:
        try:
            post_multipart(f"{base}/v1/verify", {"image1": EXAMPLE_PAIRS[0].first, "image2": EXAMPLE_PAIRS[0].second})
        except urllib.error.HTTPError as error:
            return error.code
        return 200

    with _served(tmp_path / "serve.log", {"FACEKIT_DATA_DIR": str(tmp_path / "data")}) as base:
        tricklers = [start_trickle(base) for _ in range(Config().api_max_requests)]
        started = time.monotonic()
        time.sleep(0.5)
        assert verify(base) == 503  # every slot held by a trickle
        answers = []
        for connection in tricklers:
            connection.settimeout(0.1)
            while True:
                try:
                    answers.append(connection.recv(65536))
                    break
                except TimeoutError:
                    connection.sendall(b"x")
                    time.sleep(0.9 / len(tricklers))
        print(f"tricklers cut after {time.monotonic() - started:.1f} s")
        assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[0]
        assert time.monotonic() - started < 15 and verify(base) == 200
        for connection in tricklers:
            connection.close()


def test_bodies_are_not_read_before_the_key_and_never_past_the_cap(tmp_path):
    """The doors of a real server: a chunked 300 MB upload without a key is answered 401 at once,
    before its body is read; with a key, a chunked body gets 413 as soon as it passes the cap
    (two photos and the form: 51 MB), not after all of it."""
    env = {"FACEKIT_DATA_DIR": str(tmp_path / "data"), "FACEKIT_API_KEYS": "reader-key", "FACEKIT_ADMIN_KEYS": "admin-key"}
    cap = 2 * Config().max_image_bytes + 2**20
    socket_buffers = 16 * 2**20  # what loopback's kernel buffers take in before the server reads a byte
    with _served(tmp_path / "serve.log", env) as base:
        status, sent, seconds = _chunked_post(base, "/v1/identify", {}, chunks=300)
        assert status == 401 and sent < socket_buffers, (status, sent)
        status, sent, seconds = _chunked_post(base, "/v1/identify", {"X-API-Key": "reader-key"}, chunks=300)
        assert status == 413 and sent <= cap + socket_buffers, (status, sent)
        status, sent, _ = _chunked_post(base, "/v1/people/Ada/photos", {"X-API-Key": "reader-key"}, chunks=300)
        assert status == 403 and sent < socket_buffers, (status, sent)  # an admin route, a reader's key
        status, sent, _ = _chunked_post(base, "/v1/group", {}, chunks=300)  # a pile's route: the key first too
        assert status == 401 and sent < socket_buffers, (status, sent)
        assert get_json(f"{base}/healthz") == {"status": "alive"}  # and the server is still there


def test_docs_and_metrics_need_a_key_and_no_cdn(tmp_path):
    config = Config(data_dir=tmp_path / "data", api_keys=("reader-key",))
    with TestClient(create_app(config)) as client:
        for path in ("/docs", "/openapi.json", "/metrics", "/docs/static/swagger-ui.css"):
            _error(client.get(path), 401, "unauthorized")
        key = {"X-API-Key": "reader-key"}
        page = client.get("/docs", headers=key).text
        assert "swagger-ui-bundle.js" in page and "cdn" not in page.lower() and "https://" not in page
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert client.get(f"/docs/static/{asset}", headers=key).status_code == 200
        schema = client.get("/openapi.json", headers=key).json()
        assert schema["info"]["title"] == "facekit" and "APIKeyHeader" in schema["components"]["securitySchemes"]
        assert client.get("/readyz").status_code in (200, 503)  # probes stay open


def test_docs_offer_no_keys_when_the_server_has_none(client):
    schema = client.get("/openapi.json").json()
    assert "securitySchemes" not in schema.get("components", {}) and "security" not in schema["paths"]["/v1/verify"]["post"]
    assert client.get("/openapi.json").json() == schema  # the same twice (made once)


def _zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_of_zeros_and_a_flood_of_files_are_refused_before_they_are_read(client):
    """The attack that took a worker to 2.86 GiB: 100 entries of 26 MB of zeros (a 2.5 MB request;
    99 here, beside a photo, within the 100 photos a request may carry).
    Each is refused by its declared size, unread, and listed; a damaged zip beside good photos is
    listed too, not fatal; 101 files in zips are 413 before any is read; a zip unpacking past the
    request's bound is 413."""
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(99):
            archive.writestr(f"zeros_{n:03d}.jpg", bytes(26 * 2**20))
    answer = client.post("/v1/group", files=[("image", ("zeros.zip", packed.getvalue(), "application/zip")),
                                              ("image", ("broken.zip", b"PK\x03\x04 and then nothing", "application/zip")),
                                              ("image", _file(OBAMA[0]))])
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["unreadable"]) == 100 and "broken.zip" in answer.json()["unreadable"]
    assert [len(group["faces"]) for group in answer.json()["groups"]] == [1]
    flood = _zip({f"{n}.jpg": b"x" for n in range(101)})
    _error(client.post("/v1/group", files={"image": ("flood.zip", flood, "application/zip")}), 413, "too_many_photos")


def test_a_pile_of_photos_is_grouped_by_person(client, mini_lfw):
    """Three LFW people (one's photos in a zip), a text file and a photo with no face: three groups,
    the bad files listed; an enrolled person is named in their group."""
    people = {name: sorted((mini_lfw / "lfw" / name).glob("*.jpg"))[1:4] for name in ("Al_Gore", "Ai_Sugiyama", "Al_Sharpton")}
    client.post("/v1/people/Al Gore/photos", files={"image": _file(sorted((mini_lfw / "lfw" / "Al_Gore").glob("*.jpg"))[0])})
    files = [("image", _file(p)) for name in ("Al_Gore", "Ai_Sugiyama") for p in people[name]]
    files += [("image", ("sharpton.zip", _zip({f"event/{p.name}": p.read_bytes() for p in people["Al_Sharpton"]}), "application/zip")),
              ("image", ("notes.txt", b"not a photo", "text/plain")),
              ("image", ("wall.jpg", jpeg_bytes(np.full((200, 200, 3), 128, np.uint8)), "image/jpeg"))]
    answer = client.post("/v1/group", files=files).json()
    assert answer["unreadable"] == ["notes.txt"] and answer["no_face"] == ["wall.jpg"]
    found = [{face["photo"].split("/")[-1].rsplit("_", 1)[0] for face in group["faces"]} for group in answer["groups"]
             if len(group["faces"]) > 1]  # a bystander behind Al Gore is a group of one
    assert sorted(map(sorted, found)) == [["Ai_Sugiyama"], ["Al_Gore"], ["Al_Sharpton"]]
    assert [g["person"] for g in answer["groups"] if len(g["faces"]) > 1] == [
        "Al Gore" if g["faces"][0]["photo"].startswith("Al_Gore") else None for g in answer["groups"] if len(g["faces"]) > 1]
    assert {f["photo"] for g in answer["groups"] for f in g["faces"]} >= {f"event/{p.name}" for p in people["Al_Sharpton"]}


def test_several_photos_are_enrolled_at_once_each_answered(client):
    files = [("image", _file(p)) for p in OBAMA[:3]] + [("image", ("notes.txt", b"not a photo", "text/plain"))]
    response = client.post("/v1/people/Barack Obama/photos", files=files)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["name"] == "Barack Obama" and answer["enrolled"] == 3
    assert [a["file"] for a in answer["photos"]] == ["obama.jpg", "obama1.jpg", "obama2.jpg", "notes.txt"]
    assert all(a["photo"]["person"] == "Barack Obama" for a in answer["photos"][:3])
    assert answer["photos"][3]["error"]["code"] == "invalid_image"
    assert client.get("/v1/people").json() == {"people": [{"name": "Barack Obama", "photos": 3}]}
    assert client.post("/v1/identify", files={"image": _file(OBAMA[3])}).json()["person"] == "Barack Obama"
    nothing = client.post("/v1/people/Ada/photos", files=[("image", ("a.txt", b"a", "text/plain"))] * 2)
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "nothing_enrolled"
    _error(client.post("/v1/people/  /photos", files=files), 400, "bad_request")  # a name that is none: nothing tried


def test_a_pile_has_its_own_limits(tmp_path):
    config = Config(data_dir=tmp_path / "data", api_max_pile_photos=2, api_max_pile_bytes=400_000,
                    api_keys=("reader-key",), admin_keys=("admin-key",))
    key = {"X-API-Key": "reader-key"}
    with TestClient(create_app(config)) as client:
        _error(client.post("/v1/group", files=[("image", _file(OBAMA[0]))]), 401, "unauthorized")
        three = [("image", _file(p)) for p in OBAMA[:3]]
        assert "at most 2" in _error(client.post("/v1/group", files=three, headers=key), 413, "too_many_photos")
        big = [("image", ("big.jpg", b"\xff" * 300_000, "image/jpeg"))] * 2
        assert "at most 391 KB of photos" in _error(client.post("/v1/group", files=big, headers=key), 413, "request_too_large")
        assert client.post("/v1/group", files=three[:2], headers=key).status_code == 200
