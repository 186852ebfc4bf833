"""Tests for k8stui.kube.printers.

Expectations are taken from the Go unit tests wherever they exist:
  * k8s.io/apimachinery/pkg/util/duration/duration_test.go
  * kubernetes/pkg/printers/internalversion/printers_test.go
and otherwise from the Go code paths they name (printers.go), or from a captured
`kubectl get pods` session for the text layout.  The Go tests call the printers with
GenerateOptions{} (5 pod cells) or {Wide: true}; our *_cells always return the wide row
(that is what the API server emits), so non-wide Go expectations are compared with the
leading priority-0 cells.
"""

from __future__ import annotations

import pytest

from k8stui.kube import printers as P
from k8stui.kube.printers import (
    DEFAULT_COLUMNS,
    NODE_COLUMNS,
    POD_COLUMNS,
    PRINTERS,
    build_table,
    cell_text,
    format_table,
    human_duration,
    kubectl_columns,
    node_cells,
    node_roles,
    parse_time,
    pod_cells,
    pod_ready,
    pod_restarts,
    pod_status_reason,
    render_table,
    short_human_duration,
    table_rows,
    translate_timestamp_since,
)

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
MS = 1e-3
SEC = 1.0
MIN = 60.0
HOUR = 3600.0
DAY = 86400.0
YEAR = 365 * DAY


def ts(offset: float) -> str:
    """RFC 3339 for NOW + offset seconds (fractional seconds when needed)."""
    t = NOW + offset
    whole = int(t // 1)
    frac = t - whole
    base = P.format_rfc3339(whole)
    if abs(frac) < 1e-9:
        return base
    return base[:-1] + f"{frac:.9f}"[1:] + "Z"


def ago(seconds: float) -> str:
    return ts(-seconds)


def nonwide(columns, cells):
    return [c for c, col in zip(cells, columns) if col["priority"] == 0]


# ----------------------------------------------------------------------------------
# duration_test.go
# ----------------------------------------------------------------------------------

# TestHumanDuration
@pytest.mark.parametrize(
    "d,want",
    [
        (SEC, "1s"),
        (70 * SEC, "70s"),
        (190 * SEC, "3m10s"),
        (70 * MIN, "70m"),
        (47 * HOUR, "47h"),
        (49 * HOUR, "2d1h"),
        ((8 * 24 + 2) * HOUR, "8d"),
        ((367 * 24) * HOUR, "367d"),
        ((365 * 2 * 24 + 25) * HOUR, "2y1d"),
        ((365 * 8 * 24 + 2) * HOUR, "8y"),
    ],
)
def test_human_duration(d, want):
    assert human_duration(d) == want


# TestHumanDurationBoundaries
@pytest.mark.parametrize(
    "d,want",
    [
        (-2 * SEC, "<invalid>"),
        (-2 * SEC + 1e-9, "0s"),
        (0, "0s"),
        (SEC - MS, "0s"),
        (2 * MIN - MS, "119s"),
        (2 * MIN, "2m"),
        (2 * MIN + SEC, "2m1s"),
        (10 * MIN - MS, "9m59s"),
        (10 * MIN, "10m"),
        (10 * MIN + SEC, "10m"),
        (3 * HOUR - MS, "179m"),
        (3 * HOUR, "3h"),
        (3 * HOUR + MIN, "3h1m"),
        (8 * HOUR - MS, "7h59m"),
        (8 * HOUR, "8h"),
        (8 * HOUR + 59 * MIN, "8h"),
        (2 * 24 * HOUR - MS, "47h"),
        (2 * 24 * HOUR, "2d"),
        (2 * 24 * HOUR + HOUR, "2d1h"),
        (8 * 24 * HOUR - MS, "7d23h"),
        (8 * 24 * HOUR, "8d"),
        (8 * 24 * HOUR + 23 * HOUR, "8d"),
        (2 * YEAR - MS, "729d"),
        (2 * YEAR, "2y"),
        (2 * YEAR + 23 * HOUR, "2y"),
        (2 * YEAR + 23 * HOUR + 59 * MIN, "2y"),
        (2 * YEAR + 24 * HOUR - MS, "2y"),
        (2 * YEAR + 24 * HOUR, "2y1d"),
        (3 * YEAR, "3y"),
        (4 * YEAR, "4y"),
        (5 * YEAR, "5y"),
        (6 * YEAR, "6y"),
        (7 * YEAR, "7y"),
        (8 * YEAR - MS, "7y364d"),
        (8 * YEAR, "8y"),
        (8 * YEAR + 364 * 24 * HOUR, "8y"),
        (9 * YEAR, "9y"),
    ],
)
def test_human_duration_boundaries(d, want):
    assert human_duration(d) == want


# TestShortHumanDurationBoundaries
@pytest.mark.parametrize(
    "d,want",
    [
        (-2 * SEC, "<invalid>"),
        (-2 * SEC + 1e-9, "0s"),
        (0, "0s"),
        (SEC - MS, "0s"),
        (SEC, "1s"),
        (2 * SEC - MS, "1s"),
        (MIN - MS, "59s"),
        (MIN, "1m"),
        (2 * MIN - MS, "1m"),
        (HOUR - MS, "59m"),
        (HOUR, "1h"),
        (2 * HOUR - MS, "1h"),
        (24 * HOUR - MS, "23h"),
        (24 * HOUR, "1d"),
        (2 * 24 * HOUR - MS, "1d"),
        (YEAR - MS, "364d"),
        (YEAR, "1y"),
        (2 * YEAR - MS, "1y"),
        (2 * YEAR, "2y"),
    ],
)
def test_short_human_duration_boundaries(d, want):
    assert short_human_duration(d) == want


# printers_test.go TestTranslateTimestampSince
@pytest.mark.parametrize(
    "stamp,want",
    [
        (ts(2.1), "<invalid>"),  # a while from now
        (ts(1.9), "0s"),  # almost now
        (ts(0), "0s"),  # now
        (None, "<unknown>"),  # unknown
        (ago(30), "30s"),
        (ago(300), "5m"),
        (ago(6000), "100m"),
        (ago(2 * DAY), "2d"),
        (ago(90 * DAY), "90d"),
        (ago(10 * YEAR), "10y"),
    ],
)
def test_translate_timestamp_since(stamp, want):
    assert translate_timestamp_since(stamp, NOW) == want


def test_translate_timestamp_since_go_zero_time_is_unknown():
    # metav1.Time.IsZero() for 0001-01-01T00:00:00Z
    assert translate_timestamp_since("0001-01-01T00:00:00Z", NOW) == "<unknown>"
    assert translate_timestamp_since("", NOW) == "<unknown>"


def test_parse_time_fast_and_slow_paths_agree():
    assert parse_time("2023-11-14T22:13:20Z") == NOW
    assert parse_time("2023-11-15T00:13:20+02:00") == NOW
    assert parse_time("2023-11-14T22:13:20.250000Z") == NOW + 0.25
    assert parse_time("2023-11-14T22:13:20.123456789Z") == pytest.approx(NOW + 0.123456789)
    with pytest.raises(ValueError):
        parse_time("not a time")


# ----------------------------------------------------------------------------------
# pods: column definitions
# ----------------------------------------------------------------------------------


def test_pod_columns_match_add_handlers():
    # AddHandlers podColumnDefinitions
    assert [(c["name"], c["type"], c["format"], c["priority"]) for c in POD_COLUMNS] == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Status", "string", "", 0),
        ("Restarts", "string", "", 0),
        ("Age", "string", "", 0),
        ("IP", "string", "", 1),
        ("Node", "string", "", 1),
        ("Nominated Node", "string", "", 1),
        ("Readiness Gates", "string", "", 1),
    ]
    assert POD_COLUMNS[1]["description"] == "The aggregate readiness state of this pod for accepting traffic."
    assert POD_COLUMNS[4]["description"].startswith("CreationTimestamp is a timestamp")
    assert "in UTC.\n\nPopulated by the system." in POD_COLUMNS[4]["description"]


