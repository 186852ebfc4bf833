"""PATCH semantics of the simulated API server (k8stui.sim.patch).

Expected results were checked against kubectl 1.32's local patching (`kubectl patch --local`,
which runs the same strategicpatch / evanphx json-patch v4 code as kube-apiserver); error texts
are the apiserver's (endpoints/handlers/patch.go) and Go's encoding/json.
"""

import copy
import json

import pytest

from k8stui.sim.patch import (
    APPLY_PATCH_YAML,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    PatchError,
    apply_patch,
    decode_json_body,
    json_merge_patch,
    json_patch,
    strategic_merge_patch,
)

REJECTED = "the server rejected our request due to an error in our request"


def directives_in(obj, path="$"):
    """Every `$`-prefixed key left anywhere in obj."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.startswith("$"):
                found.append(f"{path}.{k}")
            found += directives_in(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found += directives_in(v, f"{path}[{i}]")
    return found


def smp(target, patch, kind):
    before_t, before_p = copy.deepcopy(target), copy.deepcopy(patch)
    out = strategic_merge_patch(target, patch, kind)
    assert target == before_t, "target was mutated"
    assert patch == before_p, "patch was mutated"
    assert directives_in(out) == []
    return out


@pytest.fixture
def pod():
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "namespace": "default",
            "labels": {"app": "web", "tier": "fe"},
            "finalizers": ["a", "b", "c"],
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u1"}],
        },
        "spec": {
            "containers": [
                {
                    "name": "c1",
                    "image": "nginx:1",
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}],
                    "volumeMounts": [{"name": "v", "mountPath": "/data"}],
                },
                {"name": "c2", "image": "busybox", "args": ["a", "b"]},
            ],
            "volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "configMap": {"name": "cm"}}],
            "tolerations": [{"key": "k", "operator": "Exists"}, {"key": "k2", "operator": "Equal", "value": "v"}],
            "imagePullSecrets": [{"name": "s1"}],
            "nodeSelector": {"disk": "ssd"},
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}],
            "podIPs": [{"ip": "10.0.0.1"}],
        },
    }


@pytest.fixture
def node():
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1"},
        "spec": {"podCIDR": "10.0.0.0/24", "podCIDRs": ["10.0.0.0/24"], "taints": [{"key": "a", "effect": "NoSchedule"}]},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "False"}],
            "addresses": [{"type": "InternalIP", "address": "1.2.3.4"}, {"type": "Hostname", "address": "n1"}],
        },
    }


@pytest.fixture
def deployment():
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "x"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {"containers": [{"name": "c", "image": "i:1"}, {"name": "d", "image": "j:1"}]},
            },
        },
        "status": {"conditions": [{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True"}]},
    }


def names(items):
    return [i["name"] for i in items]


# ==========================================================================================
# JSON merge patch
# ==========================================================================================


def test_merge_patch_scale_replicas(deployment):
    # kubectl scale sends exactly this merge patch (to the scale subresource)
    out = apply_patch(deployment, MERGE_PATCH, b'{"spec":{"replicas":3}}', "Deployment")
    assert out["spec"]["replicas"] == 3
    assert out["spec"]["template"] == deployment["spec"]["template"]
    assert deployment["spec"]["replicas"] == 1


def test_merge_patch_scale_object():
    scale = {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "d"}, "spec": {"replicas": 1}}
    out = apply_patch(scale, MERGE_PATCH, b'{"spec":{"replicas":3}}', "Scale")
    assert out["spec"] == {"replicas": 3}


def test_merge_patch_null_deletes_and_objects_merge():
    target = {"a": {"b": 1, "c": 2}, "d": 3}
    out = json_merge_patch(target, {"a": {"b": None, "e": 5}, "d": None})
    assert out == {"a": {"c": 2, "e": 5}}
    assert target == {"a": {"b": 1, "c": 2}, "d": 3}


def test_merge_patch_deleting_missing_key_is_a_no_op():
    assert json_merge_patch({"a": 1}, {"zz": None}) == {"a": 1}


def test_merge_patch_lists_are_replaced():
    out = json_merge_patch({"l": [1, 2, 3]}, {"l": [4]})
    assert out == {"l": [4]}


def test_merge_patch_new_values_lose_nested_nulls():
    out = json_merge_patch({}, {"m": {"a": None, "b": {"c": None, "d": 1}, "l": [{"x": None, "y": 1}, None, 2]}})
    # nulls are pruned inside objects (also objects held in arrays), null array items are kept
    assert out == {"m": {"b": {"d": 1}, "l": [{"y": 1}, None, 2]}}


def test_merge_patch_array_replacing_object_keeps_its_nulls():
    out = json_merge_patch({"m": {"k": "v"}}, {"m": [{"x": None}, None]})
    assert out == {"m": [{"x": None}, None]}


def test_merge_patch_object_over_scalar():
    assert json_merge_patch({"a": "s"}, {"a": {"b": None, "c": 1}}) == {"a": {"c": 1}}
    assert json_merge_patch({"a": {"b": 1}}, {"a": "s"}) == {"a": "s"}


def test_merge_patch_result_does_not_alias_patch():
    patch = {"a": {"b": [1]}}
    out = json_merge_patch({}, patch)
    out["a"]["b"].append(2)
    assert patch == {"a": {"b": [1]}}


@pytest.mark.parametrize(
    "body, message",
    [
        (b"null", "Invalid JSON Patch"),
        (b"[1,2]", "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}"),
        (b'"x"', "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}"),
        (b"{bad", "error decoding patch: invalid character 'b' looking for beginning of object key string"),
        (b"", "error decoding patch: unexpected end of JSON input"),
    ],
)
def test_merge_patch_bad_bodies(body, message):
    with pytest.raises(PatchError) as err:
        apply_patch({"a": 1}, MERGE_PATCH, body, "ConfigMap")
    assert err.value.code == 400
    assert err.value.reason == "BadRequest"
    assert err.value.message == message


# ==========================================================================================
# JSON patch
# ==========================================================================================

CM = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "c", "labels": {"a/b": "1", "t~x": "2"}, "finalizers": ["f1", "f2"]},
    "data": {"a": "1", "n": None},
}


@pytest.mark.parametrize(
    "ops, check",
    [
        ([{"op": "add", "path": "/data/b", "value": "2"}], lambda o: o["data"]["b"] == "2"),
        ([{"op": "add", "path": "/data/a", "value": "9"}], lambda o: o["data"]["a"] == "9"),
        ([{"op": "add", "path": "/metadata/finalizers/1", "value": "x"}], lambda o: o["metadata"]["finalizers"] == ["f1", "x", "f2"]),
        ([{"op": "add", "path": "/metadata/finalizers/-", "value": "x"}], lambda o: o["metadata"]["finalizers"] == ["f1", "f2", "x"]),
        ([{"op": "add", "path": "/metadata/finalizers/2", "value": "x"}], lambda o: o["metadata"]["finalizers"] == ["f1", "f2", "x"]),
        ([{"op": "add", "path": "/metadata/finalizers/-1", "value": "x"}], lambda o: o["metadata"]["finalizers"] == ["f1", "f2", "x"]),
        ([{"op": "add", "path": "/metadata/labels/k~01", "value": "v"}], lambda o: o["metadata"]["labels"]["k~1"] == "v"),
        ([{"op": "replace", "path": "/metadata/labels/a~1b", "value": "z"}], lambda o: o["metadata"]["labels"]["a/b"] == "z"),
        ([{"op": "remove", "path": "/metadata/labels/t~0x"}], lambda o: "t~x" not in o["metadata"]["labels"]),
        ([{"op": "remove", "path": "/metadata/finalizers/0"}], lambda o: o["metadata"]["finalizers"] == ["f2"]),
        ([{"op": "remove", "path": "/metadata/finalizers/-1"}], lambda o: o["metadata"]["finalizers"] == ["f1"]),
        ([{"op": "remove", "path": "/data/n"}], lambda o: "n" not in o["data"]),
        ([{"op": "replace", "path": "/metadata/finalizers/0", "value": "x"}], lambda o: o["metadata"]["finalizers"] == ["x", "f2"]),
        # evanphx v4: replace of a missing object key adds it
        ([{"op": "replace", "path": "/data/zz", "value": "new"}], lambda o: o["data"]["zz"] == "new"),
        ([{"op": "move", "from": "/data/a", "path": "/data/z"}], lambda o: o["data"].get("z") == "1" and "a" not in o["data"]),
        ([{"op": "move", "from": "/metadata/finalizers/0", "path": "/metadata/finalizers/-"}], lambda o: o["metadata"]["finalizers"] == ["f2", "f1"]),
        ([{"op": "copy", "from": "/metadata/labels", "path": "/data/l"}], lambda o: o["data"]["l"] == {"a/b": "1", "t~x": "2"}),
        # copying a missing key copies null
        ([{"op": "copy", "from": "/data/missing", "path": "/data/c"}], lambda o: "c" in o["data"] and o["data"]["c"] is None),
        ([{"op": "test", "path": "/data/a", "value": "1"}, {"op": "add", "path": "/data/q", "value": "w"}], lambda o: o["data"]["q"] == "w"),
        ([{"op": "test", "path": "/metadata/finalizers", "value": ["f1", "f2"]}], lambda o: True),
        ([{"op": "test", "path": "/data/missing", "value": None}], lambda o: "missing" not in o["data"]),
        ([{"op": "test", "path": "/data/n", "value": None}], lambda o: True),
        ([{"op": "add", "path": "/metadata/annotations", "value": {"x": "1"}}, {"op": "add", "path": "/metadata/annotations/y"}],
         lambda o: o["metadata"]["annotations"] == {"x": "1", "y": None}),
        ([{"op": "add", "path": "/data/", "value": "e"}], lambda o: o["data"][""] == "e"),
        ([{"op": "replace", "path": "", "value": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}}],
         lambda o: o == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
        # replacing the root with a scalar is silently ignored by evanphx v4
        ([{"op": "replace", "path": "", "value": 5}], lambda o: o == CM),
    ],
)
def test_json_patch_operations(ops, check):
    before = copy.deepcopy(CM)
    out = json_patch(CM, ops)
    assert check(out), out
    assert CM == before


@pytest.mark.parametrize(
    "ops, detail",
    [
        ([{"op": "add", "path": "/metadata/finalizers/3", "value": "x"}],
         "error in add for path: '/metadata/finalizers/3': Unable to access invalid index: 3: invalid index referenced"),
        ([{"op": "add", "path": "/metadata/finalizers/-4", "value": "x"}],
         "error in add for path: '/metadata/finalizers/-4': Unable to access invalid index: -4: invalid index referenced"),
        ([{"op": "add", "path": "/metadata/finalizers/x", "value": "x"}],
         "error in add for path: '/metadata/finalizers/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax"),
        ([{"op": "add", "path": "/nope/x", "value": 1}], 'add operation does not apply: doc is missing path: "/nope/x": missing value'),
        ([{"op": "add", "path": "data", "value": 1}], 'add operation does not apply: doc is missing path: "data": missing value'),
        ([{"op": "add", "path": "/data/a/b", "value": 1}], 'add operation does not apply: doc is missing path: "/data/a/b": missing value'),
        ([{"op": "add", "path": "/data/n/b", "value": 1}], 'add operation does not apply: doc is missing path: "/data/n/b": missing value'),
        ([{"op": "add", "value": 1}], "add operation failed to decode path: missing value"),
        ([{"op": "remove", "path": "/data/missing"}],
         "error in remove for path: '/data/missing': Unable to remove nonexistent key: missing: missing value"),
        ([{"op": "remove", "path": "/metadata/finalizers/5"}],
         "error in remove for path: '/metadata/finalizers/5': Unable to access invalid index: 5: invalid index referenced"),
        ([{"op": "remove", "path": "/metadata/finalizers/q"}],
         "error in remove for path: '/metadata/finalizers/q': strconv.Atoi: parsing \"q\": invalid syntax"),
        ([{"op": "remove"}], "remove operation failed to decode path: missing value"),
        ([{"op": "replace", "path": "/metadata/finalizers/9", "value": "x"}],
         "replace operation does not apply: doc is missing key: /metadata/finalizers/9: missing value"),
        ([{"op": "replace", "path": "/spec/x", "value": "x"}], "replace operation does not apply: doc is missing path: /spec/x: missing value"),
        ([{"op": "replace", "value": 1}], "replace operation failed to decode path: operation missing path field: missing value"),
        ([{"op": "move", "from": "/data/zz", "path": "/data/c"}],
         "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value"),
        ([{"op": "move", "from": "/data/a", "path": "/nope/z"}],
         "move operation does not apply: doc is missing destination path: /nope/z: missing value"),
        ([{"op": "move", "path": "/data/z"}], "move operation failed to decode from: operation, missing from field: missing value"),
        ([{"op": "copy", "from": "/metadata/finalizers/7", "path": "/data/l"}],
         "error in copy for from: '/metadata/finalizers/7': Unable to access invalid index: 7: invalid index referenced"),
        ([{"op": "copy", "from": "/data/a"}], "copy operation failed to decode path: missing value"),
        ([{"op": "test", "path": "/data/a", "value": 1}], "testing value /data/a failed: test failed"),
        ([{"op": "test", "path": "/data/missing", "value": "x"}], "testing value /data/missing failed: test failed"),
        ([{"op": "test", "path": "/metadata/finalizers", "value": ["f2", "f1"]}], "testing value /metadata/finalizers failed: test failed"),
        ([{"op": "test", "path": "/data", "value": {}}], "testing value /data failed: test failed"),
        ([{"op": "test", "path": "/x/y", "value": 1}], "test operation does not apply: is missing path: /x/y: missing value"),
        ([{"op": "test", "value": 1}], "test operation failed to decode path: operation missing path field: missing value"),
        ([{"op": "bogus", "path": "/data"}], "Unexpected kind: bogus"),
        ([{"path": "/a"}], "Unexpected kind: unknown"),
    ],
)
def test_json_patch_failures_are_422_with_generic_message(ops, detail):
    with pytest.raises(PatchError) as err:
        json_patch(CM, ops)
    assert err.value.code == 422
    assert err.value.reason == "Invalid"
    assert str(err.value) == REJECTED
    assert err.value.detail == detail


def test_json_patch_is_atomic():
    before = copy.deepcopy(CM)
    with pytest.raises(PatchError):
        json_patch(CM, [{"op": "add", "path": "/data/q", "value": "w"}, {"op": "remove", "path": "/data/zz"}])
    assert CM == before


def test_json_patch_test_distinguishes_number_types():
    with pytest.raises(PatchError):
        json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.5}])
    with pytest.raises(PatchError):
        json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": True}])
    assert json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1}]) == {"a": 1}


def test_json_patch_empty_and_null_are_no_ops():
    assert json_patch(CM, []) == CM
    assert apply_patch(CM, JSON_PATCH, b"null", "ConfigMap") == CM


def test_json_patch_result_must_be_an_object():
    with pytest.raises(PatchError) as err:
        json_patch({"a": 1}, [{"op": "replace", "path": "", "value": [1, 2]}])
    assert err.value.code == 422


def test_json_patch_too_many_operations():
    ops = [{"op": "test", "path": "/a", "value": 1}] * 10001
    with pytest.raises(PatchError) as err:
        json_patch({"a": 1}, ops)
    assert err.value.code == 413
    assert str(err.value) == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
    )
    assert json_patch({"a": 1}, ops[:10000]) == {"a": 1}


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"op":"add"}', "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"),
        (b'["add"]', "error decoding patch: json: cannot unmarshal string into Go value of type handlers.jsonPatchOp"),
        (b'[{"op":"add","path":5}]',
         "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string"),
        (b'[{"op":true}]', "error decoding patch: json: cannot unmarshal bool into Go struct field jsonPatchOp.op of type string"),
        (b"[{", "error decoding patch: unexpected end of JSON input"),
        (b"[1,]", "error decoding patch: invalid character ']' looking for beginning of value"),
    ],
)
def test_json_patch_malformed_bodies(body, message):
    with pytest.raises(PatchError) as err:
        apply_patch(CM, JSON_PATCH, body, "ConfigMap")
    assert err.value.code == 400
    assert str(err.value) == message


def test_json_patch_through_apply_patch():
    body = json.dumps([{"op": "replace", "path": "/data/a", "value": "2"}]).encode()
    assert apply_patch(CM, JSON_PATCH, body, "ConfigMap")["data"]["a"] == "2"


# ==========================================================================================
# strategic merge patch
# ==========================================================================================


def test_smp_container_image_by_name(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c2", "image": "busybox:2"}]}}, "Pod")
    assert names(out["spec"]["containers"]) == ["c1", "c2"]
    assert out["spec"]["containers"][1] == {"name": "c2", "image": "busybox:2", "args": ["a", "b"]}
    assert out["spec"]["containers"][0] == pod["spec"]["containers"][0]


def test_smp_kubectl_set_image_style_patch_on_deployment(deployment):
    out = smp(deployment, {"spec": {"template": {"spec": {"containers": [{"name": "d", "image": "j:2"}]}}}}, "Deployment")
    assert [c["image"] for c in out["spec"]["template"]["spec"]["containers"]] == ["i:1", "j:2"]


def test_smp_new_container_goes_before_existing_ones(pod):
    # upstream's order normalisation puts items the live list does not know in front
    out = smp(pod, {"spec": {"containers": [{"name": "c3", "image": "x"}]}}, "Pod")
    assert names(out["spec"]["containers"]) == ["c3", "c1", "c2"]
    assert out["spec"]["containers"][0] == {"name": "c3", "image": "x"}


def test_smp_patch_order_wins_for_new_items(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c3", "image": "x"}, {"name": "c1", "image": "y"}]}}, "Pod")
    assert names(out["spec"]["containers"]) == ["c3", "c1", "c2"]
    assert out["spec"]["containers"][1]["image"] == "y"
    assert out["spec"]["containers"][1]["env"] == pod["spec"]["containers"][0]["env"]


def test_smp_delete_list_item(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c1", "$patch": "delete"}]}}, "Pod")
    assert names(out["spec"]["containers"]) == ["c2"]


def test_smp_delete_missing_list_item_is_a_no_op(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "zz", "$patch": "delete"}]}}, "Pod")
    assert out["spec"]["containers"] == pod["spec"]["containers"]


def test_smp_delete_item_without_merge_key_is_refused(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"containers": [{"$patch": "delete"}]}}, "Pod")
    assert err.value.code == 500
    assert str(err.value) == "map: map[$patch:delete] does not contain declared merge key: name"


def test_smp_replace_list(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "only", "image": "o"}, {"$patch": "replace"}]}}, "Pod")
    assert out["spec"]["containers"] == [{"name": "only", "image": "o"}]


def test_smp_merge_directive_on_list_is_refused(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"containers": [{"$patch": "merge"}]}}, "Pod")
    assert err.value.code == 500
    assert str(err.value) == "merging lists cannot yet be specified in the patch"


def test_smp_unknown_directive(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"containers": [{"name": "c1", "$patch": "bogus"}]}}, "Pod")
    assert str(err.value) == "unknown patch type: bogus in map: map[$patch:bogus name:c1]"
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"metadata": {"$patch": 1}}, "Pod")
    assert str(err.value) == "unknown patch type: %!s(int64=1) in map: map[$patch:1]"


def test_smp_env_merges_by_name(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c1", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}}, "Pod")
    assert out["spec"]["containers"][0]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "C", "value": "4"},
    ]


def test_smp_env_delete_by_name(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c1", "env": [{"name": "A", "$patch": "delete"}]}]}}, "Pod")
    assert out["spec"]["containers"][0]["env"] == [{"name": "B", "value": "2"}]


def test_smp_ports_merge_by_container_port(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c1", "ports": [{"containerPort": 443, "name": "https"}, {"containerPort": 8080}]}]}}, "Pod")
    assert out["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"},
        {"containerPort": 443, "name": "https"},
        {"containerPort": 8080},
    ]


def test_smp_volume_mounts_merge_by_mount_path(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c1", "volumeMounts": [{"name": "w", "mountPath": "/w"}, {"name": "v2", "mountPath": "/data"}]}]}}, "Pod")
    assert out["spec"]["containers"][0]["volumeMounts"] == [{"name": "w", "mountPath": "/w"}, {"name": "v2", "mountPath": "/data"}]


def test_smp_volumes_delete_by_name(pod):
    out = smp(pod, {"spec": {"volumes": [{"name": "v", "$patch": "delete"}]}}, "Pod")
    assert out["spec"]["volumes"] == [{"name": "w", "configMap": {"name": "cm"}}]


def test_smp_image_pull_secrets_merge(pod):
    out = smp(pod, {"spec": {"imagePullSecrets": [{"name": "s2"}]}}, "Pod")
    assert out["spec"]["imagePullSecrets"] == [{"name": "s2"}, {"name": "s1"}]


def test_smp_owner_references_merge_by_uid(pod):
    out = smp(pod, {"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "x", "uid": "u2"}]}}, "Pod")
    assert [o["uid"] for o in out["metadata"]["ownerReferences"]] == ["u2", "u1"]
    assert out["metadata"]["ownerReferences"][1] == pod["metadata"]["ownerReferences"][0]


def test_smp_tolerations_have_no_merge_strategy(pod):
    out = smp(pod, {"spec": {"tolerations": [{"key": "new", "operator": "Exists"}]}}, "Pod")
    assert out["spec"]["tolerations"] == [{"key": "new", "operator": "Exists"}]


def test_smp_container_args_are_replaced(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c2", "args": ["z"]}]}}, "Pod")
    assert out["spec"]["containers"][1]["args"] == ["z"]


def test_smp_directives_inside_replaced_lists_are_dropped(pod):
    out = smp(pod, {"spec": {"tolerations": [{"key": "a", "$patch": "delete"}, {"key": "b"}]}}, "Pod")
    assert out["spec"]["tolerations"] == [{"key": "a"}, {"key": "b"}]


def test_smp_status_condition_by_type(pod):
    out = smp(pod, {"status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}}, "Pod")
    assert out["status"]["conditions"] == [
        {"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"},
        {"type": "PodScheduled", "status": "True"},
    ]
    assert out["status"]["phase"] == "Running"


def test_smp_new_status_condition_is_added(pod):
    out = smp(pod, {"status": {"conditions": [{"type": "ContainersReady", "status": "True"}]}}, "Pod")
    assert [c["type"] for c in out["status"]["conditions"]] == ["ContainersReady", "Ready", "PodScheduled"]


def test_smp_pod_ips_merge_by_ip(pod):
    out = smp(pod, {"status": {"podIPs": [{"ip": "fd00::1"}]}}, "Pod")
    assert out["status"]["podIPs"] == [{"ip": "fd00::1"}, {"ip": "10.0.0.1"}]


def test_smp_node_condition_by_type(node):
    out = smp(node, {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady"}]}}, "Node")
    assert out["status"]["conditions"] == [
        {"type": "Ready", "status": "False", "reason": "KubeletNotReady"},
        {"type": "MemoryPressure", "status": "False"},
    ]


def test_smp_node_addresses_by_type(node):
    out = smp(node, {"status": {"addresses": [{"type": "ExternalIP", "address": "5.6.7.8"}, {"type": "Hostname", "address": "n1.example"}]}}, "Node")
    assert out["status"]["addresses"] == [
        {"type": "ExternalIP", "address": "5.6.7.8"},
        {"type": "InternalIP", "address": "1.2.3.4"},
        {"type": "Hostname", "address": "n1.example"},
    ]


def test_smp_node_taints_are_replaced(node):
    out = smp(node, {"spec": {"taints": [{"key": "b", "effect": "NoExecute"}]}}, "Node")
    assert out["spec"]["taints"] == [{"key": "b", "effect": "NoExecute"}]


def test_smp_node_pod_cidrs_merge_as_a_set(node):
    out = smp(node, {"spec": {"podCIDRs": ["fd00::/64", "10.0.0.0/24"]}}, "Node")
    assert out["spec"]["podCIDRs"] == ["fd00::/64", "10.0.0.0/24"]


def test_smp_deployment_status_condition(deployment):
    out = smp(deployment, {"status": {"conditions": [{"type": "Progressing", "status": "False"}]}}, "Deployment")
    assert out["status"]["conditions"] == [
        {"type": "Available", "status": "True"},
        {"type": "Progressing", "status": "False"},
    ]


@pytest.mark.parametrize("kind", ["Namespace", "PersistentVolumeClaim", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                                  "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service", "ReplicationController"])
def test_smp_status_conditions_merge_for_kind(kind):
    obj = {"kind": kind, "metadata": {"name": "x"}, "status": {"conditions": [{"type": "A", "status": "True"}]}}
    out = smp(obj, {"status": {"conditions": [{"type": "B", "status": "False"}]}}, kind)
    assert [c["type"] for c in out["status"]["conditions"]] == ["B", "A"]
    assert out["status"]["conditions"][1] == {"type": "A", "status": "True"}


def test_smp_unknown_kind_replaces_lists_but_knows_metadata():
    obj = {"kind": "Widget", "metadata": {"name": "w", "finalizers": ["a"]}, "status": {"conditions": [{"type": "A"}]}}
    out = smp(obj, {"metadata": {"finalizers": ["b"]}, "status": {"conditions": [{"type": "B"}]}}, "Widget")
    assert out["metadata"]["finalizers"] == ["b", "a"]
    assert out["status"]["conditions"] == [{"type": "B"}]


def test_smp_pdb_selector_is_replaced():
    pdb = {"kind": "PodDisruptionBudget", "metadata": {"name": "p"}, "spec": {"selector": {"matchLabels": {"a": "b"}}}}
    out = smp(pdb, {"spec": {"selector": {"matchLabels": {"c": "d"}}}}, "PodDisruptionBudget")
    assert out["spec"]["selector"] == {"matchLabels": {"c": "d"}}


def test_smp_deployment_selector_map_merges(deployment):
    out = smp(deployment, {"spec": {"selector": {"matchLabels": {"c": "d"}}}}, "Deployment")
    assert out["spec"]["selector"] == {"matchLabels": {"app": "x", "c": "d"}}


def test_smp_service_ports_merge_by_port():
    svc = {"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}}
    out = smp(svc, {"spec": {"ports": [{"port": 8080, "name": "alt"}, {"port": 80, "targetPort": 8080}]}}, "Service")
    assert out["spec"]["ports"] == [
        {"port": 8080, "name": "alt"},
        {"port": 80, "name": "http", "targetPort": 8080},
        {"port": 443, "name": "https"},
    ]


def test_smp_cronjob_job_template_containers():
    cj = {"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]}}}}}}
    out = smp(cj, {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "2"}]}}}}}}, "CronJob")
    assert [c["image"] for c in out["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]] == ["1", "2"]


# --- primitive lists: metadata.finalizers --------------------------------------------------


def test_smp_finalizers_merge_as_a_set(pod):
    out = smp(pod, {"metadata": {"finalizers": ["d", "a"]}}, "Pod")
    assert out["metadata"]["finalizers"] == ["d", "a", "b", "c"]


def test_smp_finalizers_order_follows_patch_and_live_object(pod):
    out = smp(pod, {"metadata": {"finalizers": ["c", "z", "a"]}}, "Pod")
    assert out["metadata"]["finalizers"] == ["b", "c", "z", "a"]


def test_smp_delete_from_primitive_list(pod):
    out = smp(pod, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "zz"]}}, "Pod")
    assert out["metadata"]["finalizers"] == ["a", "c"]


def test_smp_delete_from_missing_primitive_list_adds_nothing(deployment):
    out = smp(deployment, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}, "Deployment")
    assert "finalizers" not in out["metadata"]


def test_smp_delete_from_primitive_list_works_on_replace_lists(pod):
    out = smp(pod, {"spec": {"containers": [{"name": "c2", "$deleteFromPrimitiveList/args": ["a"]}]}}, "Pod")
    assert out["spec"]["containers"][1]["args"] == ["b"]


def test_smp_finalizers_null_removes_them(pod):
    out = smp(pod, {"metadata": {"finalizers": None}}, "Pod")
    assert "finalizers" not in out["metadata"]


# --- $setElementOrder ------------------------------------------------------------------------


def test_smp_set_element_order_is_applied_and_stripped(pod):
    patch = {"spec": {"$setElementOrder/containers": [{"name": "c2"}, {"name": "c1"}], "containers": [{"name": "c1", "image": "n"}]}}
    out = smp(pod, patch, "Pod")
    assert names(out["spec"]["containers"]) == ["c2", "c1"]
    assert out["spec"]["containers"][1]["image"] == "n"
    assert "$setElementOrder/containers" not in out["spec"]


def test_smp_set_element_order_alone_reorders(pod):
    out = smp(pod, {"metadata": {"$setElementOrder/finalizers": ["c", "a", "b"]}}, "Pod")
    assert out["metadata"]["finalizers"] == ["c", "a", "b"]


def test_smp_set_element_order_with_new_item(pod):
    patch = {"spec": {"$setElementOrder/containers": [{"name": "c2"}, {"name": "c3"}, {"name": "c1"}], "containers": [{"name": "c3", "image": "n"}]}}
    out = smp(pod, patch, "Pod")
    assert names(out["spec"]["containers"]) == ["c2", "c3", "c1"]


def test_smp_kubectl_apply_style_patch_with_set_element_order(deployment):
    # the shape kubectl apply / edit sends for a container image change
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "c"}, {"name": "d"}],
                    "containers": [{"image": "i:2", "name": "c"}],
                }
            }
        }
    }
    out = smp(deployment, patch, "Deployment")
    assert out["spec"]["template"]["spec"]["containers"] == [{"name": "c", "image": "i:2"}, {"name": "d", "image": "j:1"}]


def test_smp_set_element_order_mismatch():
    pod = {"kind": "Pod", "spec": {"containers": [{"name": "c1"}, {"name": "c2"}]}}
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"$setElementOrder/containers": [{"name": "c1"}], "containers": [{"name": "c2", "image": "n"}]}}, "Pod")
    assert err.value.code == 500
    assert str(err.value) == (
        "The order in patch list:\n[map[image:n name:c2]]\n doesn't match $setElementOrder list:\n[map[name:c1]]\n"
    )


def test_smp_bad_set_element_order_key(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"$setElementOrderX": []}}, "Pod")
    assert err.value.code == 400
    assert str(err.value) == "invalid patch format of setElementOrder list"


def test_smp_bad_delete_from_primitive_list_key(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"$deleteFromPrimitiveList": []}}, "Pod")
    assert err.value.code == 400
    assert str(err.value) == "invalid patch format of primitive list"


# --- maps ----------------------------------------------------------------------------------


def test_smp_map_null_deletes(pod):
    out = smp(pod, {"metadata": {"labels": {"tier": None, "new": "v"}}}, "Pod")
    assert out["metadata"]["labels"] == {"app": "web", "new": "v"}


def test_smp_cordon_and_uncordon_patches(node):
    cordoned = smp(node, {"spec": {"unschedulable": True}}, "Node")
    assert cordoned["spec"]["unschedulable"] is True
    uncordoned = smp(cordoned, {"spec": {"unschedulable": None}}, "Node")
    assert "unschedulable" not in uncordoned["spec"]
    assert uncordoned == node


def _go_marshal_node(node):
    """json.Marshal of a corev1.Node: spec.unschedulable is `omitempty`."""
    out = copy.deepcopy(node)
    if not out["spec"].get("unschedulable"):
        out["spec"].pop("unschedulable", None)
    return out


def _two_way_merge_patch(original, modified):
    """strategicpatch.CreateTwoWayMergePatch for maps whose lists did not change (the Node case)."""
    patch = {}
    for k, mv in modified.items():
        if k not in original:
            patch[k] = mv
        elif isinstance(mv, dict) and isinstance(original[k], dict):
            sub = _two_way_merge_patch(original[k], mv)
            if sub:
                patch[k] = sub
        elif original[k] != mv:
            patch[k] = mv
    for k in original:
        if k not in modified:
            patch[k] = None
    return patch


@pytest.mark.parametrize("desired", [True, False])
def test_smp_kubectl_cordon_helper_patch(node, desired):
    # kubectl drain/cordon.go: marshal the node, flip spec.unschedulable, marshal again and send
    # CreateTwoWayMergePatch(old, new) as a strategic merge patch
    current = copy.deepcopy(node)
    current["spec"]["unschedulable"] = not desired
    old = json.dumps(_go_marshal_node(current), sort_keys=True, separators=(",", ":"))
    current["spec"]["unschedulable"] = desired
    new = json.dumps(_go_marshal_node(current), sort_keys=True, separators=(",", ":"))
    body = json.dumps(_two_way_merge_patch(json.loads(old), json.loads(new)), separators=(",", ":")).encode()
    assert body == (b'{"spec":{"unschedulable":true}}' if desired else b'{"spec":{"unschedulable":null}}')

    live = copy.deepcopy(node)
    if not desired:
        live["spec"]["unschedulable"] = True
    out = apply_patch(live, STRATEGIC_MERGE_PATCH, body, "Node")
    assert out["spec"].get("unschedulable", False) is desired
    assert out["spec"]["taints"] == node["spec"]["taints"]


def test_smp_map_patch_delete_empties_the_map(pod):
    out = smp(pod, {"metadata": {"labels": {"$patch": "delete"}}}, "Pod")
    assert out["metadata"]["labels"] == {}


def test_smp_map_patch_replace(pod):
    out = smp(pod, {"spec": {"nodeSelector": {"$patch": "replace", "a": "b"}}}, "Pod")
    assert out["spec"]["nodeSelector"] == {"a": "b"}


def test_smp_root_patch_delete(pod):
    assert strategic_merge_patch(pod, {"$patch": "delete"}, "Pod") == {}


def test_smp_retain_keys(pod):
    out = smp(pod, {"spec": {"volumes": [{"name": "w", "$retainKeys": ["name", "secret"], "secret": {"secretName": "s"}}]}}, "Pod")
    assert out["spec"]["volumes"][1] == {"name": "w", "secret": {"secretName": "s"}}


def test_smp_retain_keys_on_deployment_strategy(deployment):
    out = smp(deployment, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}, "Deployment")
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_smp_retain_keys_must_list_patched_fields(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"volumes": [{"name": "w", "$retainKeys": ["name"], "secret": {"secretName": "s"}}]}}, "Pod")
    assert err.value.code == 400
    assert str(err.value) == "invalid patch format of retainKeys"


def test_smp_new_values_lose_nulls_and_directives():
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c1", "image": "i"}]}}
    out = smp(pod, {"spec": {"nodeSelector": {"a": None, "b": "c"}, "initContainers": [{"name": "x", "$patch": "delete"}, {"name": "y"}]}}, "Pod")
    assert out["spec"]["nodeSelector"] == {"b": "c"}
    assert out["spec"]["initContainers"] == [{"name": "y"}]


def test_smp_type_change_takes_patch_value(pod):
    out = smp(pod, {"spec": {"nodeSelector": ["x"]}}, "Pod")
    assert out["spec"]["nodeSelector"] == ["x"]


def test_smp_missing_merge_key(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"containers": [{"image": "x"}]}}, "Pod")
    assert err.value.code == 500
    assert str(err.value) == "map: map[image:x] does not contain declared merge key: name"


def test_smp_list_of_lists_is_422():
    pod = {"kind": "Pod", "spec": {"containers": []}}
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"containers": [["x"]]}}, "Pod")
    assert err.value.code == 422
    assert str(err.value) == REJECTED
    assert err.value.detail == "lists of lists are not supported"


def test_smp_mixed_element_types(pod):
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"metadata": {"finalizers": [1]}}, "Pod")
    assert err.value.code == 500
    assert str(err.value) == "list element types are not identical: [[a b c] [1]]"
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(pod, {"spec": {"containers": [["x"]]}}, "Pod")
    assert err.value.code == 500
    assert str(err.value).startswith("list element types are not identical: [[map[env:")


def test_smp_null_patch_is_a_no_op(pod):
    assert apply_patch(pod, STRATEGIC_MERGE_PATCH, b"null", "Pod") == pod


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{bad", "invalid character 'b' looking for beginning of object key string"),
        (b"", "unexpected end of JSON input"),
        (b'{"a":1}x', "invalid character 'x' after top-level value"),
        (b'{"spec":tru}', "invalid character '}' in literal true (expecting 'e')"),
        (b"[1]", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
        (b"42", "json: cannot unmarshal number into Go value of type map[string]interface {}"),
    ],
)
def test_smp_malformed_bodies(pod, body, message):
    with pytest.raises(PatchError) as err:
        apply_patch(pod, STRATEGIC_MERGE_PATCH, body, "Pod")
    assert err.value.code == 400
    assert str(err.value) == message


# ==========================================================================================
# dispatch on Content-Type
# ==========================================================================================

ACCEPTED = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"
)


def test_apply_patch_yaml_is_unsupported(pod):
    with pytest.raises(PatchError) as err:
        apply_patch(pod, APPLY_PATCH_YAML, b"apiVersion: v1\nkind: Pod\n", "Pod")
    assert err.value.code == 415
    assert err.value.reason == "UnsupportedMediaType"
    assert str(err.value) == ACCEPTED


@pytest.mark.parametrize("ctype", ["application/json", "text/plain", "", "application/merge-patch+json ;charset=utf-8"])
def test_unknown_content_types_are_415(pod, ctype):
    with pytest.raises(PatchError) as err:
        apply_patch(pod, ctype, b"{}", "Pod")
    assert err.value.code == 415
    assert str(err.value) == ACCEPTED


def test_charset_parameter_is_ignored(pod):
    out = apply_patch(pod, "application/merge-patch+json; charset=utf-8", b'{"metadata":{"labels":{"x":"y"}}}', "Pod")
    assert out["metadata"]["labels"]["x"] == "y"


def test_strategic_merge_patch_refused_when_not_supported(pod):
    with pytest.raises(PatchError) as err:
        apply_patch(pod, STRATEGIC_MERGE_PATCH, b"{}", "Widget", strategic=False)
    assert err.value.code == 415
    assert str(err.value) == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json"
    )


def test_apply_patch_dispatches_each_type(pod):
    body = b'{"spec":{"containers":[{"name":"c1","image":"nginx:2"}]}}'
    smp_out = apply_patch(pod, STRATEGIC_MERGE_PATCH, body, "Pod")
    merge_out = apply_patch(pod, MERGE_PATCH, body, "Pod")
    assert names(smp_out["spec"]["containers"]) == ["c1", "c2"]
    assert merge_out["spec"]["containers"] == [{"name": "c1", "image": "nginx:2"}]
    json_out = apply_patch(pod, JSON_PATCH, b'[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:3"}]', "Pod")
    assert json_out["spec"]["containers"][0]["image"] == "nginx:3"


def test_apply_patch_accepts_str_bodies(pod):
    out = apply_patch(pod, MERGE_PATCH, '{"metadata":{"labels":{"ü":"x"}}}', "Pod")
    assert out["metadata"]["labels"]["ü"] == "x"


def test_body_decoding_keeps_int_and_float_apart():
    assert decode_json_body(b'{"a":1,"b":1.0,"c":1e2}') == {"a": 1, "b": 1.0, "c": 100.0}
    assert type(decode_json_body(b'{"a":1}')["a"]) is int
    with pytest.raises(ValueError) as err:
        decode_json_body(b'{"a":NaN}')
    assert str(err.value) == "invalid character 'N' looking for beginning of value"


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a":1 "b":2}', "invalid character '\"' after object key:value pair"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b'{"a":1,}', "invalid character '}' looking for beginning of object key string"),
        (b'"a\\x"', "invalid character 'x' in string escape code"),
        (b'"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"),
        (b'"a\nb"', "invalid character '\\n' in string literal"),
        (b"1.", "invalid character ' ' after decimal point in numeric literal"),
        (b"-x", "invalid character 'x' in numeric literal"),
        (b"1e+", "invalid character ' ' in exponent of numeric literal"),
        (b"nul", "invalid character ' ' in literal null (expecting 'l')"),
        (b"'a'", "invalid character '\\'' looking for beginning of value"),
        (b"\xef\xbb\xbf{}", "invalid character '\u00ef' looking for beginning of value"),
        (b'{"a"', "unexpected end of JSON input"),
    ],
)
def test_go_json_syntax_errors(body, message):
    with pytest.raises(ValueError) as err:
        decode_json_body(body)
    assert str(err.value) == message


def test_patch_error_attributes():
    e = PatchError("boom", 422, detail="inner")
    assert isinstance(e, ValueError)
    assert (e.code, e.reason, e.message, e.detail, str(e)) == (422, "Invalid", "boom", "inner", "boom")
    assert PatchError("x").code == 400 and PatchError("x").detail == "x"


def test_patch_error_status_object():
    with pytest.raises(PatchError) as err:
        json_patch({"a": 1}, [{"op": "remove", "path": "/b"}])
    assert err.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": REJECTED,
        "reason": "Invalid",
        "code": 422,
    }
    with pytest.raises(PatchError) as err:
        strategic_merge_patch({"spec": {"containers": []}}, {"spec": {"containers": [{"image": "x"}]}}, "Pod")
    # a plain Go error becomes a 500 Status without a reason
    assert "reason" not in err.value.status()
    assert err.value.status()["code"] == 500
