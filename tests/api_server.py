"""A real local HTTP server that speaks the OpenAI, Cohere (v2) and Voyage wire formats.

The API retriever and re-ranker are tested against this server instead of mocks, so the bytes on
the wire, the headers, the timeouts and the thread pool are all real. Embeddings are a
deterministic bag of hashed words, so retrieval over them is meaningful (shared words score
higher) and tests can compute the expected vector of any text with :func:`embed_text`.

Faults are scripted with :class:`Fault` (429 with ``Retry-After`` / ``x-ratelimit-reset-*``,
500 then success, shuffled ``data``, slow answers, answers held until several requests are in
flight, dropped items, any status), and a per-request token limit answers 400 "too many tokens"
like the providers do. Every request is recorded, and so is the most requests ever in flight at
once (:attr:`FakeProviderServer.max_in_flight`), which shows concurrency without timing anything.

Paths: ``/openai/v1/embeddings``, ``/openai/deployments/<name>/embeddings?api-version=...``
(Azure style, ``api-key`` header), ``/cohere/v2/embed``, ``/cohere/v2/rerank``,
``/voyage/v1/embeddings``, ``/voyage/v1/rerank``; without the provider prefix, ``/v1/embeddings``
is OpenAI, ``/v2/*`` Cohere and ``/v1/rerank`` Voyage. :meth:`FakeProviderServer.url` gives the
``base_url`` for each provider.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

__all__ = ["Fault", "FakeProviderServer", "RecordedRequest", "embed_text", "rerank_score"]

DEFAULT_DIM = 64
MAX_ITEMS = {"openai": 2048, "cohere": 96, "voyage": 1000}
MAX_RERANK_DOCS = 1000
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def server_tokens(text: str) -> int:
    """How many tokens the fake server bills for ``text`` (one per word, at least one)."""
    return max(1, len(text.split()))


def embed_text(text: str, model: str, dim: int = DEFAULT_DIM) -> np.ndarray:
    """The server's unit vector for ``text``: hashed words with hashed signs, salted by model."""
    vector = np.zeros(dim, dtype=np.float64)
    for word in _words(text) or [text]:
        digest = hashlib.blake2b(f"{model}|{word}".encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        vector[value % dim] += 1.0 if (value >> 32) & 1 else -1.0
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:
        vector[0] = 1.0
        norm = 1.0
    return vector / norm


def rerank_score(query: str, document: str) -> float:
    """The server's relevance: the fraction of query words found in the document, in [0, 1]."""
    query_words = set(_words(query))
    if not query_words:
        return 0.0
    return len(query_words & set(_words(document))) / len(query_words)


@dataclass
class Fault:
    """A scripted misbehaviour.

    Attributes:
        kind: ``status`` (answer ``status`` with ``headers``), ``slow`` (sleep ``delay_s``, then
            answer normally), ``gather`` (hold the answer until ``parties`` requests have been
            in flight together, or ``delay_s`` passed), ``shuffle`` (reverse-shuffle the result
            list), ``drop`` (leave the last result out).
        status: the status of a ``status`` fault.
        message: its error message (wrapped in the provider's error format).
        headers: extra response headers (``Retry-After``, ``x-ratelimit-reset-tokens``...).
        delay_s: the sleep of a ``slow`` fault, the longest hold of a ``gather`` fault.
        parties: the requests a ``gather`` fault waits for (itself included).
        times: how many requests it hits; ``None`` for all.
        skip: matching requests to let through first (e.g. fail the third batch).
        provider: only this provider's requests (``None``: any).
        endpoint: only ``embed`` or ``rerank`` requests (``None``: any).
    """

    kind: str = "status"
    status: int = 500
    message: str = "internal server error"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    parties: int = 1
    times: int | None = 1
    skip: int = 0
    provider: str | None = None
    endpoint: str | None = None
    hits: int = 0

    def matches(self, provider: str, endpoint: str) -> bool:
        return (self.provider in (None, provider)) and (self.endpoint in (None, endpoint))


@dataclass
class RecordedRequest:
    """One request as the server saw it (``status`` is what it answered)."""

    provider: str
    endpoint: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    started: float
    status: int = 0
    faults: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> list[str]:
        """The texts (embeddings) or documents (rerank) of the request."""
        if not isinstance(self.body, dict):
            return []
        for key in ("input", "texts", "documents"):
            if isinstance(self.body.get(key), list):
                return list(self.body[key])
        return []


def _route(path: str) -> tuple[str, str] | None:
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] in MAX_ITEMS:
        provider, rest = parts[0], "/" + "/".join(parts[1:])
    else:
        rest = "/" + "/".join(parts)
        provider = {"/v1/embeddings": "openai", "/v1/rerank": "voyage"}.get(
            rest, "cohere" if rest.startswith("/v2/") else ""
        )
    if provider == "openai" and (
        rest == "/v1/embeddings" or re.fullmatch(r"/deployments/[^/]+/embeddings", rest)
    ):
        return provider, "embed"
    if provider == "cohere" and rest in ("/v2/embed", "/v2/rerank"):
        return provider, rest.rsplit("/", 1)[1]
    if provider == "voyage" and rest in ("/v1/embeddings", "/v1/rerank"):
        return provider, "embed" if rest.endswith("embeddings") else "rerank"
    return None