def test_node_columns_match_add_handlers():
    # AddHandlers nodeColumnDefinitions
    assert [(c["name"], c["type"], c["format"], c["priority"]) for c in NODE_COLUMNS] == [
        ("Name", "string", "name", 0),
        ("Status", "string", "", 0),
        ("Roles", "string", "", 0),
        ("Age", "string", "", 0),
        ("Version", "string", "", 0),
        ("Internal-IP", "string", "", 1),
        ("External-IP", "string", "", 1),
        ("OS-Image", "string", "", 1),
        ("Kernel-Version", "string", "", 1),
        ("Container-Runtime", "string", "", 1),
    ]
    assert NODE_COLUMNS[1]["description"] == "The status of the node"
    assert NODE_COLUMNS[2]["description"] == "The roles of the node"


# ----------------------------------------------------------------------------------
# pods: TestPrintPod
# ----------------------------------------------------------------------------------


def pod(name, *, containers=1, init=None, phase=None, reason=None, statuses=None, init_statuses=None,
        conditions=None, deletion=None, created=None, **spec_extra):
    p = {"metadata": {"name": name}, "spec": {"containers": [{} for _ in range(containers)]}, "status": {}}
    if init is not None:
        p["spec"]["initContainers"] = init
    p["spec"].update(spec_extra)
    st = p["status"]
    if phase is not None:
        st["phase"] = phase
    if reason is not None:
        st["reason"] = reason
    if statuses is not None:
        st["containerStatuses"] = statuses
    if init_statuses is not None:
        st["initContainerStatuses"] = init_statuses
    if conditions is not None:
        st["conditions"] = conditions
    if deletion is not None:
        p["metadata"]["deletionTimestamp"] = deletion
    if created is not None:
        p["metadata"]["creationTimestamp"] = created
    return p


RUNNING = {"running": {}}


def cs(ready=False, restarts=0, state=None, last_finished=None, **kw):
    c = {"ready": ready, "restartCount": restarts}
    if state is not None:
        c["state"] = state
    if last_finished is not None:
        c["lastState"] = {"terminated": {"finishedAt": last_finished}}
    c.update(kw)
    return c


def five(p):
    return pod_cells(p, NOW)[:5]


def test_print_pod_name_containers_restarts_ready():
    # TestPrintPod test1
    p = pod("test1", containers=2, phase="podPhase",
            statuses=[cs(True, 3, RUNNING), cs(restarts=3)])
    assert five(p) == ["test1", "1/2", "podPhase", "6", "<unknown>"]


def test_print_pod_container_waiting_reason_overwrites_phase():
    # TestPrintPod test2
    p = pod("test2", containers=2, phase="podPhase",
            statuses=[cs(True, 3, RUNNING), cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}})])
    assert five(p) == ["test2", "1/2", "ContainerWaitingReason", "6", "<unknown>"]


def test_print_pod_first_container_wins():
    # TestPrintPod test3 (statuses are walked last-to-first)
    p = pod("test3", containers=2, phase="podPhase", statuses=[
        cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}}),
        cs(restarts=3, state={"terminated": {"reason": "ContainerTerminatedReason"}}),
    ])
    assert five(p) == ["test3", "0/2", "ContainerWaitingReason", "6", "<unknown>"]


def test_print_pod_ready_without_running_state_is_not_counted():
    # TestPrintPod test4
    p = pod("test4", containers=2, phase="podPhase", statuses=[cs(True, 3, RUNNING), cs(True, 3)])
    assert five(p) == ["test4", "1/2", "podPhase", "6", "<unknown>"]


def test_print_pod_status_reason_overrides_phase():
    # TestPrintPod test5
    p = pod("test5", containers=2, phase="podPhase", reason="podReason",
            statuses=[cs(True, 3, RUNNING), cs(True, 3)])
    assert five(p) == ["test5", "1/2", "podReason", "6", "<unknown>"]


def test_print_pod_completed_and_running_without_ready_condition_is_notready():
    # TestPrintPod test6 (first case)
    p = pod("test6", containers=2, phase="Running", statuses=[
        cs(True, 3, {"terminated": {"reason": "Completed", "exitCode": 0}}),
        cs(True, 3, RUNNING),
    ])
    assert five(p) == ["test6", "1/2", "NotReady", "6", "<unknown>"]


def test_print_pod_completed_and_running_with_ready_condition_is_running():
    # TestPrintPod test6 (second case)
    p = pod("test6", containers=2, phase="Running", statuses=[
        cs(True, 3, {"terminated": {"reason": "Completed", "exitCode": 0}}),
        cs(True, 3, RUNNING),
    ], conditions=[{"type": "Ready", "status": "True"}])
    assert five(p) == ["test6", "1/2", "Running", "6", "<unknown>"]


def test_print_pod_init_container_restarting():
    # TestPrintPod test7
    p = pod("test7", init=[{}], phase="podPhase",
            init_statuses=[cs(False, 3, RUNNING, last_finished=ago(10))],
            statuses=[cs(False, 0, {"waiting": {}})])
    assert five(p) == ["test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>"]


def test_print_pod_two_init_containers_first_restarting():
    # TestPrintPod test8
    p = pod("test8", init=[{}, {}], phase="podPhase",
            init_statuses=[cs(False, 3, RUNNING, last_finished=ago(10)), cs(False, 0, {"waiting": {}})],
            statuses=[cs(False, 0, {"waiting": {}})])
    assert five(p) == ["test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"]


def test_print_pod_init_completed_then_restarting():
    # TestPrintPod test9
    p = pod("test9", init=[{}, {}], phase="podPhase",
            init_statuses=[cs(False, 0, {"terminated": {}}), cs(False, 3, RUNNING, last_finished=ago(10))],
            statuses=[cs(False, 0, {"waiting": {}})])
    assert five(p) == ["test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>"]


def test_print_pod_init_restarts_summed_latest_restart_wins():
    # TestPrintPod test10
    p = pod("test10", init=[{}, {}], phase="podPhase",
            init_statuses=[cs(False, 2, {"terminated": {}}, last_finished=ago(120)),
                           cs(False, 3, RUNNING, last_finished=ago(10))],
            statuses=[cs(False, 0, {"waiting": {}})])
    assert five(p) == ["test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"]


