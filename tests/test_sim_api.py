"""The simulated API server through the official client (kubernetes.aio) over real HTTPS."""

from __future__ import annotations

import json

import pytest
from kubernetes.aio import client, config
from kubernetes.aio.client.exceptions import ApiException

from k8stui.sim.store import Store


@pytest.fixture
async def api(seed_sim):
    c = await config.new_client_from_config(config_file=str(seed_sim.kubeconfig_path), context="admin")
    yield c
    await c.close()


@pytest.fixture
async def viewer(seed_sim):
    c = await config.new_client_from_config(config_file=str(seed_sim.kubeconfig_path), context="viewer")
    yield c
    await c.close()


async def raw(api_client, method: str, path: str, body=None, headers=None, query=None):
    """A request with the client's own TLS settings and credentials; returns (status, body)."""
    import aiohttp

    cfg = api_client.configuration
    hdrs = {"Accept": "application/json", **(headers or {})}
    token = cfg.api_key.get("authorization") or cfg.api_key.get("BearerToken") or ""
    if token:
        hdrs["Authorization"] = token if token.startswith("Bearer") else f"Bearer {token}"
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    async with aiohttp.ClientSession() as s:
        async with s.request(method, cfg.host + path, data=body, headers=hdrs, params=query,
                             ssl=api_client.rest_client.ssl_context) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text


async def test_discovery_lists_eviction_and_status_subresources(api):
    core = client.CoreV1Api(api)
    res = await core.get_api_resources()
    names = {r.name for r in res.resources}
    assert {"pods", "pods/eviction", "pods/status", "nodes/status", "nodes"} <= names
    ev = next(r for r in res.resources if r.name == "pods/eviction")
    assert ev.group == "policy" and ev.version == "v1" and ev.kind == "Eviction"
    groups = await client.ApisApi(api).get_api_versions()
    assert {"apps", "policy", "coordination.k8s.io", "batch"} <= {g.name for g in groups.groups}


async def test_version_reports_the_scenario_version(api):
    v = await client.VersionApi(api).get_code()
    assert v.git_version == "v1.34.3" and v.minor == "34"


async def test_list_pages_with_limit_and_continue(api):
    core = client.CoreV1Api(api)
    full = await core.list_pod_for_all_namespaces()
    names = [(p.metadata.namespace, p.metadata.name) for p in full.items]
    assert names == sorted(names), "the server lists in key order"
    paged, token = [], None
    while True:
        page = await core.list_pod_for_all_namespaces(limit=3, _continue=token)
        assert len(page.items) <= 3
        paged += [(p.metadata.namespace, p.metadata.name) for p in page.items]
        token = page.metadata._continue
        if not token:
            break
        assert page.metadata.remaining_item_count == len(names) - len(paged)
        assert page.metadata.resource_version == full.metadata.resource_version or True
    assert paged == names


async def test_label_and_field_selectors(api):
    core = client.CoreV1Api(api)
    web = await core.list_namespaced_pod("default", label_selector="app=web")
    assert len(web.items) == 2 and all(p.metadata.labels["app"] == "web" for p in web.items)
    on_w1 = await core.list_pod_for_all_namespaces(field_selector="spec.nodeName=k8s-worker-1")
    assert on_w1.items and all(p.spec.node_name == "k8s-worker-1" for p in on_w1.items)
    not_running = await core.list_pod_for_all_namespaces(field_selector="status.phase!=Running")
    assert all(p.status.phase != "Running" for p in not_running.items)
    with pytest.raises(ApiException) as e:
        await core.list_pod_for_all_namespaces(field_selector="spec.bogus=1")
    assert e.value.status == 400
    assert "field label not supported: spec.bogus" in e.value.body