def _error_body(provider: str, message: str, code: str = "error") -> dict[str, Any]:
    if provider == "openai":
        return {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    if provider == "cohere":
        return {"id": "fake", "message": message}
    return {"detail": message}


class FakeProviderServer:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 with an ephemeral port.

    Args:
        api_key: the key every request must carry.
        dim: native embedding size (requests may ask for fewer dimensions).
        max_tokens_per_request: answer 400 "too many tokens" above this many (``None``: no limit).
    """

    def __init__(
        self,
        api_key: str = "sk-test-0123456789abcdefghijklmnop",
        dim: int = DEFAULT_DIM,
        max_tokens_per_request: int | None = None,
    ) -> None:
        self.api_key = api_key
        self.dim = dim
        self.max_tokens_per_request = max_tokens_per_request
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._flight = threading.Condition(self._lock)
        self._in_flight = 0
        self.max_in_flight = 0
        self._rng = random.Random(0)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def root(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, provider: str) -> str:
        """The ``base_url`` a client of ``provider`` should use."""
        return {
            "openai": f"{self.root}/openai/v1",
            "cohere": f"{self.root}/cohere",
            "voyage": f"{self.root}/voyage/v1",
            "azure": f"{self.root}/openai/deployments/test-deployment",
        }[provider]

    def start(self) -> FakeProviderServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ------------------------------------------------------------
    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget recorded requests, faults and the most requests seen in flight."""
        with self._lock:
            self.requests.clear()
            self.faults.clear()
            self.max_in_flight = self._in_flight

    def recorded(self, endpoint: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if endpoint in (None, r.endpoint)]

    def _enter(self) -> None:
        with self._flight:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self._flight.notify_all()

    def _leave(self) -> None:
        with self._flight:
            self._in_flight -= 1

    def _gather(self, parties: int, timeout_s: float) -> None:
        # The peak, not the current count: a released request may answer and leave before
        # another woken one re-checks, and that one must not then wait out the whole hold.
        with self._flight:
            self._flight.wait_for(lambda: self.max_in_flight >= parties, timeout_s)

    def _take_faults(self, provider: str, endpoint: str) -> list[Fault]:
        taken = []
        with self._lock:
            for fault in self.faults:
                if not fault.matches(provider, endpoint):
                    continue
                if fault.times is not None and fault.hits >= fault.times:
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.hits += 1
                taken.append(fault)
                if fault.kind == "status":  # one answer per request: later faults wait their turn
                    break
        return taken

    # -- responses ---------------------------------------------------------------------------
    def _vector(self, text: str, model: str, dim: int, dtype: str) -> list[float] | list[int]:
        vector = embed_text(text, model, self.dim)[:dim]
        if dtype == "int8":
            return [int(round(v * 127)) for v in vector]
        if dtype == "uint8":
            return [int(round(v * 127)) + 128 for v in vector]
        return [float(v) for v in vector]

    def _answer(self, provider: str, endpoint: str, body: dict[str, Any]) -> tuple[int, Any]:
        model = str(body.get("model", ""))
        if endpoint == "embed":
            texts = body.get("input") if provider != "cohere" else body.get("texts")
            if not isinstance(texts, list) or not all(isinstance(t, str) and t for t in texts):
                return 400, _error_body(provider, "input must be a list of non-empty strings")
            if len(texts) > MAX_ITEMS[provider]:
                return 400, _error_body(
                    provider, f"too many inputs: {len(texts)} > {MAX_ITEMS[provider]} per request"
                )
            tokens = sum(server_tokens(t) for t in texts)
            too_many = self._too_many(provider, tokens)
            if too_many is not None:
                return 400, too_many
            dim = int(body.get("dimensions") or body.get("output_dimension") or self.dim)
            if provider == "openai":
                data = [
                    {
                        "object": "embedding",
                        "index": i,
                        "embedding": self._vector(t, model, dim, "float"),
                    }
                    for i, t in enumerate(texts)
                ]
                return 200, {
                    "object": "list",
                    "data": data,
                    "model": model,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                }
            if provider == "voyage":
                dtype = body.get("output_dtype") or "float"
                data = [
                    {
                        "object": "embedding",
                        "index": i,
                        "embedding": self._vector(t, model, dim, dtype),
                    }
                    for i, t in enumerate(texts)
                ]
                return 200, {
                    "object": "list",
                    "data": data,
                    "model": model,
                    "usage": {"total_tokens": tokens},
                }
            types = body.get("embedding_types") or ["float"]
            return 200, {
                "id": "fake",
                "embeddings": {t: [self._vector(x, model, dim, t) for x in texts] for t in types},
                "texts": texts,
                "meta": {"billed_units": {"input_tokens": tokens}},
                "response_type": "embeddings_by_type",
            }
        query, documents = body.get("query"), body.get("documents")
        if not isinstance(query, str) or not isinstance(documents, list) or not documents:
            return 400, _error_body(provider, "query and a non-empty documents list are required")
        if len(documents) > MAX_RERANK_DOCS:
            return 400, _error_body(
                provider, f"too many documents: {len(documents)} > {MAX_RERANK_DOCS}"
            )
        tokens = sum(server_tokens(query) + server_tokens(d) for d in documents)
        too_many = self._too_many(provider, tokens)
        if too_many is not None:
            return 400, too_many
        results = sorted(
            (
                {"index": i, "relevance_score": rerank_score(query, d)}
                for i, d in enumerate(documents)
            ),
            key=lambda r: (-r["relevance_score"], r["index"]),
        )
        top = int(body.get("top_n") or body.get("top_k") or len(documents))
        results = results[:top]
        if provider == "cohere":
            units = math.ceil(len(documents) / 100)
            return 200, {
                "id": "fake",
                "results": results,
                "meta": {"billed_units": {"search_units": units}},
            }
        return 200, {
            "object": "list",
            "data": results,
            "model": model,
            "usage": {"total_tokens": tokens},
        }

    def _too_many(self, provider: str, tokens: int) -> dict[str, Any] | None:
        limit = self.max_tokens_per_request
        if limit is None or tokens <= limit:
            return None
        messages = {
            "openai": f"Requested {tokens} tokens, max {limit} tokens per request",
            "cohere": f"too many tokens: the request has {tokens} tokens, the limit is {limit}",
            "voyage": (
                f"Request to model failed. The max allowed tokens per submitted batch is {limit}. "
                f"Your batch has {tokens} tokens after truncation. Please lower the number of "
                "tokens in the batch."
            ),
        }
        return _error_body(provider, messages[provider], "max_tokens_per_request")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                pass

            def _send(
                self, status: int, payload: Any, headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                server._enter()
                try:
                    self._post()
                finally:
                    server._leave()

            def _post(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                route = _route(split.path)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                record = RecordedRequest(
                    provider=route[0] if route else "",
                    endpoint=route[1] if route else "",
                    path=split.path,
                    query=parse_qs(split.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    started=time.monotonic(),
                )
                with server._lock:
                    server.requests.append(record)
                if route is None:
                    record.status = 404
                    self._send(404, {"message": f"no route {split.path}"})
                    return
                provider, endpoint = route
                azure = "/deployments/" in split.path
                given = (
                    self.headers.get("api-key", "")
                    if azure
                    else self.headers.get("Authorization", "").removeprefix("Bearer ")
                )
                if given != server.api_key:
                    record.status = 401
                    message = {
                        "openai": f"Incorrect API key provided: {given}. You can find your API "
                        "key at https://platform.openai.com/account/api-keys.",
                        "cohere": f"invalid api token {given}",
                        "voyage": f"Provided API key {given} is invalid.",
                    }[provider]
                    self._send(401, _error_body(provider, message, "invalid_api_key"))
                    return
                if azure and "api-version" not in record.query:
                    record.status = 404
                    self._send(
                        404, _error_body(provider, "Resource not found (api-version missing)")
                    )
                    return
                if not isinstance(body, dict):
                    record.status = 400
                    self._send(400, _error_body(provider, "body must be a JSON object"))
                    return
                shuffle = drop = False
                for fault in server._take_faults(provider, endpoint):
                    record.faults.append(fault.kind)
                    if fault.kind == "slow":
                        time.sleep(fault.delay_s)
                    elif fault.kind == "gather":
                        server._gather(fault.parties, fault.delay_s)
                    elif fault.kind == "shuffle":
                        shuffle = True
                    elif fault.kind == "drop":
                        drop = True
                    elif fault.kind == "status":
                        record.status = fault.status
                        self._send(
                            fault.status, _error_body(provider, fault.message), fault.headers
                        )
                        return
                status, payload = server._answer(provider, endpoint, body)
                if status == 200:
                    key = "results" if provider == "cohere" and endpoint == "rerank" else "data"
                    items = payload.get(key)
                    if isinstance(items, list):
                        if shuffle:
                            with server._lock:
                                server._rng.shuffle(items)
                            if len(items) > 1 and all(
                                a["index"] < b["index"] for a, b in itertools.pairwise(items)
                            ):
                                items.reverse()
                        if drop and items:
                            items.pop()
                    elif provider == "cohere" and drop:
                        for vectors in payload["embeddings"].values():
                            vectors.pop()
                record.status = status
                self._send(status, payload)

        return Handler