def test_print_pod_after_init_only_container_restarts_count():
    # TestPrintPod test11
    p = pod("test11", init=[{}], phase="Running",
            init_statuses=[cs(False, 2, {"terminated": {}}, last_finished=ago(120))],
            statuses=[cs(False, 4, RUNNING, last_finished=ago(20))])
    assert five(p) == ["test11", "0/1", "Running", "4 (20s ago)", "<unknown>"]


def test_print_pod_restarted_5d_ago():
    # TestPrintPod test12
    p = pod("test12", phase="Running", statuses=[cs(True, 3, RUNNING, last_finished=ago(5 * DAY))])
    assert five(p) == ["test12", "1/1", "Running", "3 (5d ago)", "<unknown>"]


def test_print_pod_one_never_restarted_other_10d_ago():
    # TestPrintPod test13
    p = pod("test13", containers=2, phase="Running",
            statuses=[cs(True, 0, RUNNING), cs(True, 3, RUNNING, last_finished=ago(10 * DAY))])
    assert five(p) == ["test13", "2/2", "Running", "3 (10d ago)", "<unknown>"]


def test_print_pod_most_recent_restart_is_shown():
    # TestPrintPod test14
    p = pod("test14", containers=2, phase="Running",
            statuses=[cs(True, 6, RUNNING, last_finished=ago(5 * DAY)),
                      cs(True, 3, RUNNING, last_finished=ago(20 * DAY))])
    assert five(p) == ["test14", "2/2", "Running", "9 (5d ago)", "<unknown>"]


def test_print_pod_scheduling_gated():
    # TestPrintPod test15
    p = pod("test15", containers=2, phase="podPhase",
            conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}])
    assert five(p) == ["test15", "0/2", "SchedulingGated", "0", "<unknown>"]


def test_print_pod_succeeded_completed_with_row_condition():
    # TestPrintPod test16
    p = pod("test16", phase="Succeeded",
            statuses=[cs(False, 0, {"terminated": {"reason": "Completed", "exitCode": 0}})])
    assert five(p) == ["test16", "0/1", "Completed", "0", "<unknown>"]
    assert P.pod_row_conditions(p) == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]


def test_print_pod_failed_error_with_row_condition():
    # TestPrintPod test17
    p = pod("test17", phase="Failed",
            statuses=[cs(False, 0, {"terminated": {"reason": "Error", "exitCode": 1}})])
    assert five(p) == ["test17", "0/1", "Error", "0", "<unknown>"]
    assert P.pod_row_conditions(p) == [
        {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}
    ]


def test_print_pod_succeeded_with_deletion_stays_completed():
    # TestPrintPod test18
    p = pod("test18", phase="Succeeded", deletion=ago(10),
            statuses=[cs(False, 0, {"terminated": {"reason": "Completed", "exitCode": 0}})])
    assert five(p) == ["test18", "0/1", "Completed", "0", "<unknown>"]


def test_print_pod_running_with_deletion_is_terminating():
    # TestPrintPod test19
    p = pod("test19", phase="Running", deletion=ago(10), statuses=[cs(False, 0, RUNNING)])
    assert five(p) == ["test19", "0/1", "Terminating", "0", "<unknown>"]


def test_print_pod_pending_with_deletion_is_terminating():
    # TestPrintPod test20
    p = pod("test20", phase="Pending", deletion=ago(10))
    assert five(p) == ["test20", "0/1", "Terminating", "0", "<unknown>"]


# ---- TestPrintPodWithRestartableInitContainer ------------------------------------

SIDECARS = [{"name": "restartable-init-1", "restartPolicy": "Always"},
            {"name": "restartable-init-2", "restartPolicy": "Always"}]


def test_sidecar_running_not_started():
    # TestPrintPodWithRestartableInitContainer case 1
    p = pod("test1", init=SIDECARS, phase="Pending",
            init_statuses=[cs(False, 3, RUNNING, last_finished=ago(10), name="restartable-init-1", started=False),
                           cs(False, 0, {"waiting": {}}, name="restartable-init-2", started=False)],
            statuses=[cs(False, 0, {"waiting": {}})],
            conditions=[{"type": "Initialized", "status": "False"}])
    assert five(p) == ["test1", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"]


def test_sidecar_first_started_second_not():
    # TestPrintPodWithRestartableInitContainer case 2
    p = pod("test1", init=SIDECARS, phase="Pending",
            init_statuses=[cs(False, 3, RUNNING, last_finished=ago(10), name="restartable-init-1", started=True),
                           cs(False, 0, RUNNING, name="restartable-init-2", started=False)],
            statuses=[cs(False, 0, {"waiting": {}})],
            conditions=[{"type": "Initialized", "status": "False"}])
    assert five(p) == ["test1", "0/3", "Init:1/2", "3 (10s ago)", "<unknown>"]


def test_sidecars_started_and_container_running():
    # TestPrintPodWithRestartableInitContainer case 3
    p = pod("test2", init=SIDECARS, phase="Running",
            init_statuses=[cs(False, 3, RUNNING, last_finished=ago(10), name="restartable-init-1", started=True),
                           cs(False, 0, RUNNING, name="restartable-init-2", started=True)],
            statuses=[cs(True, 4, RUNNING, last_finished=ago(20))],
            conditions=[{"type": "Initialized", "status": "True"}])
    assert five(p) == ["test2", "1/3", "Running", "7 (10s ago)", "<unknown>"]


def test_sidecars_failed_container_completed():
    # TestPrintPodWithRestartableInitContainer case 4
    p = pod("test3", init=SIDECARS, phase="Succeeded",
            init_statuses=[cs(False, 3, {"terminated": {"reason": "Error", "exitCode": 137}},
                              last_finished=ago(10), name="restartable-init-1", started=False),
                           cs(False, 0, {"terminated": {"reason": "Error", "exitCode": 137}},
                              name="restartable-init-2", started=False)],
            statuses=[cs(False, 4, {"terminated": {"reason": "Completed", "exitCode": 0}}, last_finished=ago(20))],
            conditions=[{"type": "Initialized", "status": "True"}])
    assert five(p) == ["test3", "0/3", "Completed", "7 (10s ago)", "<unknown>"]
    assert P.pod_row_conditions(p)[0]["reason"] == "Succeeded"


def test_statuses_for_unknown_containers():
    # TestPrintPodWithRestartableInitContainer case 5
    p = {"metadata": {"name": "test4"},
         "spec": {"initContainers": [{"name": "init1", "image": "initimage"},
                                     {"name": "sidecar1", "image": "sidecarimage", "restartPolicy": "Always"}],
                  "containers": [{"name": "container1", "image": "containerimage"}]},
         "status": {"phase": "Running",
                    "initContainerStatuses": [{"name": "initinvalid"}, {"name": "init1"}, {"name": "sidecar1"}],
                    "containerStatuses": [{"name": "containerinvalid"}, {"name": "container1"}]}}
    assert five(p) == ["test4", "0/2", "Init:0/2", "0", "<unknown>"]


# ---- TestPrintPodwide -------------------------------------------------------------

def test_print_pod_wide_ip_node_nominated_readiness_gates():
    # TestPrintPodwide case 1
    p = pod("test1", containers=2, phase="podPhase", nodeName="test1",
            readinessGates=[{"conditionType": "condition1"}, {"conditionType": "condition2"},
                            {"conditionType": "condition3"}],
            conditions=[{"type": "condition1", "status": "False"}, {"type": "condition2", "status": "True"}],
            statuses=[cs(True, 3, RUNNING), cs(restarts=3)])
    p["status"]["podIPs"] = [{"ip": "1.1.1.1"}]
    p["status"]["nominatedNodeName"] = "node1"
    assert pod_cells(p, NOW) == ["test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"]


def test_print_pod_wide_dual_stack_shows_first_ip():
    # TestPrintPodwide case 2
    p = pod("test1", containers=2, phase="podPhase", nodeName="test1",
            readinessGates=[{"conditionType": "condition1"}, {"conditionType": "condition2"},
                            {"conditionType": "condition3"}],
            conditions=[{"type": "condition1", "status": "False"}, {"type": "condition2", "status": "True"}],
            statuses=[cs(True, 3, RUNNING), cs(restarts=3)])
    p["status"]["podIPs"] = [{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}]
    p["status"]["nominatedNodeName"] = "node1"
    assert pod_cells(p, NOW)[5:] == ["1.1.1.1", "test1", "node1", "1/3"]


def test_print_pod_wide_none_placeholders():
    # TestPrintPodwide case 3
    p = pod("test2", containers=2, phase="podPhase", nodeName="",
            statuses=[cs(True, 3, RUNNING), cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}})])
    assert pod_cells(p, NOW) == ["test2", "1/2", "ContainerWaitingReason", "6", "<unknown>",
                                 "<none>", "<none>", "<none>", "<none>"]