async def test_errors_are_status_objects(api):
    core = client.CoreV1Api(api)
    with pytest.raises(ApiException) as e:
        await core.read_namespaced_pod("nope", "default")
    body = json.loads(e.value.body)
    assert e.value.status == 404 and body["kind"] == "Status" and body["reason"] == "NotFound"
    assert body["message"] == 'pods "nope" not found'
    cm = {"metadata": {"name": "dup"}, "data": {"a": "1"}}
    await core.create_namespaced_config_map("default", cm)
    with pytest.raises(ApiException) as e:
        await core.create_namespaced_config_map("default", cm)
    assert e.value.status == 409 and json.loads(e.value.body)["reason"] == "AlreadyExists"
    cur = await core.read_namespaced_config_map("dup", "default")
    cur.data = {"a": "2"}
    await core.replace_namespaced_config_map("dup", "default", cur)
    cur.data = {"a": "3"}  # still carries the old resourceVersion
    with pytest.raises(ApiException) as e:
        await core.replace_namespaced_config_map("dup", "default", cur)
    body = json.loads(e.value.body)
    assert e.value.status == 409 and body["reason"] == "Conflict"
    assert "the object has been modified" in body["message"]
    await core.delete_namespaced_config_map("dup", "default")


async def test_malformed_body_is_a_400_status(api):
    status, body = await raw(api, "POST", "/api/v1/namespaces/default/configmaps", body=b"{not json",
                             headers={"Content-Type": "application/json"})
    assert status == 400 and body["kind"] == "Status" and body["code"] == 400


async def test_dry_run_create_does_not_persist(api):
    core = client.CoreV1Api(api)
    out = await core.create_namespaced_config_map("default", {"metadata": {"name": "dry"}}, dry_run="All")
    assert out.metadata.name == "dry"
    with pytest.raises(ApiException) as e:
        await core.read_namespaced_config_map("dry", "default")
    assert e.value.status == 404


async def test_viewer_gets_forbidden_on_writes_but_can_read(viewer):
    core = client.CoreV1Api(viewer)
    nodes = await core.list_node()
    assert len(nodes.items) == 3
    with pytest.raises(ApiException) as e:
        await core.patch_node("k8s-worker-1", {"spec": {"unschedulable": True}})
    body = json.loads(e.value.body)
    assert e.value.status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == ('nodes "k8s-worker-1" is forbidden: User "viewer" cannot patch resource "nodes" '
                               'in API group "" at the cluster scope')
    review = await client.AuthorizationV1Api(viewer).create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"verb": "patch", "resource": "nodes"}}})
    assert review.status.allowed is False


async def test_watch_from_list_resource_version_sees_changes(api, seed_sim):
    core = client.CoreV1Api(api)
    lst = await core.list_namespaced_config_map("default")
    rv = lst.metadata.resource_version
    await core.create_namespaced_config_map("default", {"metadata": {"name": "watched"}})
    resp = await core.list_namespaced_config_map_without_preload_content(
        "default", watch=True, resource_version=rv, timeout_seconds=5)
    seen = []
    async for line in resp.content:
        ev = json.loads(line)
        seen.append((ev["type"], ev["object"]["metadata"]["name"]))
        if ("ADDED", "watched") in seen:
            break
    resp.close()
    assert ("ADDED", "watched") in seen
    await core.delete_namespaced_config_map("watched", "default")


async def test_watch_from_a_compacted_version_is_410_gone():
    store = Store(history_size=5)
    for i in range(20):
        store.create("namespaces", {"metadata": {"name": f"ns{i}"}})
    with pytest.raises(Exception) as e:
        store.watch("namespaces", None, lambda e: True, 1001)
    assert getattr(e.value, "code", None) == 410
    assert "too old resource version" in str(e.value)


async def test_watch_error_event_over_http(api):
    status, _ = await raw(api, "GET", "/api/v1/namespaces", query={"watch": "1", "resourceVersion": "1",
                                                                      "timeoutSeconds": "1"})
    assert status == 200  # the error arrives as an event, as from the watch cache


