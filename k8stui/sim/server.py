"""The simulated cluster's API server: the Kubernetes REST API over HTTPS, served by aiohttp.

It serves what kubectl and the official client use: discovery, version and health endpoints,
get/list/watch/create/update/patch/delete on the kinds in `resources.py`, the status, scale,
binding and eviction subresources, server-side Tables, and errors as `Status` objects. Requests are
routed by parsing the path the way the apiserver's request-info resolver does.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from typing import Any, Callable

import yaml
from aiohttp import web

from k8stui.kube import printers
from k8stui.sim import auth, errors, openapi, protobuf
from k8stui.sim.errors import ApiError
from k8stui.sim.eviction import evict
from k8stui.sim.patch import PatchError, apply_patch
from k8stui.sim.resources import BY_GROUP_VERSION_PLURAL, GROUP_VERSIONS, RESOURCES, VIRTUAL, Resource
from k8stui.kube.selectors import SelectorError, check_supported, parse_field_selector, parse_label_selector
from k8stui.sim.store import Entry, Store, dumps

JSON = "application/json"


@dataclass
class RequestInfo:
    verb: str
    res: Resource
    namespace: str | None
    name: str | None
    subresource: str | None


@dataclass
class LoggedRequest:
    user: str
    method: str
    path: str
    verb: str
    resource: str
    subresource: str | None
    namespace: str | None
    name: str | None
    code: int


class ApiServer:
    def __init__(self, store: Store, authn: auth.Authenticator, version: dict[str, str],
                 health: Callable[[], list[tuple[str, bool]]] | None = None,
                 bookmark_interval: float = 5.0):
        self.store = store
        self.authn = authn
        self.version = version
        self.health = health or (lambda: [])
        self.bookmark_interval = bookmark_interval
        self.requests: list[LoggedRequest] = []
        self.address = ""
        self._runner: web.AppRunner | None = None
        self._watch_tasks: set[asyncio.Task] = set()
        self.stopping = asyncio.Event()

    # ---- lifecycle --------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def start(self, host: str, port: int, cert_file: str, key_file: str) -> int:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert_file, key_file)
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=ctx, reuse_address=True)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        bound = sock.getsockname()[1]
        self.address = f"{host}:{bound}"
        return bound

    async def stop(self) -> None:
        self.stopping.set()
        self.store.close_watchers()
        if self._runner:
            await self._runner.cleanup()

    # ---- dispatch ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        try:
            user = self.authn.authenticate(request.headers.get("Authorization"))
            if not path.startswith("/api"):
                return self._non_resource(request, path)
            parts = [p for p in path.split("/") if p]
            if parts[0] == "api" and len(parts) == 1:
                return self._json({"kind": "APIVersions", "versions": ["v1"],
                                   "serverAddressByClientCIDRs": [
                                       {"clientCIDR": "0.0.0.0/0", "serverAddress": self.address}]})
            if parts[0] == "apis" and len(parts) == 1:
                return self._json(self._group_list())
            if parts[0] == "apis" and len(parts) == 2:
                group = self._group(parts[1])
                if group is None:
                    raise ApiError(404, "the server could not find the requested resource")
                return self._json(group)
            if (parts[0] == "api" and len(parts) == 2) or (parts[0] == "apis" and len(parts) == 3):
                gv = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
                lst = self._resource_list(*gv)
                if lst is None:
                    raise ApiError(404, "the server could not find the requested resource")
                return self._json(lst)
            info = self._request_info(request.method, parts, request.query)
            return await self._serve_resource(request, user, info)
        except ApiError as e:
            return self._status(e)
        except (SelectorError, PatchError) as e:
            code = getattr(e, "code", 400)
            return self._status(ApiError(code, str(e)))

    def _status(self, e: ApiError) -> web.Response:
        return web.Response(body=dumps(e.status()), status=e.code, content_type=JSON)

    @staticmethod
    def _json(obj: Any, status: int = 200) -> web.Response:
        return web.Response(body=dumps(obj), status=status, content_type=JSON)

    def _non_resource(self, request: web.Request, path: str) -> web.Response:
        if path == "/version":
            return self._json(self.version)
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/healthz/", "/livez/", "/readyz/")):
            checks = [("ping", True), ("log", True), ("etcd", True)] + self.health() + [
                ("informer-sync", True), ("poststarthook/start-apiserver-admission-initializer", True),
                ("poststarthook/generic-apiserver-start-informers", True),
                ("poststarthook/rbac/bootstrap-roles", True), ("shutdown", True)]
            ok = all(c[1] for c in checks)
            kind = path.strip("/").split("/")[0]
            if "verbose" in request.query or not ok:
                lines = [f"[+]{n} ok" if good else f"[-]{n} failed: reason withheld" for n, good in checks]
                lines.append(f"{kind} check passed" if ok else f"{kind} check failed")
                return web.Response(text="\n".join(lines) + "\n", status=200 if ok else 500,
                                    content_type="text/plain")
            return web.Response(text="ok", content_type="text/plain")
        if path.startswith("/openapi/v3"):
            doc = openapi.lookup(path, self.version.get("gitVersion", ""))
            if doc is not None:
                return web.Response(body=doc, content_type=JSON)
        raise ApiError(404, "the server could not find the requested resource")

    # ---- discovery --------------------------------------------------------------------------

    def _group(self, group: str) -> dict | None:
        versions = [v for g, v in GROUP_VERSIONS if g == group]
        if not versions:
            return None
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs,
                "preferredVersion": gvs[0]}

    def _group_list(self) -> dict:
        groups = []
        for g in dict.fromkeys(g for g, _ in GROUP_VERSIONS):
            grp = self._group(g)
            assert grp is not None
            grp.pop("kind")
            grp.pop("apiVersion")
            groups.append(grp)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _resource_list(self, group: str, version: str) -> dict | None:
        out = []
        for r in RESOURCES:
            if r.group != group or r.version != version:
                continue
            entry: dict[str, Any] = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                                     "kind": r.kind, "verbs": list(r.verbs)}
            if r.short_names:
                entry["shortNames"] = list(r.short_names)
            if r.categories:
                entry["categories"] = list(r.categories)
            if r.plural not in VIRTUAL:
                entry["storageVersionHash"] = "sim" + r.kind[:8]
            out.append(entry)
            for sub in r.subresources:
                s: dict[str, Any] = {"name": f"{r.plural}/{sub.name}", "singularName": "",
                                     "namespaced": r.namespaced, "kind": sub.kind or r.kind,
                                     "verbs": list(sub.verbs)}
                if sub.group:
                    s["group"], s["version"] = sub.group, sub.version
                out.append(s)
        if not out:
            return None
        gv = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}

    # ---- request resolution ------------------------------------------------------------------

    def _request_info(self, method: str, parts: list[str], query: Any) -> RequestInfo:
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        else:
            if len(parts) < 4:
                raise ApiError(404, "the server could not find the requested resource")
            group, version, rest = parts[1], parts[2], parts[3:]
        legacy_watch = False
        if rest and rest[0] == "watch":
            legacy_watch = True
            rest = rest[1:]
        namespace = None
        # the apiserver's resolver: /namespaces/{ns}/{resource}... unless what follows the name is
        # a subresource of the namespace itself (status, finalize)
        if rest and rest[0] == "namespaces" and len(rest) > 1:
            namespace = rest[1]
            if len(rest) > 2 and rest[2] not in ("status", "finalize"):
                rest = rest[2:]
            else:
                namespace = None
        if not rest:
            raise ApiError(404, "the server could not find the requested resource")
        res = BY_GROUP_VERSION_PLURAL.get((group, version, rest[0]))
        if res is None:
            raise ApiError(404, "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if len(rest) > 3:
            raise ApiError(404, "the server could not find the requested resource")
        if sub and res.subresource(sub) is None:
            raise ApiError(404, "the server could not find the requested resource")
        if res.namespaced and namespace is None and name is not None:
            raise ApiError(404, "the server could not find the requested resource")
        if not res.namespaced and namespace is not None:
            raise ApiError(404, "the server could not find the requested resource")
        watching = legacy_watch or query.get("watch") in ("1", "true", "True")
        verb = {
            "GET": "watch" if watching else ("get" if name else "list"),
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete" if name else "deletecollection",
        }.get(method)
        if verb is None:
            raise ApiError(405, f"the server does not allow this method on the requested resource")
        if sub == "eviction" or sub == "binding":
            if method != "POST":
                raise ApiError(405, "the server does not allow this method on the requested resource")
        return RequestInfo(verb, res, namespace, name, sub)

    # ---- resource handlers -------------------------------------------------------------------

    async def _serve_resource(self, request: web.Request, user: auth.User,
                              info: RequestInfo) -> web.StreamResponse:
        code = 200
        try:
            if not auth.allowed(user, info.verb, info.res, info.subresource):
                raise auth.forbidden(user, info.verb, info.res, info.subresource, info.namespace, info.name)
            resp = await self._dispatch(request, user, info)
            code = resp.status
            return resp
        except ApiError as e:
            code = e.code
            raise
        finally:
            self.requests.append(LoggedRequest(user.name, request.method, request.path_qs, info.verb,
                                               info.res.plural, info.subresource, info.namespace,
                                               info.name, code))

    async def _dispatch(self, request: web.Request, user: auth.User, info: RequestInfo) -> web.StreamResponse:
        q = request.query
        res = info.res
        dry_run = q.get("dryRun") == "All"
        if info.verb == "list":
            return self._list(request, info)
        if info.verb == "watch":
            return await self._watch(request, info)
        if info.verb == "get":
            if info.subresource == "scale":
                return self._json(self._scale_of(info))
            obj = self.store.get(res.plural, info.namespace or "", info.name or "")
            if _wants_table(request):
                return self._json(self._table([self.store.entry(res.plural, info.namespace or "", info.name or "")],
                                              res, obj["metadata"]["resourceVersion"], "", request))
            return self._json(obj)
        body = await self._body(request) if info.verb in ("create", "update") else None
        if info.verb == "create":
            if res.plural in auth.SELF_REVIEWS:
                return self._json(self._review(user, res, body or {}), 201)
            if info.subresource == "eviction":
                out = evict(self.store, info.namespace or "", info.name or "", body or {}, dry_run)
                return self._json(out, 201)
            if info.subresource == "binding":
                return self._json(self._bind(info, body or {}), 201)
            if info.name:
                raise ApiError(405, "the server does not allow this method on the requested resource")
            _check_kind(res, body or {})
            obj = self.store.create(res.plural, body or {}, info.namespace, dry_run=dry_run)
            return self._json(obj, 201)
        if info.verb == "update":
            if info.subresource == "scale":
                return self._json(self._set_scale(info, body or {}, dry_run))
            _check_kind(res, body or {}, info.subresource)
            obj = self.store.update(res.plural, body or {}, info.subresource, dry_run,
                                    namespace=info.namespace or "", name=info.name)
            return self._json(obj)
        if info.verb == "patch":
            ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
            raw = await request.read()
            if info.subresource == "scale":
                scale = self._scale_of(info)
                patched = apply_patch(scale, ctype, raw, "Scale")
                return self._json(self._set_scale(info, patched, dry_run))
            cur = self.store.get(res.plural, info.namespace or "", info.name or "")
            patched = apply_patch(cur, ctype, raw, res.kind)
            if (patched.get("metadata") or {}).get("resourceVersion") == cur["metadata"]["resourceVersion"]:
                patched["metadata"].pop("resourceVersion", None)
            obj = self.store.update(res.plural, patched, info.subresource, dry_run,
                                    namespace=info.namespace or "", name=info.name)
            return self._json(obj)
        if info.verb == "delete":
            opts = await self._delete_options(request)
            grace = opts.get("gracePeriodSeconds")
            if grace is None and "gracePeriodSeconds" in q:
                grace = int(q["gracePeriodSeconds"])
            propagation = opts.get("propagationPolicy") or q.get("propagationPolicy")
            dry = dry_run or "All" in (opts.get("dryRun") or [])
            obj, removed = self.store.delete(res.plural, info.namespace or "", info.name or "", grace,
                                             opts.get("preconditions"), dry)
            if removed and propagation == "Orphan" and not dry:
                self._orphan(obj)
            if res.plural == "pods" or not removed:
                return self._json(obj, 200)
            details = {"name": obj["metadata"]["name"], "kind": res.plural, "uid": obj["metadata"]["uid"]}
            if res.group:
                details["group"] = res.group
            return self._json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                               "details": details})
        if info.verb == "deletecollection":
            match = self._matcher(request)
            for e in list(self.store.entries(res.plural, info.namespace)):
                if match is None or match(e):
                    try:
                        self.store.delete(res.plural, e.namespace, e.name, dry_run=dry_run)
                    except ApiError:
                        pass
            return self._json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})
        raise ApiError(405, "the server does not allow this method on the requested resource")

    async def _body(self, request: web.Request) -> dict:
        raw = await request.read()
        if not raw:
            raise errors.bad_request("the body of the request was in an unknown format - accepted media "
                                     "types include: application/json, application/yaml")
        ctype = request.headers.get("Content-Type", JSON).split(";")[0].strip()
        if ctype == protobuf.CONTENT_TYPE:
            # kubectl 1.35's typed clients send protobuf and do not fall back to JSON
            try:
                return protobuf.decode_object(raw)
            except protobuf.ProtobufError as e:
                raise errors.bad_request(str(e)) from None
        if ctype not in (JSON, "application/yaml", "application/x-yaml", "*/*", ""):
            # CBOR bodies: client-go falls back to JSON after a 415
            raise ApiError(415, f'the body of the request was in an unknown format - accepted media types '
                           f'include: application/json, application/yaml', "UnsupportedMediaType")
        try:
            if ctype in ("application/yaml", "application/x-yaml"):
                body = yaml.safe_load(raw)
            else:
                body = json.loads(raw)
        except (ValueError, yaml.YAMLError) as e:
            raise errors.bad_request(f"couldn't get version/kind; json parse error: {str(e).splitlines()[0]}")
        if not isinstance(body, dict):
            raise errors.bad_request("couldn't get version/kind; json parse error: json: cannot unmarshal "
                                     "into Go value of type struct")
        return body

    async def _delete_options(self, request: web.Request) -> dict:
        raw = await request.read()
        if not raw:
            return {}
        if request.headers.get("Content-Type", "").split(";")[0].strip() == protobuf.CONTENT_TYPE:
            # typed clients (kubectl drain --disable-eviction) send DeleteOptions as protobuf
            try:
                return protobuf.decode_object(raw)
            except protobuf.ProtobufError as e:
                raise errors.bad_request(str(e)) from None
        try:
            opts = json.loads(raw)
        except ValueError:
            raise errors.bad_request("the body of the request was in an unknown format") from None
        return opts if isinstance(opts, dict) else {}

    def _orphan(self, owner: dict) -> None:
        uid = owner["metadata"]["uid"]
        for plural in ("replicasets", "pods", "controllerrevisions", "jobs"):
            for e in list(self.store.entries(plural)):
                if uid.encode() not in e.raw:
                    continue
                self.store.mutate(plural, e.namespace, e.name, lambda o: o["metadata"].__setitem__(
                    "ownerReferences",
                    [r for r in o["metadata"].get("ownerReferences", []) if r.get("uid") != uid]))

    # ---- list / watch -----------------------------------------------------------------------

    def _matcher(self, request: web.Request) -> Callable[[Entry], bool] | None:
        q = request.query
        lsel = parse_label_selector(q.get("labelSelector", ""))
        fsel = parse_field_selector(q.get("fieldSelector", ""))
        if not fsel.empty:
            # only the fields the real server indexes for this kind may be selected on
            res = self._res_from_path([p for p in request.path.split("/") if p])
            if res is not None:
                supported = {"metadata.name", "metadata.namespace"} | set(res.field_selectors)
                if res.plural == "events":
                    supported |= {"source"}
                fsel = check_supported(fsel, supported, res.plural)
        if lsel.empty and fsel.empty:
            return None
        lm, fm = lsel.matches, fsel.matches
        if fsel.empty:
            return lambda e: lm(e.labels)
        if lsel.empty:
            return lambda e: fm(e.fields)
        return lambda e: lm(e.labels) and fm(e.fields)

    @staticmethod
    def _res_from_path(parts: list[str]) -> Resource | None:
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        else:
            group, version, rest = parts[1], parts[2], parts[3:]
        rest = [p for p in rest if p != "watch"]
        if len(rest) >= 3 and rest[0] == "namespaces":
            rest = rest[2:]
        return BY_GROUP_VERSION_PLURAL.get((group, version, rest[0])) if rest else None

    def _list(self, request: web.Request, info: RequestInfo) -> web.Response:
        q = request.query
        try:
            limit = int(q.get("limit", "0") or 0)
        except ValueError:
            raise errors.bad_request(f'invalid value for limit: {q.get("limit")}') from None
        match = self._matcher(request)
        entries, rv, token, remaining = self.store.list_page(info.res.plural, info.namespace, match,
                                                             limit, q.get("continue") or None)
        if _wants_table(request):
            return self._json(self._table(entries, info.res, str(rv), token, request, remaining))
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if token:
            meta["continue"] = token
            if remaining is not None:
                meta["remainingItemCount"] = remaining
        head = dumps({"kind": info.res.list_kind, "apiVersion": info.res.api_version, "metadata": meta})
        body = head[:-1] + b',"items":[' + b",".join(e.raw for e in entries) + b"]}"
        return web.Response(body=body, content_type=JSON)

    async def _watch(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        q = request.query
        match = self._matcher(request)
        rv_param = q.get("resourceVersion", "")
        send_initial = q.get("sendInitialEvents") == "true"
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        timeout = float(q.get("timeoutSeconds") or 1800)
        as_table = _wants_table(request)
        since: int | None
        initial: list[Entry] = []
        if rv_param in ("", "0") or send_initial:
            since = None
            initial = [e for e in self.store.entries(info.res.plural, info.namespace)
                       if match is None or match(e)]
        else:
            try:
                since = int(rv_param)
            except ValueError:
                raise errors.bad_request(f"invalid resource version: {rv_param}") from None
        resp = web.StreamResponse(status=200, headers={"Content-Type": JSON, "Transfer-Encoding": "chunked"})
        try:
            watcher, backlog = self.store.watch(info.res.plural, info.namespace, match or (lambda e: True), since)
        except ApiError as e:
            # as the watch cache does: the stream opens, and its one event is the error
            await resp.prepare(request)
            await resp.write(b'{"type":"ERROR","object":' + dumps(e.status()) + b"}\n")
            await resp.write_eof()
            return resp
        start_rv = self.store.rv
        try:
            await resp.prepare(request)
            first_table = [True]

            def encode(etype: str, entry: Entry) -> bytes:
                if as_table:
                    tbl = self._table([entry], info.res, str(entry.rv), "", request,
                                      with_columns=first_table[0])
                    first_table[0] = False
                    return b'{"type":"' + etype.encode() + b'","object":' + dumps(tbl) + b"}\n"
                return b'{"type":"' + etype.encode() + b'","object":' + entry.raw + b"}\n"

            chunk: list[bytes] = [encode("ADDED", e) for e in initial]
            if send_initial and bookmarks:
                chunk.append(self._bookmark(info.res, start_rv, initial_end=True))
            for ev in backlog:
                line = self._event_line(ev.type, ev.entry, match, encode)
                if line:
                    chunk.append(line)
            if chunk:
                await resp.write(b"".join(chunk))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not self.stopping.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                wait = min(remaining, self.bookmark_interval) if bookmarks else remaining
                try:
                    ev = await asyncio.wait_for(watcher.queue.get(), wait)
                except asyncio.TimeoutError:
                    if bookmarks and loop.time() < deadline:
                        await resp.write(self._bookmark(info.res, self.store.rv))
                    continue
                if ev is None:
                    break
                out = []
                line = self._event_line(ev.type, ev.entry, match, encode)
                if line:
                    out.append(line)
                # drain what else is queued, so bursts go out as one write
                while not watcher.queue.empty():
                    nxt = watcher.queue.get_nowait()
                    if nxt is None:
                        break
                    line = self._event_line(nxt.type, nxt.entry, match, encode)
                    if line:
                        out.append(line)
                if out:
                    await resp.write(b"".join(out))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.store.unwatch(watcher)
        try:
            await resp.write_eof()
        except Exception:
            pass
        return resp

    @staticmethod
    def _event_line(etype: str, entry: Entry, match: Callable[[Entry], bool] | None,
                    encode: Callable[[str, Entry], bytes]) -> bytes | None:
        if match is None or match(entry):
            return encode(etype, entry)
        if etype == "ADDED":
            return None
        # it no longer matches the selector: for this watcher it is gone
        return encode("DELETED", entry)

    @staticmethod
    def _bookmark(res: Resource, rv: int, initial_end: bool = False) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return dumps({"type": "BOOKMARK", "object": {"kind": res.kind, "apiVersion": res.api_version,
                                                     "metadata": meta}}) + b"\n"

    # ---- tables -----------------------------------------------------------------------------

    def _table(self, entries: list[Entry | None], res: Resource, rv: str, token: str,
               request: web.Request, remaining: int | None = None, with_columns: bool = True) -> dict:
        import time as _time

        now = _time.time()
        spec = printers.PRINTERS.get(res.plural)
        columns, cells_fn = spec if spec else (printers.DEFAULT_COLUMNS, printers.default_cells)
        include = request.query.get("includeObject", "Metadata")
        rows = []
        for e in entries:
            if e is None:
                continue
            obj = e.obj()
            row: dict[str, Any] = {"cells": cells_fn(obj, now)}
            if include == "Object":
                row["object"] = obj
            elif include != "None":
                row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                 "metadata": obj["metadata"]}
            rows.append(row)
        meta: dict[str, Any] = {"resourceVersion": rv}
        if token:
            meta["continue"] = token
            if remaining is not None:
                meta["remainingItemCount"] = remaining
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                "columnDefinitions": columns if with_columns else None, "rows": rows}

    # ---- subresources -----------------------------------------------------------------------

    def _scale_of(self, info: RequestInfo) -> dict:
        obj = self.store.get(info.res.plural, info.namespace or "", info.name or "")
        sel = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        return {
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                          "creationTimestamp") if k in obj["metadata"]},
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": ",".join(f"{k}={v}" for k, v in sorted(sel.items()))},
        }

    def _set_scale(self, info: RequestInfo, scale: dict, dry_run: bool) -> dict:
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.invalid(info.res, info.name or "", [(
                "spec.replicas", "FieldValueInvalid",
                f"Invalid value: {replicas}: must be greater than or equal to 0")])
        want_rv = (scale.get("metadata") or {}).get("resourceVersion")
        cur = self.store.entry(info.res.plural, info.namespace or "", info.name or "")
        if cur is None:
            raise errors.not_found(info.res, info.name or "")
        if want_rv and str(want_rv) != str(cur.rv):
            raise errors.conflict(info.res, info.name or "")
        if not dry_run:
            self.store.mutate(info.res.plural, info.namespace or "", info.name or "",
                              lambda o: o.setdefault("spec", {}).__setitem__("replicas", replicas))
        out = self._scale_of(info)
        out["spec"]["replicas"] = replicas
        return out

    def _bind(self, info: RequestInfo, body: dict) -> dict:
        target = (body.get("target") or {}).get("name")
        pod = self.store.get("pods", info.namespace or "", info.name or "")
        if (pod.get("spec") or {}).get("nodeName"):
            raise ApiError(409, f'Operation cannot be fulfilled on pods/binding "{info.name}": pod '
                           f'{info.name} is already assigned to node "{pod["spec"]["nodeName"]}"', "Conflict")
        self.store.mutate("pods", info.namespace or "", info.name or "",
                          lambda o: o["spec"].__setitem__("nodeName", target))
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    def _review(self, user: auth.User, res: Resource, body: dict) -> dict:
        out = dict(body)
        out.setdefault("metadata", {})["creationTimestamp"] = None
        out["apiVersion"], out["kind"] = res.api_version, res.kind
        if res.plural == "selfsubjectaccessreviews":
            attrs = (body.get("spec") or {}).get("resourceAttributes") or {}
            out["status"] = auth.access_review(user, attrs)
        else:
            out["status"] = auth.rules_review(user)
        return out


def _wants_table(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "as=Table" in accept and "g=meta.k8s.io" in accept


def _check_kind(res: Resource, body: dict, subresource: str | None = None) -> None:
    kind = body.get("kind")
    api_version = body.get("apiVersion")
    if kind and kind != res.kind:
        raise errors.bad_request(f"the API version in the data ({api_version}) does not match the expected "
                                 f"API version ({res.api_version})" if api_version != res.api_version else
                                 f"{kind} in version \"{res.version}\" cannot be handled as a {res.kind}: "
                                 f"the kind does not match")
    if api_version and api_version != res.api_version:
        raise errors.bad_request(f"the API version in the data ({api_version}) does not match the expected "
                                 f"API version ({res.api_version})")