def test_print_pod_wide_pod_ip_without_pod_ips():
    # v1->internal conversion fills podIPs from podIP; printPod then prints podIPs[0]
    p = pod("p", phase="Running")
    p["status"]["podIP"] = "10.0.0.7"
    assert pod_cells(p, NOW)[5] == "10.0.0.7"


# ---- TestPrintNonTerminatedPod / TestPrintPodConditions / TestPrintPodList ---------

@pytest.mark.parametrize("phase", ["Running", "Pending", "Unknown", "Succeeded", "Failed"])
def test_print_non_terminated_pod_phase_is_printed(phase):
    # TestPrintNonTerminatedPod
    p = pod("t", containers=2, phase=phase, statuses=[cs(True, 3, RUNNING), cs(restarts=3)])
    assert five(p) == ["t", "1/2", phase, "6", "<unknown>"]
    assert bool(P.pod_row_conditions(p)) == (phase in ("Succeeded", "Failed"))


def test_print_pod_list():
    # TestPrintPodList
    pods = [pod("test1", containers=2, phase="podPhase", statuses=[cs(True, 3, RUNNING), cs(True, 3, RUNNING)]),
            pod("test2", phase="podPhase", statuses=[cs(True, 1, RUNNING)])]
    cols, rows = table_rows("pods", pods, NOW)
    assert cols is POD_COLUMNS
    assert [r[:5] for r in rows] == [["test1", "2/2", "podPhase", "6", "<unknown>"],
                                     ["test2", "1/1", "podPhase", "1", "<unknown>"]]


# ---- further printPod branches (no dedicated Go test case) --------------------------