async def test_server_side_table_for_nodes(api):
    status, table = await raw(api, "GET", "/api/v1/nodes",
                              headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert status == 200 and table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names[:5] == ["Name", "Status", "Roles", "Age", "Version"]
    row = next(r for r in table["rows"] if r["cells"][0] == "k8s-master")
    assert row["cells"][1] == "Ready" and row["cells"][2] == "control-plane"
    assert row["object"]["kind"] == "PartialObjectMetadata"


async def test_graceful_pod_deletion_sets_deletion_timestamp(api, seed_sim):
    core = client.CoreV1Api(api)
    pod = {"metadata": {"name": "victim"},
           "spec": {"nodeName": "ghost-node", "containers": [{"name": "c", "image": "busybox"}]}}
    await core.create_namespaced_pod("default", pod)
    out = await core.delete_namespaced_pod("victim", "default")
    assert out.metadata.deletion_timestamp is not None
    # bound to a node nobody simulates: it stays terminating, exactly as written, as on a real cluster
    again = await core.read_namespaced_pod("victim", "default")
    assert again.metadata.deletion_timestamp is not None
    await core.delete_namespaced_pod("victim", "default", grace_period_seconds=0)
    with pytest.raises(ApiException) as e:
        await core.read_namespaced_pod("victim", "default")
    assert e.value.status == 404


async def test_unbound_pod_is_deleted_at_once(api):
    core = client.CoreV1Api(api)
    pod = {"metadata": {"name": "unbound"},
           "spec": {"schedulerName": "nobody", "containers": [{"name": "c", "image": "busybox"}]}}
    await core.create_namespaced_pod("default", pod)
    await core.delete_namespaced_pod("unbound", "default")
    with pytest.raises(ApiException) as e:
        await core.read_namespaced_pod("unbound", "default")
    assert e.value.status == 404


async def test_health_endpoints(api):
    status, text = await raw(api, "GET", "/readyz", query={"verbose": "1"})
    assert status == 200 and "[+]etcd ok" in text and text.strip().endswith("readyz check passed")
    status, text = await raw(api, "GET", "/livez")
    assert status == 200 and text == "ok"


async def test_unauthenticated_request_is_401(api):
    url = api.configuration.host + "/api/v1/nodes"
    import aiohttp

    async with aiohttp.ClientSession() as s:
        async with s.get(url, ssl=False) as r:
            assert r.status == 401
            assert (await r.json())["reason"] == "Unauthorized"


async def test_status_subresource_write_persists_and_keeps_spec(api):
    core = client.CoreV1Api(api)
    node = await core.read_node_status("k8s-worker-2")
    node.status.conditions.append(client.V1NodeCondition(type="example.com/Drill", status="True"))
    node.spec.unschedulable = True  # ignored: a status write changes the status only
    await core.replace_node_status("k8s-worker-2", node)
    again = await core.read_node("k8s-worker-2")
    assert "example.com/Drill" in [c.type for c in again.status.conditions]
    assert not again.spec.unschedulable
    again.status.conditions = [c for c in again.status.conditions if c.type != "example.com/Drill"]
    await core.replace_node_status("k8s-worker-2", again)


def test_store_pages_one_namespace_without_leaking_into_the_next():
    store = Store()
    for ns in ("default", "default-x", "kube-system"):
        store.create("namespaces", {"metadata": {"name": ns}})
        for i in range(5):
            store.create("configmaps", {"metadata": {"name": f"cm{i}", "namespace": ns}})
    seen, token = [], None
    while True:
        page, _, token, remaining = store.list_page("configmaps", "default", None, 2, token)
        seen += [(e.namespace, e.name) for e in page]
        if not token:
            break
        assert remaining == 5 - len(seen)
    assert seen == [("default", f"cm{i}") for i in range(5)]
    # a filtered list may return a token with nothing left that matches, as etcd's does,
    # and never a remaining count
    page, _, token, remaining = store.list_page("configmaps", None, lambda e: e.name == "cm0", 1, None)
    assert [e.namespace for e in page] == ["default"] and token and remaining is None