def test_crash_loop_back_off_with_restart_age():
    # printPod: container Waiting.Reason wins; restarts carry "(<age> ago)"
    p = pod("crash", phase="Running", created=ago(3 * HOUR), statuses=[
        cs(False, 5, {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
           last_finished=ago(90))])
    assert five(p) == ["crash", "0/1", "CrashLoopBackOff", "5 (90s ago)", "3h"]
    assert pod_restarts(p, NOW) == (5, "5 (90s ago)")


def test_init_err_image_pull():
    # printPod: init Waiting reason (not PodInitializing) -> "Init:" + reason
    p = pod("p", init=[{"name": "i"}], phase="Pending",
            init_statuses=[cs(False, 0, {"waiting": {"reason": "ErrImagePull"}}, name="i")],
            statuses=[cs(False, 0, {"waiting": {"reason": "PodInitializing"}})])
    assert pod_status_reason(p) == "Init:ErrImagePull"


def test_init_pod_initializing_counts_as_progress():
    # printPod: Waiting reason PodInitializing falls to the Init:i/n default
    p = pod("p", init=[{"name": "a"}, {"name": "b"}], phase="Pending",
            init_statuses=[cs(False, 0, {"terminated": {"exitCode": 0, "reason": "Completed"}}, name="a"),
                           cs(False, 0, {"waiting": {"reason": "PodInitializing"}}, name="b")])
    assert pod_status_reason(p) == "Init:1/2"


def test_init_failed_exit_code_signal_and_reason():
    # printPod: failed init container -> Init:<reason> | Init:Signal:<n> | Init:ExitCode:<n>
    base = dict(init=[{"name": "i"}], phase="Pending")
    p1 = pod("p", **base, init_statuses=[cs(state={"terminated": {"exitCode": 2, "reason": "Error"}}, name="i")])
    p2 = pod("p", **base, init_statuses=[cs(state={"terminated": {"exitCode": 137, "signal": 9}}, name="i")])
    p3 = pod("p", **base, init_statuses=[cs(state={"terminated": {"exitCode": 3}}, name="i")])
    assert [pod_status_reason(x) for x in (p1, p2, p3)] == ["Init:Error", "Init:Signal:9", "Init:ExitCode:3"]


def test_container_terminated_without_reason_signal_and_exit_code():
    # printPod: main container Terminated without reason -> Signal:<n> / ExitCode:<n>
    p1 = pod("p", phase="Running", statuses=[cs(state={"terminated": {"exitCode": 137, "signal": 9}})])
    p2 = pod("p", phase="Failed", statuses=[cs(state={"terminated": {"exitCode": 1}})])
    assert pod_status_reason(p1) == "Signal:9"
    assert pod_status_reason(p2) == "ExitCode:1"


def test_node_lost_pod_is_unknown():
    # printPod: DeletionTimestamp set and Status.Reason == NodeLost -> "Unknown"
    p = pod("p", phase="Running", reason="NodeLost", deletion=ago(60), statuses=[cs(True, 0, RUNNING)])
    assert pod_status_reason(p) == "Unknown"


def test_evicted_pod():
    # printPod: Status.Reason replaces the phase; Failed adds the "Completed" row condition
    p = pod("p", phase="Failed", reason="Evicted")
    assert five(p)[:3] == ["p", "0/1", "Evicted"]
    assert P.pod_row_conditions(p)[0]["reason"] == "Failed"


def test_sidecar_counts_in_ready_and_total():
    # printPod: restartable init containers add to total, started+ready ones to ready
    p = pod("p", init=[{"name": "proxy", "restartPolicy": "Always"}], phase="Running",
            init_statuses=[cs(True, 0, RUNNING, name="proxy", started=True)],
            statuses=[cs(True, 0, RUNNING)],
            conditions=[{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}])
    assert pod_ready(p) == "2/2"
    assert pod_status_reason(p) == "Running"


def test_restarts_without_finished_at_have_no_age():
    # printPod: restartsStr gets "(... ago)" only when lastRestartDate is not zero
    p = pod("p", phase="Running", statuses=[cs(True, 2, RUNNING)])
    assert pod_restarts(p, NOW) == (2, "2")


def test_pod_age_from_creation_timestamp():
    p = pod("p", phase="Running", created=ago(2 * DAY + 3 * HOUR))
    assert pod_cells(p, NOW)[4] == "2d3h"


# ----------------------------------------------------------------------------------
# nodes
# ----------------------------------------------------------------------------------

def node(name="foo", *, conditions=None, unschedulable=False, labels=None, addresses=None, info=None, created=None):
    n = {"metadata": {"name": name}, "spec": {}, "status": {}}
    if conditions is not None:
        n["status"]["conditions"] = conditions
    if unschedulable:
        n["spec"]["unschedulable"] = True
    if labels is not None:
        n["metadata"]["labels"] = labels
    if addresses is not None:
        n["status"]["addresses"] = addresses
    if info is not None:
        n["status"]["nodeInfo"] = info
    if created is not None:
        n["metadata"]["creationTimestamp"] = created
    return n


READY_T = {"type": "Ready", "status": "True"}
READY_F = {"type": "Ready", "status": "False"}


@pytest.mark.parametrize(
    "n,want",
    [
        (node("foo1", conditions=[READY_T]), "Ready"),
        (node("foo2", conditions=[READY_T], unschedulable=True), "Ready,SchedulingDisabled"),
        (node("foo3", conditions=[READY_T, READY_T]), "Ready"),
        (node("foo4", conditions=[READY_F]), "NotReady"),
        (node("foo5", conditions=[READY_F], unschedulable=True), "NotReady,SchedulingDisabled"),
        (node("foo6", conditions=[{"type": "InvalidValue", "status": "True"}]), "Unknown"),
        (node("foo7", conditions=[{}]), "Unknown"),
        (node("foo8", conditions=[{"type": "InvalidValue", "status": "True"}], unschedulable=True),
         "Unknown,SchedulingDisabled"),
        (node("foo9", conditions=[{}], unschedulable=True), "Unknown,SchedulingDisabled"),
    ],
)
def test_print_node_status(n, want):
    # TestPrintNodeStatus: Columns Name, Status, Roles, Age, KubeletVersion
    assert nonwide(NODE_COLUMNS, node_cells(n, NOW)) == [n["metadata"]["name"], want, "<none>", "<unknown>", ""]


def test_print_node_role():
    # TestPrintNodeRole
    assert node_roles(node("foo9")) == "<none>"
    assert node_roles(node("foo10", labels={"node-role.kubernetes.io/master": "",
                                            "node-role.kubernetes.io/control-plane": "",
                                            "node-role.kubernetes.io/proxy": "",
                                            "kubernetes.io/role": "node"})) == "control-plane,master,node,proxy"
    assert node_roles(node("foo11", labels={"kubernetes.io/role": "node"})) == "node"


def test_node_role_ignores_empty_suffix_and_empty_value():
    # findNodeRoles: "node-role.kubernetes.io/" alone and kubernetes.io/role="" add nothing
    assert node_roles(node(labels={"node-role.kubernetes.io/": "", "kubernetes.io/role": ""})) == "<none>"


def test_print_node_os_image():
    # TestPrintNodeOSImage
    ext = [{"type": "ExternalIP", "address": "1.1.1.1"}]
    assert node_cells(node("foo1", info={"osImage": "fake-os-image"}, addresses=ext), NOW) == [
        "foo1", "Unknown", "<none>", "<unknown>", "", "<none>", "1.1.1.1", "fake-os-image", "<unknown>", "<unknown>"]
    assert node_cells(node("foo2", info={"kernelVersion": "fake-kernel-version"}, addresses=ext), NOW) == [
        "foo2", "Unknown", "<none>", "<unknown>", "", "<none>", "1.1.1.1", "<unknown>", "fake-kernel-version",
        "<unknown>"]


def test_print_node_container_runtime_version():
    # TestPrintNodeContainerRuntimeVersion
    ext = [{"type": "ExternalIP", "address": "1.1.1.1"}]
    assert node_cells(node("foo1", info={"containerRuntimeVersion": "foo://1.2.3"}, addresses=ext), NOW)[7:] == [
        "<unknown>", "<unknown>", "foo://1.2.3"]
    assert node_cells(node("foo2", info={}, addresses=ext), NOW)[7:] == ["<unknown>", "<unknown>", "<unknown>"]


def test_print_node_name():
    # TestPrintNodeName
    assert nonwide(NODE_COLUMNS, node_cells(node("127.0.0.1"), NOW)) == ["127.0.0.1", "Unknown", "<none>", "<unknown>", ""]
    assert nonwide(NODE_COLUMNS, node_cells(node(""), NOW)) == ["", "Unknown", "<none>", "<unknown>", ""]


@pytest.mark.parametrize(
    "addresses,internal,external",
    [
        # TestPrintNodeExternalIP
        ([{"type": "ExternalIP", "address": "1.1.1.1"}], "<none>", "1.1.1.1"),
        ([{"type": "InternalIP", "address": "1.1.1.1"}], "1.1.1.1", "<none>"),
        ([{"type": "ExternalIP", "address": "2.2.2.2"}, {"type": "InternalIP", "address": "3.3.3.3"},
          {"type": "ExternalIP", "address": "4.4.4.4"}], "3.3.3.3", "2.2.2.2"),
        # TestPrintNodeInternalIP
        ([{"type": "InternalIP", "address": "2.2.2.2"}, {"type": "ExternalIP", "address": "3.3.3.3"},
          {"type": "InternalIP", "address": "4.4.4.4"}], "2.2.2.2", "3.3.3.3"),
    ],
)
def test_print_node_internal_external_ip(addresses, internal, external):
    cells = node_cells(node(addresses=addresses), NOW)
    assert cells[5:7] == [internal, external]


def test_node_kubeadm_control_plane_row():
    # printNode on a typical kubeadm control-plane node
    n = node("cp-1", conditions=[{"type": "MemoryPressure", "status": "False"}, READY_T],
             labels={"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "cp-1"},
             addresses=[{"type": "InternalIP", "address": "192.168.1.10"}, {"type": "Hostname", "address": "cp-1"}],
             info={"kubeletVersion": "v1.31.2", "osImage": "Ubuntu 24.04.1 LTS", "kernelVersion": "6.8.0-48-generic",
                   "containerRuntimeVersion": "containerd://1.7.22"},
             created=ago(45 * DAY))
    assert node_cells(n, NOW) == ["cp-1", "Ready", "control-plane", "45d", "v1.31.2", "192.168.1.10", "<none>",
                                  "Ubuntu 24.04.1 LTS", "6.8.0-48-generic", "containerd://1.7.22"]


# ----------------------------------------------------------------------------------
# other kinds
# ----------------------------------------------------------------------------------

def obj(name, created=None, **fields):
    o = {"metadata": {"name": name}}
    if created is not None:
        o["metadata"]["creationTimestamp"] = created
    o.update(fields)
    return o


def cells(resource, o):
    columns, fn = PRINTERS[resource]
    out = fn(o, NOW)
    assert len(out) == len(columns)
    return out


def test_print_namespace():
    # TestPrintNamespace
    assert cells("namespaces", obj("namespace1", ts(1.9), status={"phase": "FooStatus"})) == ["namespace1", "FooStatus", "0s"]
    assert cells("namespaces", obj("namespace2")) == ["namespace2", "", "<unknown>"]


def test_print_secret():
    # TestPrintSecret
    assert cells("secrets", obj("secret1", ts(1.9), type="kubernetes.io/service-account-token",
                                data={"token": "c2VjcmV0IGRhdGE="})) == [
        "secret1", "kubernetes.io/service-account-token", 1, "0s"]
    assert cells("secrets", obj("secret1", ts(1.9), type="kubernetes.io/service-account-token")) == [
        "secret1", "kubernetes.io/service-account-token", 0, "0s"]


def test_print_configmap():
    # TestPrintConfigMap
    assert cells("configmaps", obj("configmap1", ts(1.9))) == ["configmap1", 0, "0s"]
    assert cells("configmaps", obj("configmap2", ts(1.9), data={"foo": "bar"})) == ["configmap2", 1, "0s"]
    assert cells("configmaps", obj("configmap3", ts(1.9), data={"foo": "bar"},
                                   binaryData={"bin": "YmluYXJ5IGRhdGE="})) == ["configmap3", 2, "0s"]


def test_print_lease():
    # TestPrintLease
    assert cells("leases", obj("lease1", ts(1.9), spec={"holderIdentity": "holder1"})) == ["lease1", "holder1", "0s"]
    assert cells("leases", obj("lease2", ago(300), spec={"holderIdentity": "holder2"})) == ["lease2", "holder2", "5m"]


TEMPLATE = {"spec": {"containers": [{"name": "fake-container1", "image": "fake-image1"},
                                    {"name": "fake-container2", "image": "fake-image2"}]}}


def test_print_deployment():
    # TestPrintDeployment (non-wide and wide)
    d = obj("test1", ts(1.9), spec={"replicas": 5, "template": TEMPLATE,
                                     "selector": {"matchLabels": {"foo": "bar"}}},
            status={"replicas": 10, "updatedReplicas": 2, "availableReplicas": 1, "unavailableReplicas": 4})
    out = cells("deployments", d)
    assert nonwide(PRINTERS["deployments"][0], out) == ["test1", "0/5", 2, 1, "0s"]
    assert out == ["test1", "0/5", 2, 1, "0s", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"]


def test_print_daemonset():
    # TestPrintDaemonSet (non-wide and wide)
    ds = obj("test1", ts(1.9), spec={"template": TEMPLATE, "selector": {"matchLabels": {"foo": "bar"}}},
             status={"currentNumberScheduled": 2, "desiredNumberScheduled": 3, "numberReady": 1,
                     "updatedNumberScheduled": 2, "numberAvailable": 0})
    out = cells("daemonsets", ds)
    assert nonwide(PRINTERS["daemonsets"][0], out) == ["test1", 3, 2, 1, 2, 0, "<none>", "0s"]
    assert out[8:] == ["fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"]


def test_print_daemonset_list():
    # TestPrintDaemonSetList
    _, rows = table_rows("daemonsets", [
        obj("daemonset1", ts(1.9), spec={"template": TEMPLATE},
            status={"currentNumberScheduled": 2, "desiredNumberScheduled": 3, "numberReady": 1,
                    "updatedNumberScheduled": 2, "numberAvailable": 0}),
        obj("daemonset2", ts(1.9), spec={"template": {}, "selector": {"matchLabels": {"foo": "bar"}}},
            status={"currentNumberScheduled": 4, "desiredNumberScheduled": 2, "numberReady": 9,
                    "updatedNumberScheduled": 3, "numberAvailable": 3}),
    ], NOW)
    assert [r[:8] for r in rows] == [["daemonset1", 3, 2, 1, 2, 0, "<none>", "0s"],
                                     ["daemonset2", 2, 4, 9, 3, 3, "<none>", "0s"]]


def test_daemonset_node_selector():
    # printDaemonSet: labels.FormatLabels(template.spec.nodeSelector), keys sorted
    ds = obj("kube-proxy", spec={"template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux", "a": "b"}}}})
    assert cells("daemonsets", ds)[6] == "a=b,kubernetes.io/os=linux"


def test_print_replicaset():
    # TestPrintReplicaSet (non-wide and wide)
    rs = obj("test1", ts(1.9), spec={"replicas": 5, "template": TEMPLATE, "selector": {"matchLabels": {"foo": "bar"}}},
             status={"replicas": 5, "readyReplicas": 2})
    assert cells("replicasets", rs) == ["test1", 5, 5, 2, "0s", "fake-container1,fake-container2",
                                        "fake-image1,fake-image2", "foo=bar"]


def test_print_replicaset_list():
    # TestPrintReplicaSetList
    _, rows = table_rows("replicasets", [
        obj("replicaset1", ts(1.9), spec={"replicas": 5, "template": TEMPLATE}, status={"replicas": 5, "readyReplicas": 2}),
        obj("replicaset2", ts(1.9), spec={"replicas": 4, "template": {}, "selector": {"matchLabels": {"foo": "bar"}}},
            status={"replicas": 3, "readyReplicas": 1}),
    ], NOW)
    assert [r[:5] for r in rows] == [["replicaset1", 5, 5, 2, "0s"], ["replicaset2", 4, 3, 1, "0s"]]


def test_print_statefulset():
    # TestPrintStatefulSet (non-wide and wide)
    sts = obj("test1", ts(1.9), spec={"replicas": 5, "template": TEMPLATE}, status={"replicas": 5, "readyReplicas": 2})
    assert cells("statefulsets", sts) == ["test1", "2/5", "0s", "fake-container1,fake-container2",
                                          "fake-image1,fake-image2"]


JOB_TEMPLATE = {"spec": {"containers": [{"name": "fake-job-container1", "image": "fake-job-image1"},
                                        {"name": "fake-job-container2", "image": "fake-job-image2"}]}}


@pytest.mark.parametrize(
    "job,want",
    [
        # TestPrintJob job1 (non-wide / wide)
        (obj("job1", ts(1.9), spec={"completions": 2, "template": JOB_TEMPLATE,
                                    "selector": {"matchLabels": {"job-label": "job-label-value"}}},
             status={"succeeded": 1}),
         ["job1", "Running", "1/2", "", "0s", "fake-job-container1,fake-job-container2",
          "fake-job-image1,fake-job-image2", "job-label=job-label-value"]),
        # job2: ten-year age
        (obj("job2", ago(3652 * DAY), spec={}, status={"succeeded": 0}), ["job2", "Running", "0/1", "", "10y"]),
        # job3: duration from start to completion
        (obj("job3", ago(10 * YEAR), spec={}, status={"startTime": ts(MIN), "completionTime": ts(31 * MIN)}),
         ["job3", "Running", "0/1", "30m", "10y"]),
        # job4: running for 20m
        (obj("job4", ago(10 * YEAR), spec={}, status={"startTime": ago(20 * MIN)}), ["job4", "Running", "0/1", "20m", "10y"]),
        (obj("job5", ts(1.9), spec={}, status={"conditions": [{"type": "Complete", "status": "True"}]}),
         ["job5", "Complete", "0/1", "", "0s"]),
        (obj("job6", ts(1.9), spec={}, status={"conditions": [{"type": "Failed", "status": "True"}]}),
         ["job6", "Failed", "0/1", "", "0s"]),
        (obj("job7", ts(1.9), spec={}, status={"conditions": [{"type": "Suspended", "status": "True"}]}),
         ["job7", "Suspended", "0/1", "", "0s"]),
        (obj("job8", ts(1.9), spec={}, status={"conditions": [{"type": "FailureTarget", "status": "True"}]}),
         ["job8", "FailureTarget", "0/1", "", "0s"]),
        (dict(obj("job9", ts(1.9), spec={}), metadata={"name": "job9", "creationTimestamp": ts(1.9),
                                                        "deletionTimestamp": ts(1.9)}),
         ["job9", "Terminating", "0/1", "", "0s"]),
    ],
)
def test_print_job(job, want):
    # TestPrintJob
    out = cells("jobs", job)
    assert out[: len(want)] == want


def test_job_parallelism_completions():
    # printJob: completions nil and parallelism > 1 -> "<succeeded>/1 of <parallelism>"
    assert cells("jobs", obj("j", spec={"parallelism": 3}, status={"succeeded": 1}))[2] == "1/1 of 3"


@pytest.mark.parametrize(
    "spec,status,want",
    [
        ({"minAvailable": 2}, {"disruptionsAllowed": 1}, ["pdb", "2", "N/A", 1, "5m"]),
        ({"maxUnavailable": "25%"}, {}, ["pdb", "N/A", "25%", 0, "5m"]),
    ],
)
def test_print_pod_disruption_budget(spec, status, want):
    # printPodDisruptionBudget: IntOrString.String() or "N/A"; int64(DisruptionsAllowed)
    assert cells("poddisruptionbudgets", obj("pdb", ago(300), spec=spec, status=status)) == want


def ev(name, **fields):
    e = {"metadata": {"name": name},
         "involvedObject": {"kind": "Deployment", "name": "Deployment Name", "fieldPath": "spec.containers{foo}"},
         "reason": "Event Reason", "message": "Message Data", "type": "Warning",
         "source": {"component": "kubelet", "host": "Node1"}}
    e.update(fields)
    return e


@pytest.mark.parametrize(
    "event,want",
    [
        # Basic event (non-wide columns: Last Seen, Type, Reason, Object, Message)
        (ev("event1", source={"component": "kubelet"}, involvedObject={"kind": "Pod", "name": "Pod Name",
                                                                     "fieldPath": "spec.containers{foo}"},
            firstTimestamp=ago(3 * DAY), lastTimestamp=ago(2 * DAY), count=6, type="Normal"),
         ["2d", "Normal", "Event Reason", "pod/Pod Name", "spec.containers{foo}", "kubelet", "Message Data", "3d", 6,
          "event1"]),
        # Basic event; generate options=Wide
        (ev("event2", firstTimestamp=ago(3 * DAY), lastTimestamp=ago(2 * DAY), count=6),
         ["2d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1",
          "Message Data", "3d", 6, "event2"]),
        # w/o FirstTimestamp set
        (ev("event3", eventTime=ago(3 * DAY).replace("Z", ".000000Z"), lastTimestamp=ago(3 * DAY), count=1),
         ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1",
          "Message Data", "3d", 1, "event3"]),
        # w/o LastTimestamp set
        (ev("event4", eventTime=ago(3 * DAY), firstTimestamp=ago(3 * DAY), count=1),
         ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1",
          "Message Data", "3d", 1, "event4"]),
        # w/o FirstTimestamp and LastTimestamp set
        (ev("event5", eventTime=ago(3 * DAY), count=1),
         ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1",
          "Message Data", "3d", 1, "event5"]),
        # event series, w/o FirstTimestamp, LastTimestamp and Count set
        (ev("event6", series={"count": 2, "lastObservedTime": ago(2 * DAY)}, eventTime=ago(3 * DAY)),
         ["2d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1",
          "Message Data", "3d", 2, "event6"]),
        # singleton event, w/o FirstTimestamp, LastTimestamp and Count set
        (ev("event7", eventTime=ago(3 * DAY)),
         ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1",
          "Message Data", "3d", 1, "event7"]),
        # empty Source: reportingComponent / reportingInstance
        (ev("event2", source={}, reportingComponent="kubelet", reportingInstance="test",
            firstTimestamp=ago(3 * DAY), lastTimestamp=ago(2 * DAY), count=6),
         ["2d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, test",
          "Message Data", "3d", 6, "event2"]),
    ],
)
def test_print_event(event, want):
    # TestPrintEvent (wide row; the non-wide case is the priority-0 subset)
    assert cells("events", event) == want


def test_event_columns_and_kubectl_default_view():
    # AddHandlers eventColumnDefinitions: only Last Seen, Type, Reason, Object, Message are priority 0
    cols = PRINTERS["events"][0]
    assert [c["name"] for c in cols] == ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message",
                                         "First Seen", "Count", "Name"]
    assert [c["name"] for c in (cols[i] for i in kubectl_columns(cols))] == [
        "Last Seen", "Type", "Reason", "Object", "Message"]
    assert cols[-1]["format"] == "name" and cols[-1]["priority"] == 1


def test_event_message_is_trimmed():
    # printEvent: strings.TrimSpace(obj.Message)
    assert cells("events", ev("e", message="  Back-off pulling image\n"))[6] == "Back-off pulling image"


def test_other_column_types_match_add_handlers():
    def sig(res):
        return [(c["name"], c["type"], c["priority"]) for c in PRINTERS[res][0]]
    assert sig("deployments") == [("Name", "string", 0), ("Ready", "string", 0), ("Up-to-date", "string", 0),
                                  ("Available", "string", 0), ("Age", "string", 0), ("Containers", "string", 1),
                                  ("Images", "string", 1), ("Selector", "string", 1)]
    assert sig("replicasets") == [("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
                                  ("Ready", "integer", 0), ("Age", "string", 0), ("Containers", "string", 1),
                                  ("Images", "string", 1), ("Selector", "string", 1)]
    assert sig("jobs") == [("Name", "string", 0), ("Status", "string", 0), ("Completions", "string", 0),
                           ("Duration", "string", 0), ("Age", "string", 0), ("Containers", "string", 1),
                           ("Images", "string", 1), ("Selector", "string", 1)]
    assert sig("poddisruptionbudgets") == [("Name", "string", 0), ("Min Available", "string", 0),
                                           ("Max Unavailable", "string", 0), ("Allowed Disruptions", "integer", 0),
                                           ("Age", "string", 0)]
    assert sig("daemonsets")[6] == ("Node Selector", "string", 0)
    assert sig("statefulsets") == [("Name", "string", 0), ("Ready", "string", 0), ("Age", "string", 0),
                                   ("Containers", "string", 1), ("Images", "string", 1)]


def test_label_selector_formatting():
    # metav1.FormatLabelSelector / LabelSelectorAsSelector: requirements sorted by key, values sorted
    sel = {"matchLabels": {"tier": "web", "app": "x"},
           "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                                {"key": "zz", "operator": "DoesNotExist"},
                                {"key": "b", "operator": "Exists"}]}
    assert P.format_label_selector(sel) == "app=x,b,env in (dev,prod),tier=web,!zz"
    assert P.format_label_selector(None) == "<none>"
    assert P.format_label_selector({}) == "<none>"
    assert P.label_selector_string({"matchLabels": {}}) == ""


def test_default_convertor_name_and_created_at():
    # apiserver rest/table.go defaultTableConvertor: Name + "Created At" (date), UTC RFC3339
    assert [(c["name"], c["type"], c["format"]) for c in DEFAULT_COLUMNS] == [("Name", "string", "name"),
                                                                              ("Created At", "date", "")]
    cols, rows = table_rows("widgets.example.com", [obj("foo"), obj("bar", "2023-11-15T00:13:20+02:00")], NOW)
    assert cols is DEFAULT_COLUMNS
    assert rows == [["foo", "0001-01-01T00:00:00Z"], ["bar", "2023-11-14T22:13:20Z"]]


def test_build_table_shape():
    # what the API server returns for ?as=Table (includeObject=Metadata default, wide cells)
    p = pod("web-1", phase="Succeeded", created=ago(60))
    p["metadata"]["namespace"] = "default"
    t = build_table("pods", [p], NOW, resource_version="42")
    assert t["kind"] == "Table" and t["apiVersion"] == "meta.k8s.io/v1"
    assert t["metadata"] == {"resourceVersion": "42"}
    assert [c["name"] for c in t["columnDefinitions"]][-1] == "Readiness Gates"
    row = t["rows"][0]
    assert row["cells"] == ["web-1", "0/1", "Succeeded", "0", "60s", "<none>", "<none>", "<none>", "<none>"]
    assert row["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": p["metadata"]}
    assert row["conditions"][0]["reason"] == "Succeeded"
    assert build_table("pods", [p], NOW, no_headers=True)["columnDefinitions"] is None


# ----------------------------------------------------------------------------------
# kubectl text output
# ----------------------------------------------------------------------------------

def test_format_table_matches_kubectl_capture():
    # `kubectl get pods` against a v1.23 cluster (layout from the captured session):
    # header upper-cased, columns = widest cell + 3 spaces, last column unpadded.
    rows = [["web-79d88c97d6-4w4nl", "1/1", "Running", "0", "2d13h"],
            ["web-79d88c97d6-7ktck", "1/1", "Running", "0", "2d13h"]]
    assert format_table(["Name", "Ready", "Status", "Restarts", "Age"], rows) == (
        "NAME                   READY   STATUS    RESTARTS   AGE\n"
        "web-79d88c97d6-4w4nl   1/1     Running   0          2d13h\n"
        "web-79d88c97d6-7ktck   1/1     Running   0          2d13h\n"
    )


def test_format_table_minwidth_and_no_trailing_padding():
    # tabwriter minwidth=6: a column "A" of 1-char cells is 6 wide (1+3 < 6)
    out = format_table(["a", "b", "c"], [["x", "y", "z"], ["x", "yy", ""]])
    assert out == "A     B     C\nx     y     z\nx     yy    \n"
    assert all(not line.endswith(" ") for line in out.splitlines()[:2])


def test_format_table_no_rows_prints_nothing():
    # printTable: "avoid printing headers if we have no rows to display"
    assert format_table(["Name", "Age"], []) == ""


def test_format_table_no_headers():
    # no header line; column width is still max(minwidth 6, 1+3)
    assert format_table(["Name", "Age"], [["a", "1s"]], no_headers=True) == "a     1s\n"


def test_cell_text_conversion():
    # printTable: fmt.Sprint for non-strings, nil prints nothing, cut at first \n \r \f with "..."
    assert [cell_text(v) for v in (None, 3, True, False, 1.5, 1e6, "ok")] == ["", "3", "true", "false", "1.5",
                                                                             "1e+06", "ok"]
    assert cell_text("line1\nline2") == "line1..."
    assert cell_text("a\rb") == "a..."


def test_format_table_ints_and_multiline_message():
    out = format_table(["Name", "Data", "Msg"], [["cm", 12, "first\nsecond"]])
    assert out == "NAME   DATA   MSG\ncm     12     first...\n"


def test_tab_inside_cell_splits_like_go_tabwriter():
    # kubectl does not escape tabs: text/tabwriter treats one as a cell boundary.  Column 0
    # spans all lines (width 9+3); column 1 exists only on the line with 3 cells, so it
    # forms its own one-line block (width max(6, 1+3)) and the other lines' last cell is
    # written unpadded after column 0.
    out = format_table(["A", "B"], [["longvalue\tq", "z"], ["p", "r"]])
    assert out == "A           B\nlongvalue   q     z\np           r\n"


def test_kubectl_columns_wide():
    assert kubectl_columns(POD_COLUMNS) == [0, 1, 2, 3, 4]
    assert kubectl_columns(POD_COLUMNS, wide=True) == list(range(9))


def test_render_table_wide_and_all_namespaces():
    p1 = pod("web-1", phase="Running", created=ago(5 * MIN), nodeName="worker-1", statuses=[cs(True, 0, RUNNING)])
    p1["status"]["podIPs"] = [{"ip": "10.244.1.5"}]
    p2 = pod("crash", phase="Running", created=ago(3 * HOUR), nodeName="worker-2", statuses=[
        cs(False, 5, {"waiting": {"reason": "CrashLoopBackOff"}}, last_finished=ago(90))])
    cols, rows = table_rows("pods", [p1, p2], NOW)
    assert render_table(cols, rows, namespaces=["default", "kube-system"]) == (
        "NAMESPACE     NAME    READY   STATUS             RESTARTS      AGE\n"
        "default       web-1   1/1     Running            0             5m\n"
        "kube-system   crash   0/1     CrashLoopBackOff   5 (90s ago)   3h\n"
    )
    wide = render_table(cols, rows, wide=True)
    assert wide.splitlines()[0] == (
        "NAME    READY   STATUS             RESTARTS      AGE   IP           NODE       NOMINATED NODE   READINESS GATES")
    assert wide.splitlines()[2] == (
        "crash   0/1     CrashLoopBackOff   5 (90s ago)   3h    <none>       worker-2   <none>           <none>")


def test_render_table_show_labels():
    cols, rows = table_rows("namespaces", [obj("default", ago(DAY), status={"phase": "Active"})], NOW)
    assert render_table(cols, rows, labels=[{"kubernetes.io/metadata.name": "default"}]) == (
        "NAME      STATUS   AGE   LABELS\n"
        "default   Active   24h   kubernetes.io/metadata.name=default\n"
    )
