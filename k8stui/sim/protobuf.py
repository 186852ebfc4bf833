"""Decode Kubernetes protobuf request bodies into the dicts their JSON encoding would give.

kubectl 1.35's typed clients (``kubectl create deployment``, ``create pdb``, ``auth can-i``, the
DeleteOptions of ``drain --disable-eviction``...) send ``application/vnd.kubernetes.protobuf`` and
do not fall back to JSON on a 415, so the simulated apiserver decodes them with ``decode_object``.

The wire format (k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go): the 4-byte magic
``k8s\\x00`` then a ``runtime.Unknown`` message (typeMeta{apiVersion=1, kind=2}=1, raw=2,
contentEncoding=3, contentType=4) whose ``raw`` is the object's own message.

The object is rebuilt the way the apiserver would see it after ``proto.Unmarshal`` into the Go
struct followed by ``json.Marshal``: camelCase JSON names, ``omitempty`` drops zero scalars and
empty lists/maps, pointers that were never set are absent, an absent non-omitempty list/map/pointer
is ``null``, structs are always present (``omitempty`` never drops a struct in encoding/json, only
``omitzero`` does), and the apimachinery types with their own marshalers keep their JSON forms:
Time (RFC 3339, zero -> null), MicroTime (RFC 3339 with microseconds), Duration ("1m30s"),
Quantity (its string), IntOrString (int or string), FieldsV1 and RawExtension (embedded JSON), and
``[]byte`` (base64).

The schema table below is transcribed from the k8s.io/api and apimachinery v0.35 types that
kubectl 1.35 is built from: the field numbers and names of their ``generated.proto`` files,
together with what the proto files do not say and the JSON encoding needs: each field's JSON name
and omitempty/omitzero from its Go struct tag, and whether the Go field is a pointer. One block per
message, one line per field::

    <number> <json name> <type> [?] [^] [inline]

type: ``string``, ``bool``, ``int32``, ``int64``, ``bytes`` or a message (``pkg.Name``); prefixed
by ``*`` for a Go pointer, ``[]`` for a repeated field, or written ``{T}`` for a ``map<string, T>``
(on the wire: repeated entry messages, key=1 value=2). ``?`` is ``omitempty``, ``^`` is
``omitzero``; ``inline`` (JSON name ``-``) is an embedded struct whose fields the JSON flattens
into the parent (``json:",inline"``) while protobuf nests it under its own field number.

It covers every message reachable from the kinds in ``KINDS`` and ``META_KINDS``. The JSON name is
the proto field name everywhere in it, including the odd ones (``podIP``, ``hostIPs``,
``externalIPs``, ``clusterIPs``, ``nonResourceURLs``, ``targetCPUUtilizationPercentage``, and
DaemonEndpoint's capitalised ``Port``). Go tags that disagree with the proto cardinality
(``qosClass``, ``podCIDRs``...: ``rep`` on a scalar or ``opt`` on a slice) follow the Go type, as
the generated code does; a message seen more than once is merged, a scalar's last value wins.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, NamedTuple

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(ValueError):
    """The body is not a well-formed Kubernetes protobuf object (the server answers 400)."""


class Field(NamedTuple):
    json: str                # JSON name; "-" for an inline (embedded) struct
    kind: str                # "string" | "bool" | "int32" | "int64" | "bytes" | "message"
    message: str | None      # message type for kind "message" (for a map: of the values)
    repeated: bool
    map: bool                # map<string, kind/message>
    pointer: bool = False    # Go pointer: absent means nil, a present zero value is kept
    omitempty: bool = False
    omitzero: bool = False
    inline: bool = False


_SCALARS = ("string", "bool", "int32", "int64", "bytes")

# apiVersion of the envelope -> the package alias used in the schema's message names
GROUP_VERSIONS = {
    "v1": "core",
    "apps/v1": "apps",
    "batch/v1": "batch",
    "policy/v1": "policy",
    "coordination.k8s.io/v1": "coordination",
    "autoscaling/v1": "autoscaling",
    "authorization.k8s.io/v1": "authorization",
    "meta.k8s.io/v1": "meta",
}

# the kinds a body may carry (what the apiserver has registered); meta kinds in every group version
KINDS = {
    "core": ("Namespace", "Node", "Pod", "ConfigMap", "Secret", "Service", "ServiceAccount", "Event",
             "Binding"),
    "apps": ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "ControllerRevision"),
    "batch": ("Job", "CronJob"),
    "policy": ("PodDisruptionBudget", "Eviction"),
    "coordination": ("Lease",),
    "autoscaling": ("Scale", "HorizontalPodAutoscaler"),
    "authorization": ("SelfSubjectAccessReview", "SelfSubjectRulesReview"),
}
META_KINDS = ("DeleteOptions", "Status")

_SCHEMA_TEXT = """
apps.ControllerRevision
  1 metadata meta.ObjectMeta ?
  2 data runtime.RawExtension ?
  3 revision int64
apps.DaemonSet
  1 metadata meta.ObjectMeta ?
  2 spec apps.DaemonSetSpec ?
  3 status apps.DaemonSetStatus ?
apps.DaemonSetCondition
  1 type string
  2 status string
  3 lastTransitionTime meta.Time ?
  4 reason string ?
  5 message string ?
apps.DaemonSetSpec
  1 selector *meta.LabelSelector
  2 template core.PodTemplateSpec
  3 updateStrategy apps.DaemonSetUpdateStrategy ?
  4 minReadySeconds int32 ?
  6 revisionHistoryLimit *int32 ?
apps.DaemonSetStatus
  1 currentNumberScheduled int32
  2 numberMisscheduled int32
  3 desiredNumberScheduled int32
  4 numberReady int32
  5 observedGeneration int64 ?
  6 updatedNumberScheduled int32 ?
  7 numberAvailable int32 ?
  8 numberUnavailable int32 ?
  9 collisionCount *int32 ?
  10 conditions []apps.DaemonSetCondition ?
apps.DaemonSetUpdateStrategy
  1 type string ?
  2 rollingUpdate *apps.RollingUpdateDaemonSet ?
apps.Deployment
  1 metadata meta.ObjectMeta ?
  2 spec apps.DeploymentSpec ?
  3 status apps.DeploymentStatus ?
apps.DeploymentCondition
  1 type string
  2 status string
  4 reason string ?
  5 message string ?
  6 lastUpdateTime meta.Time ?
  7 lastTransitionTime meta.Time ?
apps.DeploymentSpec
  1 replicas *int32 ?
  2 selector *meta.LabelSelector
  3 template core.PodTemplateSpec
  4 strategy apps.DeploymentStrategy ?
  5 minReadySeconds int32 ?
  6 revisionHistoryLimit *int32 ?
  7 paused bool ?
  9 progressDeadlineSeconds *int32 ?
apps.DeploymentStatus
  1 observedGeneration int64 ?
  2 replicas int32 ?
  3 updatedReplicas int32 ?
  4 availableReplicas int32 ?
  5 unavailableReplicas int32 ?
  6 conditions []apps.DeploymentCondition ?
  7 readyReplicas int32 ?
  8 collisionCount *int32 ?
  9 terminatingReplicas *int32 ?
apps.DeploymentStrategy
  1 type string ?
  2 rollingUpdate *apps.RollingUpdateDeployment ?
apps.ReplicaSet
  1 metadata meta.ObjectMeta ?
  2 spec apps.ReplicaSetSpec ?
  3 status apps.ReplicaSetStatus ?
apps.ReplicaSetCondition
  1 type string
  2 status string
  3 lastTransitionTime meta.Time ?
  4 reason string ?
  5 message string ?
apps.ReplicaSetSpec
  1 replicas *int32 ?
  2 selector *meta.LabelSelector
  3 template core.PodTemplateSpec ?
  4 minReadySeconds int32 ?
apps.ReplicaSetStatus
  1 replicas int32
  2 fullyLabeledReplicas int32 ?
  3 observedGeneration int64 ?
  4 readyReplicas int32 ?
  5 availableReplicas int32 ?
  6 conditions []apps.ReplicaSetCondition ?
  7 terminatingReplicas *int32 ?
apps.RollingUpdateDaemonSet
  1 maxUnavailable *intstr.IntOrString ?
  2 maxSurge *intstr.IntOrString ?
apps.RollingUpdateDeployment
  1 maxUnavailable *intstr.IntOrString ?
  2 maxSurge *intstr.IntOrString ?
apps.RollingUpdateStatefulSetStrategy
  1 partition *int32 ?
  2 maxUnavailable *intstr.IntOrString ?
apps.StatefulSet
  1 metadata meta.ObjectMeta ?
  2 spec apps.StatefulSetSpec ?
  3 status apps.StatefulSetStatus ?
apps.StatefulSetCondition
  1 type string
  2 status string
  3 lastTransitionTime meta.Time ?
  4 reason string ?
  5 message string ?
apps.StatefulSetOrdinals
  1 start int32
apps.StatefulSetPersistentVolumeClaimRetentionPolicy
  1 whenDeleted string ?
  2 whenScaled string ?
apps.StatefulSetSpec
  1 replicas *int32 ?
  2 selector *meta.LabelSelector
  3 template core.PodTemplateSpec
  4 volumeClaimTemplates []core.PersistentVolumeClaim ?
  5 serviceName string
  6 podManagementPolicy string ?
  7 updateStrategy apps.StatefulSetUpdateStrategy ?
  8 revisionHistoryLimit *int32 ?
  9 minReadySeconds int32 ?
  10 persistentVolumeClaimRetentionPolicy *apps.StatefulSetPersistentVolumeClaimRetentionPolicy ?
  11 ordinals *apps.StatefulSetOrdinals ?
apps.StatefulSetStatus
  1 observedGeneration int64 ?
  2 replicas int32
  3 readyReplicas int32 ?
  4 currentReplicas int32 ?
  5 updatedReplicas int32 ?
  6 currentRevision string ?
  7 updateRevision string ?
  9 collisionCount *int32 ?
  10 conditions []apps.StatefulSetCondition ?
  11 availableReplicas int32
apps.StatefulSetUpdateStrategy
  1 type string ?
  2 rollingUpdate *apps.RollingUpdateStatefulSetStrategy ?
authorization.FieldSelectorAttributes
  1 rawSelector string ?
  2 requirements []meta.FieldSelectorRequirement ?
authorization.LabelSelectorAttributes
  1 rawSelector string ?
  2 requirements []meta.LabelSelectorRequirement ?
authorization.NonResourceAttributes
  1 path string ?
  2 verb string ?
authorization.NonResourceRule
  1 verbs []string
  2 nonResourceURLs []string ?
authorization.ResourceAttributes
  1 namespace string ?
  2 verb string ?
  3 group string ?
  4 version string ?
  5 resource string ?
  6 subresource string ?
  7 name string ?
  8 fieldSelector *authorization.FieldSelectorAttributes ?
  9 labelSelector *authorization.LabelSelectorAttributes ?
authorization.ResourceRule
  1 verbs []string
  2 apiGroups []string ?
  3 resources []string ?
  4 resourceNames []string ?
authorization.SelfSubjectAccessReview
  1 metadata meta.ObjectMeta ?
  2 spec authorization.SelfSubjectAccessReviewSpec
  3 status authorization.SubjectAccessReviewStatus ?
authorization.SelfSubjectAccessReviewSpec
  1 resourceAttributes *authorization.ResourceAttributes ?
  2 nonResourceAttributes *authorization.NonResourceAttributes ?
authorization.SelfSubjectRulesReview
  1 metadata meta.ObjectMeta ?
  2 spec authorization.SelfSubjectRulesReviewSpec
  3 status authorization.SubjectRulesReviewStatus ?
authorization.SelfSubjectRulesReviewSpec
  1 namespace string ?
authorization.SubjectAccessReviewStatus
  1 allowed bool
  2 reason string ?
  3 evaluationError string ?
  4 denied bool ?
authorization.SubjectRulesReviewStatus
  1 resourceRules []authorization.ResourceRule
  2 nonResourceRules []authorization.NonResourceRule
  3 incomplete bool
  4 evaluationError string ?
autoscaling.CrossVersionObjectReference
  1 kind string
  2 name string
  3 apiVersion string ?
autoscaling.HorizontalPodAutoscaler
  1 metadata meta.ObjectMeta ?
  2 spec autoscaling.HorizontalPodAutoscalerSpec ?
  3 status autoscaling.HorizontalPodAutoscalerStatus ?
autoscaling.HorizontalPodAutoscalerSpec
  1 scaleTargetRef autoscaling.CrossVersionObjectReference
  2 minReplicas *int32 ?
  3 maxReplicas int32
  4 targetCPUUtilizationPercentage *int32 ?
autoscaling.HorizontalPodAutoscalerStatus
  1 observedGeneration *int64 ?
  2 lastScaleTime *meta.Time ?
  3 currentReplicas int32
  4 desiredReplicas int32
  5 currentCPUUtilizationPercentage *int32 ?
autoscaling.Scale
  1 metadata meta.ObjectMeta ?
  2 spec autoscaling.ScaleSpec ?
  3 status autoscaling.ScaleStatus ?
autoscaling.ScaleSpec
  1 replicas int32 ?
autoscaling.ScaleStatus
  1 replicas int32
  2 selector string ?
batch.CronJob
  1 metadata meta.ObjectMeta ?
  2 spec batch.CronJobSpec ?
  3 status batch.CronJobStatus ?
batch.CronJobSpec
  1 schedule string
  2 startingDeadlineSeconds *int64 ?
  3 concurrencyPolicy string ?
  4 suspend *bool ?
  5 jobTemplate batch.JobTemplateSpec
  6 successfulJobsHistoryLimit *int32 ?
  7 failedJobsHistoryLimit *int32 ?
  8 timeZone *string ?
batch.CronJobStatus
  1 active []core.ObjectReference ?
  4 lastScheduleTime *meta.Time ?
  5 lastSuccessfulTime *meta.Time ?
batch.Job
  1 metadata meta.ObjectMeta ?
  2 spec batch.JobSpec ?
  3 status batch.JobStatus ?
batch.JobCondition
  1 type string
  2 status string
  3 lastProbeTime meta.Time ?
  4 lastTransitionTime meta.Time ?
  5 reason string ?
  6 message string ?
batch.JobSpec
  1 parallelism *int32 ?
  2 completions *int32 ?
  3 activeDeadlineSeconds *int64 ?
  4 selector *meta.LabelSelector ?
  5 manualSelector *bool ?
  6 template core.PodTemplateSpec
  7 backoffLimit *int32 ?
  8 ttlSecondsAfterFinished *int32 ?
  9 completionMode *string ?
  10 suspend *bool ?
  11 podFailurePolicy *batch.PodFailurePolicy ?
  12 backoffLimitPerIndex *int32 ?
  13 maxFailedIndexes *int32 ?
  14 podReplacementPolicy *string ?
  15 managedBy *string ?
  16 successPolicy *batch.SuccessPolicy ?
batch.JobStatus
  1 conditions []batch.JobCondition ?
  2 startTime *meta.Time ?
  3 completionTime *meta.Time ?
  4 active int32 ?
  5 succeeded int32 ?
  6 failed int32 ?
  7 completedIndexes string ?
  8 uncountedTerminatedPods *batch.UncountedTerminatedPods ?
  9 ready *int32 ?
  10 failedIndexes *string ?
  11 terminating *int32 ?
batch.JobTemplateSpec
  1 metadata meta.ObjectMeta ?
  2 spec batch.JobSpec ?
batch.PodFailurePolicy
  1 rules []batch.PodFailurePolicyRule
batch.PodFailurePolicyOnExitCodesRequirement
  1 containerName *string ?
  2 operator string
  3 values []int32
batch.PodFailurePolicyOnPodConditionsPattern
  1 type string
  2 status string
batch.PodFailurePolicyRule
  1 action string
  2 onExitCodes *batch.PodFailurePolicyOnExitCodesRequirement ?
  3 onPodConditions []batch.PodFailurePolicyOnPodConditionsPattern ?
batch.SuccessPolicy
  1 rules []batch.SuccessPolicyRule
batch.SuccessPolicyRule
  1 succeededIndexes *string ?
  2 succeededCount *int32 ?
batch.UncountedTerminatedPods
  1 succeeded []string ?
  2 failed []string ?
coordination.Lease
  1 metadata meta.ObjectMeta ?
  2 spec coordination.LeaseSpec ?
coordination.LeaseSpec
  1 holderIdentity *string ?
  2 leaseDurationSeconds *int32 ?
  3 acquireTime *meta.MicroTime ?
  4 renewTime *meta.MicroTime ?
  5 leaseTransitions *int32 ?
  6 strategy *string ?
  7 preferredHolder *string ?
core.AWSElasticBlockStoreVolumeSource
  1 volumeID string
  2 fsType string ?
  3 partition int32 ?
  4 readOnly bool ?
core.Affinity
  1 nodeAffinity *core.NodeAffinity ?
  2 podAffinity *core.PodAffinity ?
  3 podAntiAffinity *core.PodAntiAffinity ?
core.AppArmorProfile
  1 type string
  2 localhostProfile *string ?
core.AttachedVolume
  1 name string
  2 devicePath string
core.AzureDiskVolumeSource
  1 diskName string
  2 diskURI string
  3 cachingMode *string ?
  4 fsType *string ?
  5 readOnly *bool ?
  6 kind *string ?
core.AzureFileVolumeSource
  1 secretName string
  2 shareName string
  3 readOnly bool ?
core.Binding
  1 metadata meta.ObjectMeta ?
  2 target core.ObjectReference
core.CSIVolumeSource
  1 driver string
  2 readOnly *bool ?
  3 fsType *string ?
  4 volumeAttributes {string} ?
  5 nodePublishSecretRef *core.LocalObjectReference ?
core.Capabilities
  1 add []string ?
  2 drop []string ?
core.CephFSVolumeSource
  1 monitors []string
  2 path string ?
  3 user string ?
  4 secretFile string ?
  5 secretRef *core.LocalObjectReference ?
  6 readOnly bool ?
core.CinderVolumeSource
  1 volumeID string
  2 fsType string ?
  3 readOnly bool ?
  4 secretRef *core.LocalObjectReference ?
core.ClientIPConfig
  1 timeoutSeconds *int32 ?
core.ClusterTrustBundleProjection
  1 name *string ?
  2 signerName *string ?
  3 labelSelector *meta.LabelSelector ?
  4 path string
  5 optional *bool ?
core.ConfigMap
  1 metadata meta.ObjectMeta ?
  2 data {string} ?
  3 binaryData {bytes} ?
  4 immutable *bool ?
core.ConfigMapEnvSource
  1 - core.LocalObjectReference inline
  2 optional *bool ?
core.ConfigMapKeySelector
  1 - core.LocalObjectReference inline
  2 key string
  3 optional *bool ?
core.ConfigMapNodeConfigSource
  1 namespace string
  2 name string
  3 uid string ?
  4 resourceVersion string ?
  5 kubeletConfigKey string
core.ConfigMapProjection
  1 - core.LocalObjectReference inline
  2 items []core.KeyToPath ?
  4 optional *bool ?
core.ConfigMapVolumeSource
  1 - core.LocalObjectReference inline
  2 items []core.KeyToPath ?
  3 defaultMode *int32 ?
  4 optional *bool ?
core.Container
  1 name string
  2 image string ?
  3 command []string ?
  4 args []string ?
  5 workingDir string ?
  6 ports []core.ContainerPort ?
  7 env []core.EnvVar ?
  8 resources core.ResourceRequirements ?
  9 volumeMounts []core.VolumeMount ?
  10 livenessProbe *core.Probe ?
  11 readinessProbe *core.Probe ?
  12 lifecycle *core.Lifecycle ?
  13 terminationMessagePath string ?
  14 imagePullPolicy string ?
  15 securityContext *core.SecurityContext ?
  16 stdin bool ?
  17 stdinOnce bool ?
  18 tty bool ?
  19 envFrom []core.EnvFromSource ?
  20 terminationMessagePolicy string ?
  21 volumeDevices []core.VolumeDevice ?
  22 startupProbe *core.Probe ?
  23 resizePolicy []core.ContainerResizePolicy ?
  24 restartPolicy *string ?
  25 restartPolicyRules []core.ContainerRestartRule ?
core.ContainerExtendedResourceRequest
  1 containerName string
  2 resourceName string
  3 requestName string
core.ContainerImage
  1 names []string
  2 sizeBytes int64 ?
core.ContainerPort
  1 name string ?
  2 hostPort int32 ?
  3 containerPort int32
  4 protocol string ?
  5 hostIP string ?
core.ContainerResizePolicy
  1 resourceName string
  2 restartPolicy string
core.ContainerRestartRule
  1 action string ?
  2 exitCodes *core.ContainerRestartRuleOnExitCodes ?
core.ContainerRestartRuleOnExitCodes
  1 operator string ?
  2 values []int32 ?
core.ContainerState
  1 waiting *core.ContainerStateWaiting ?
  2 running *core.ContainerStateRunning ?
  3 terminated *core.ContainerStateTerminated ?
core.ContainerStateRunning
  1 startedAt meta.Time ?
core.ContainerStateTerminated
  1 exitCode int32
  2 signal int32 ?
  3 reason string ?
  4 message string ?
  5 startedAt meta.Time ?
  6 finishedAt meta.Time ?
  7 containerID string ?
core.ContainerStateWaiting
  1 reason string ?
  2 message string ?
core.ContainerStatus
  1 name string
  2 state core.ContainerState ?
  3 lastState core.ContainerState ?
  4 ready bool
  5 restartCount int32
  6 image string
  7 imageID string
  8 containerID string ?
  9 started *bool ?
  10 allocatedResources {resource.Quantity} ?
  11 resources *core.ResourceRequirements ?
  12 volumeMounts []core.VolumeMountStatus ?
  13 user *core.ContainerUser ?
  14 allocatedResourcesStatus []core.ResourceStatus ?
  15 stopSignal *string ?
core.ContainerUser
  1 linux *core.LinuxContainerUser ?
core.DaemonEndpoint
  1 Port int32
core.DownwardAPIProjection
  1 items []core.DownwardAPIVolumeFile ?
core.DownwardAPIVolumeFile
  1 path string
  2 fieldRef *core.ObjectFieldSelector ?
  3 resourceFieldRef *core.ResourceFieldSelector ?
  4 mode *int32 ?
core.DownwardAPIVolumeSource
  1 items []core.DownwardAPIVolumeFile ?
  2 defaultMode *int32 ?
core.EmptyDirVolumeSource
  1 medium string ?
  2 sizeLimit *resource.Quantity ?
core.EnvFromSource
  1 prefix string ?
  2 configMapRef *core.ConfigMapEnvSource ?
  3 secretRef *core.SecretEnvSource ?
core.EnvVar
  1 name string
  2 value string ?
  3 valueFrom *core.EnvVarSource ?
core.EnvVarSource
  1 fieldRef *core.ObjectFieldSelector ?
  2 resourceFieldRef *core.ResourceFieldSelector ?
  3 configMapKeyRef *core.ConfigMapKeySelector ?
  4 secretKeyRef *core.SecretKeySelector ?
  5 fileKeyRef *core.FileKeySelector ?
core.EphemeralContainer
  1 - core.EphemeralContainerCommon inline
  2 targetContainerName string ?
core.EphemeralContainerCommon
  1 name string
  2 image string ?
  3 command []string ?
  4 args []string ?
  5 workingDir string ?
  6 ports []core.ContainerPort ?
  7 env []core.EnvVar ?
  8 resources core.ResourceRequirements ?
  9 volumeMounts []core.VolumeMount ?
  10 livenessProbe *core.Probe ?
  11 readinessProbe *core.Probe ?
  12 lifecycle *core.Lifecycle ?
  13 terminationMessagePath string ?
  14 imagePullPolicy string ?
  15 securityContext *core.SecurityContext ?
  16 stdin bool ?
  17 stdinOnce bool ?
  18 tty bool ?
  19 envFrom []core.EnvFromSource ?
  20 terminationMessagePolicy string ?
  21 volumeDevices []core.VolumeDevice ?
  22 startupProbe *core.Probe ?
  23 resizePolicy []core.ContainerResizePolicy ?
  24 restartPolicy *string ?
  25 restartPolicyRules []core.ContainerRestartRule ?
core.EphemeralVolumeSource
  1 volumeClaimTemplate *core.PersistentVolumeClaimTemplate ?
core.Event
  1 metadata meta.ObjectMeta
  2 involvedObject core.ObjectReference
  3 reason string ?
  4 message string ?
  5 source core.EventSource ?
  6 firstTimestamp meta.Time ?
  7 lastTimestamp meta.Time ?
  8 count int32 ?
  9 type string ?
  10 eventTime meta.MicroTime ?
  11 series *core.EventSeries ?
  12 action string ?
  13 related *core.ObjectReference ?
  14 reportingComponent string
  15 reportingInstance string
core.EventSeries
  1 count int32 ?
  2 lastObservedTime meta.MicroTime ?
core.EventSource
  1 component string ?
  2 host string ?
core.ExecAction
  1 command []string ?
core.FCVolumeSource
  1 targetWWNs []string ?
  2 lun *int32 ?
  3 fsType string ?
  4 readOnly bool ?
  5 wwids []string ?
core.FileKeySelector
  1 volumeName string
  2 path string
  3 key string
  4 optional *bool ?
core.FlexVolumeSource
  1 driver string
  2 fsType string ?
  3 secretRef *core.LocalObjectReference ?
  4 readOnly bool ?
  5 options {string} ?
core.FlockerVolumeSource
  1 datasetName string ?
  2 datasetUUID string ?
core.GCEPersistentDiskVolumeSource
  1 pdName string
  2 fsType string ?
  3 partition int32 ?
  4 readOnly bool ?
core.GRPCAction
  1 port int32
  2 service *string
core.GitRepoVolumeSource
  1 repository string
  2 revision string ?
  3 directory string ?
core.GlusterfsVolumeSource
  1 endpoints string
  2 path string
  3 readOnly bool ?
core.HTTPGetAction
  1 path string ?
  2 port intstr.IntOrString
  3 host string ?
  4 scheme string ?
  5 httpHeaders []core.HTTPHeader ?
core.HTTPHeader
  1 name string
  2 value string
core.HostAlias
  1 ip string
  2 hostnames []string ?
core.HostIP
  1 ip string
core.HostPathVolumeSource
  1 path string
  2 type *string ?
core.ISCSIVolumeSource
  1 targetPortal string
  2 iqn string
  3 lun int32
  4 iscsiInterface string ?
  5 fsType string ?
  6 readOnly bool ?
  7 portals []string ?
  8 chapAuthDiscovery bool ?
  10 secretRef *core.LocalObjectReference ?
  11 chapAuthSession bool ?
  12 initiatorName *string ?
core.ImageVolumeSource
  1 reference string ?
  2 pullPolicy string ?
core.KeyToPath
  1 key string
  2 path string
  3 mode *int32 ?
core.Lifecycle
  1 postStart *core.LifecycleHandler ?
  2 preStop *core.LifecycleHandler ?
  3 stopSignal *string ?
core.LifecycleHandler
  1 exec *core.ExecAction ?
  2 httpGet *core.HTTPGetAction ?
  3 tcpSocket *core.TCPSocketAction ?
  4 sleep *core.SleepAction ?
core.LinuxContainerUser
  1 uid int64
  2 gid int64
  3 supplementalGroups []int64 ?
core.LoadBalancerIngress
  1 ip string ?
  2 hostname string ?
  3 ipMode *string ?
  4 ports []core.PortStatus ?
core.LoadBalancerStatus
  1 ingress []core.LoadBalancerIngress ?
core.LocalObjectReference
  1 name string ?
core.ModifyVolumeStatus
  1 targetVolumeAttributesClassName string ?
  2 status string
core.NFSVolumeSource
  1 server string
  2 path string
  3 readOnly bool ?
core.Namespace
  1 metadata meta.ObjectMeta ?
  2 spec core.NamespaceSpec ?
  3 status core.NamespaceStatus ?
core.NamespaceCondition
  1 type string
  2 status string
  4 lastTransitionTime meta.Time ?
  5 reason string ?
  6 message string ?
core.NamespaceSpec
  1 finalizers []string ?
core.NamespaceStatus
  1 phase string ?
  2 conditions []core.NamespaceCondition ?
core.Node
  1 metadata meta.ObjectMeta ?
  2 spec core.NodeSpec ?
  3 status core.NodeStatus ?
core.NodeAddress
  1 type string
  2 address string
core.NodeAffinity
  1 requiredDuringSchedulingIgnoredDuringExecution *core.NodeSelector ?
  2 preferredDuringSchedulingIgnoredDuringExecution []core.PreferredSchedulingTerm ?
core.NodeCondition
  1 type string
  2 status string
  3 lastHeartbeatTime meta.Time ?
  4 lastTransitionTime meta.Time ?
  5 reason string ?
  6 message string ?
core.NodeConfigSource
  2 configMap *core.ConfigMapNodeConfigSource ?
core.NodeConfigStatus
  1 assigned *core.NodeConfigSource ?
  2 active *core.NodeConfigSource ?
  3 lastKnownGood *core.NodeConfigSource ?
  4 error string ?
core.NodeDaemonEndpoints
  1 kubeletEndpoint core.DaemonEndpoint ?
core.NodeFeatures
  1 supplementalGroupsPolicy *bool ?
core.NodeRuntimeHandler
  1 name string
  2 features *core.NodeRuntimeHandlerFeatures ?
core.NodeRuntimeHandlerFeatures
  1 recursiveReadOnlyMounts *bool ?
  2 userNamespaces *bool ?
core.NodeSelector
  1 nodeSelectorTerms []core.NodeSelectorTerm
core.NodeSelectorRequirement
  1 key string
  2 operator string
  3 values []string ?
core.NodeSelectorTerm
  1 matchExpressions []core.NodeSelectorRequirement ?
  2 matchFields []core.NodeSelectorRequirement ?
core.NodeSpec
  1 podCIDR string ?
  2 externalID string ?
  3 providerID string ?
  4 unschedulable bool ?
  5 taints []core.Taint ?
  6 configSource *core.NodeConfigSource ?
  7 podCIDRs []string ?
core.NodeStatus
  1 capacity {resource.Quantity} ?
  2 allocatable {resource.Quantity} ?
  3 phase string ?
  4 conditions []core.NodeCondition ?
  5 addresses []core.NodeAddress ?
  6 daemonEndpoints core.NodeDaemonEndpoints ?
  7 nodeInfo core.NodeSystemInfo ?
  8 images []core.ContainerImage ?
  9 volumesInUse []string ?
  10 volumesAttached []core.AttachedVolume ?
  11 config *core.NodeConfigStatus ?
  12 runtimeHandlers []core.NodeRuntimeHandler ?
  13 features *core.NodeFeatures ?
  14 declaredFeatures []string ?
core.NodeSwapStatus
  1 capacity *int64 ?
core.NodeSystemInfo
  1 machineID string
  2 systemUUID string
  3 bootID string
  4 kernelVersion string
  5 osImage string
  6 containerRuntimeVersion string
  7 kubeletVersion string
  8 kubeProxyVersion string
  9 operatingSystem string
  10 architecture string
  11 swap *core.NodeSwapStatus ?
core.ObjectFieldSelector
  1 apiVersion string ?
  2 fieldPath string
core.ObjectReference
  1 kind string ?
  2 namespace string ?
  3 name string ?
  4 uid string ?
  5 apiVersion string ?
  6 resourceVersion string ?
  7 fieldPath string ?
core.PersistentVolumeClaim
  1 metadata meta.ObjectMeta ?
  2 spec core.PersistentVolumeClaimSpec ?
  3 status core.PersistentVolumeClaimStatus ?
core.PersistentVolumeClaimCondition
  1 type string
  2 status string
  3 lastProbeTime meta.Time ?
  4 lastTransitionTime meta.Time ?
  5 reason string ?
  6 message string ?
core.PersistentVolumeClaimSpec
  1 accessModes []string ?
  2 resources core.VolumeResourceRequirements ?
  3 volumeName string ?
  4 selector *meta.LabelSelector ?
  5 storageClassName *string ?
  6 volumeMode *string ?
  7 dataSource *core.TypedLocalObjectReference ?
  8 dataSourceRef *core.TypedObjectReference ?
  9 volumeAttributesClassName *string ?
core.PersistentVolumeClaimStatus
  1 phase string ?
  2 accessModes []string ?
  3 capacity {resource.Quantity} ?
  4 conditions []core.PersistentVolumeClaimCondition ?
  5 allocatedResources {resource.Quantity} ?
  7 allocatedResourceStatuses {string} ?
  8 currentVolumeAttributesClassName *string ?
  9 modifyVolumeStatus *core.ModifyVolumeStatus ?
core.PersistentVolumeClaimTemplate
  1 metadata meta.ObjectMeta ?
  2 spec core.PersistentVolumeClaimSpec
core.PersistentVolumeClaimVolumeSource
  1 claimName string
  2 readOnly bool ?
core.PhotonPersistentDiskVolumeSource
  1 pdID string
  2 fsType string ?
core.Pod
  1 metadata meta.ObjectMeta ?
  2 spec core.PodSpec ?
  3 status core.PodStatus ?
core.PodAffinity
  1 requiredDuringSchedulingIgnoredDuringExecution []core.PodAffinityTerm ?
  2 preferredDuringSchedulingIgnoredDuringExecution []core.WeightedPodAffinityTerm ?
core.PodAffinityTerm
  1 labelSelector *meta.LabelSelector ?
  2 namespaces []string ?
  3 topologyKey string
  4 namespaceSelector *meta.LabelSelector ?
  5 matchLabelKeys []string ?
  6 mismatchLabelKeys []string ?
core.PodAntiAffinity
  1 requiredDuringSchedulingIgnoredDuringExecution []core.PodAffinityTerm ?
  2 preferredDuringSchedulingIgnoredDuringExecution []core.WeightedPodAffinityTerm ?
core.PodCertificateProjection
  1 signerName string ?
  2 keyType string ?
  3 maxExpirationSeconds *int32 ?
  4 credentialBundlePath string ?
  5 keyPath string ?
  6 certificateChainPath string ?
  7 userAnnotations {string} ?
core.PodCondition
  1 type string
  2 status string
  3 lastProbeTime meta.Time ?
  4 lastTransitionTime meta.Time ?
  5 reason string ?
  6 message string ?
  7 observedGeneration int64 ?
core.PodDNSConfig
  1 nameservers []string ?
  2 searches []string ?
  3 options []core.PodDNSConfigOption ?
core.PodDNSConfigOption
  1 name string ?
  2 value *string ?
core.PodExtendedResourceClaimStatus
  1 requestMappings []core.ContainerExtendedResourceRequest
  2 resourceClaimName string
core.PodIP
  1 ip string
core.PodOS
  1 name string
core.PodReadinessGate
  1 conditionType string
core.PodResourceClaim
  1 name string
  3 resourceClaimName *string ?
  4 resourceClaimTemplateName *string ?
core.PodResourceClaimStatus
  1 name string
  2 resourceClaimName *string ?
core.PodSchedulingGate
  1 name string
core.PodSecurityContext
  1 seLinuxOptions *core.SELinuxOptions ?
  2 runAsUser *int64 ?
  3 runAsNonRoot *bool ?
  4 supplementalGroups []int64 ?
  5 fsGroup *int64 ?
  6 runAsGroup *int64 ?
  7 sysctls []core.Sysctl ?
  8 windowsOptions *core.WindowsSecurityContextOptions ?
  9 fsGroupChangePolicy *string ?
  10 seccompProfile *core.SeccompProfile ?
  11 appArmorProfile *core.AppArmorProfile ?
  12 supplementalGroupsPolicy *string ?
  13 seLinuxChangePolicy *string ?
core.PodSpec
  1 volumes []core.Volume ?
  2 containers []core.Container
  3 restartPolicy string ?
  4 terminationGracePeriodSeconds *int64 ?
  5 activeDeadlineSeconds *int64 ?
  6 dnsPolicy string ?
  7 nodeSelector {string} ?
  8 serviceAccountName string ?
  9 serviceAccount string ?
  10 nodeName string ?
  11 hostNetwork bool ?
  12 hostPID bool ?
  13 hostIPC bool ?
  14 securityContext *core.PodSecurityContext ?
  15 imagePullSecrets []core.LocalObjectReference ?
  16 hostname string ?
  17 subdomain string ?
  18 affinity *core.Affinity ?
  19 schedulerName string ?
  20 initContainers []core.Container ?
  21 automountServiceAccountToken *bool ?
  22 tolerations []core.Toleration ?
  23 hostAliases []core.HostAlias ?
  24 priorityClassName string ?
  25 priority *int32 ?
  26 dnsConfig *core.PodDNSConfig ?
  27 shareProcessNamespace *bool ?
  28 readinessGates []core.PodReadinessGate ?
  29 runtimeClassName *string ?
  30 enableServiceLinks *bool ?
  31 preemptionPolicy *string ?
  32 overhead {resource.Quantity} ?
  33 topologySpreadConstraints []core.TopologySpreadConstraint ?
  34 ephemeralContainers []core.EphemeralContainer ?
  35 setHostnameAsFQDN *bool ?
  36 os *core.PodOS ?
  37 hostUsers *bool ?
  38 schedulingGates []core.PodSchedulingGate ?
  39 resourceClaims []core.PodResourceClaim ?
  40 resources *core.ResourceRequirements ?
  41 hostnameOverride *string ?
  42 workloadRef *core.WorkloadReference ?
core.PodStatus
  1 phase string ?
  2 conditions []core.PodCondition ?
  3 message string ?
  4 reason string ?
  5 hostIP string ?
  6 podIP string ?
  7 startTime *meta.Time ?
  8 containerStatuses []core.ContainerStatus ?
  9 qosClass string ?
  10 initContainerStatuses []core.ContainerStatus ?
  11 nominatedNodeName string ?
  12 podIPs []core.PodIP ?
  13 ephemeralContainerStatuses []core.ContainerStatus ?
  14 resize string ?
  15 resourceClaimStatuses []core.PodResourceClaimStatus ?
  16 hostIPs []core.HostIP ?
  17 observedGeneration int64 ?
  18 extendedResourceClaimStatus *core.PodExtendedResourceClaimStatus ?
  19 allocatedResources {resource.Quantity} ?
  20 resources *core.ResourceRequirements ?
core.PodTemplateSpec
  1 metadata meta.ObjectMeta ?
  2 spec core.PodSpec ?
core.PortStatus
  1 port int32
  2 protocol string
  3 error *string ?
core.PortworxVolumeSource
  1 volumeID string
  2 fsType string ?
  3 readOnly bool ?
core.PreferredSchedulingTerm
  1 weight int32
  2 preference core.NodeSelectorTerm
core.Probe
  1 - core.ProbeHandler inline
  2 initialDelaySeconds int32 ?
  3 timeoutSeconds int32 ?
  4 periodSeconds int32 ?
  5 successThreshold int32 ?
  6 failureThreshold int32 ?
  7 terminationGracePeriodSeconds *int64 ?
core.ProbeHandler
  1 exec *core.ExecAction ?
  2 httpGet *core.HTTPGetAction ?
  3 tcpSocket *core.TCPSocketAction ?
  4 grpc *core.GRPCAction ?
core.ProjectedVolumeSource
  1 sources []core.VolumeProjection
  2 defaultMode *int32 ?
core.QuobyteVolumeSource
  1 registry string
  2 volume string
  3 readOnly bool ?
  4 user string ?
  5 group string ?
  6 tenant string ?
core.RBDVolumeSource
  1 monitors []string
  2 image string
  3 fsType string ?
  4 pool string ?
  5 user string ?
  6 keyring string ?
  7 secretRef *core.LocalObjectReference ?
  8 readOnly bool ?
core.ResourceClaim
  1 name string
  2 request string ?
core.ResourceFieldSelector
  1 containerName string ?
  2 resource string
  3 divisor resource.Quantity ?
core.ResourceHealth
  1 resourceID string
  2 health string ?
core.ResourceRequirements
  1 limits {resource.Quantity} ?
  2 requests {resource.Quantity} ?
  3 claims []core.ResourceClaim ?
core.ResourceStatus
  1 name string
  2 resources []core.ResourceHealth ?
core.SELinuxOptions
  1 user string ?
  2 role string ?
  3 type string ?
  4 level string ?
core.ScaleIOVolumeSource
  1 gateway string
  2 system string
  3 secretRef *core.LocalObjectReference
  4 sslEnabled bool ?
  5 protectionDomain string ?
  6 storagePool string ?
  7 storageMode string ?
  8 volumeName string ?
  9 fsType string ?
  10 readOnly bool ?
core.SeccompProfile
  1 type string
  2 localhostProfile *string ?
core.Secret
  1 metadata meta.ObjectMeta ?
  2 data {bytes} ?
  3 type string ?
  4 stringData {string} ?
  5 immutable *bool ?
core.SecretEnvSource
  1 - core.LocalObjectReference inline
  2 optional *bool ?
core.SecretKeySelector
  1 - core.LocalObjectReference inline
  2 key string
  3 optional *bool ?
core.SecretProjection
  1 - core.LocalObjectReference inline
  2 items []core.KeyToPath ?
  4 optional *bool ?
core.SecretVolumeSource
  1 secretName string ?
  2 items []core.KeyToPath ?
  3 defaultMode *int32 ?
  4 optional *bool ?
core.SecurityContext
  1 capabilities *core.Capabilities ?
  2 privileged *bool ?
  3 seLinuxOptions *core.SELinuxOptions ?
  4 runAsUser *int64 ?
  5 runAsNonRoot *bool ?
  6 readOnlyRootFilesystem *bool ?
  7 allowPrivilegeEscalation *bool ?
  8 runAsGroup *int64 ?
  9 procMount *string ?
  10 windowsOptions *core.WindowsSecurityContextOptions ?
  11 seccompProfile *core.SeccompProfile ?
  12 appArmorProfile *core.AppArmorProfile ?
core.Service
  1 metadata meta.ObjectMeta ?
  2 spec core.ServiceSpec ?
  3 status core.ServiceStatus ?
core.ServiceAccount
  1 metadata meta.ObjectMeta ?
  2 secrets []core.ObjectReference ?
  3 imagePullSecrets []core.LocalObjectReference ?
  4 automountServiceAccountToken *bool ?
core.ServiceAccountTokenProjection
  1 audience string ?
  2 expirationSeconds *int64 ?
  3 path string
core.ServicePort
  1 name string ?
  2 protocol string ?
  3 port int32
  4 targetPort intstr.IntOrString ?
  5 nodePort int32 ?
  6 appProtocol *string ?
core.ServiceSpec
  1 ports []core.ServicePort ?
  2 selector {string} ?
  3 clusterIP string ?
  4 type string ?
  5 externalIPs []string ?
  7 sessionAffinity string ?
  8 loadBalancerIP string ?
  9 loadBalancerSourceRanges []string ?
  10 externalName string ?
  11 externalTrafficPolicy string ?
  12 healthCheckNodePort int32 ?
  13 publishNotReadyAddresses bool ?
  14 sessionAffinityConfig *core.SessionAffinityConfig ?
  17 ipFamilyPolicy *string ?
  18 clusterIPs []string ?
  19 ipFamilies []string ?
  20 allocateLoadBalancerNodePorts *bool ?
  21 loadBalancerClass *string ?
  22 internalTrafficPolicy *string ?
  23 trafficDistribution *string ?
core.ServiceStatus
  1 loadBalancer core.LoadBalancerStatus ?
  2 conditions []meta.Condition ?
core.SessionAffinityConfig
  1 clientIP *core.ClientIPConfig ?
core.SleepAction
  1 seconds int64
core.StorageOSVolumeSource
  1 volumeName string ?
  2 volumeNamespace string ?
  3 fsType string ?
  4 readOnly bool ?
  5 secretRef *core.LocalObjectReference ?
core.Sysctl
  1 name string
  2 value string
core.TCPSocketAction
  1 port intstr.IntOrString
  2 host string ?
core.Taint
  1 key string
  2 value string ?
  3 effect string
  4 timeAdded *meta.Time ?
core.Toleration
  1 key string ?
  2 operator string ?
  3 value string ?
  4 effect string ?
  5 tolerationSeconds *int64 ?
core.TopologySpreadConstraint
  1 maxSkew int32
  2 topologyKey string
  3 whenUnsatisfiable string
  4 labelSelector *meta.LabelSelector ?
  5 minDomains *int32 ?
  6 nodeAffinityPolicy *string ?
  7 nodeTaintsPolicy *string ?
  8 matchLabelKeys []string ?
core.TypedLocalObjectReference
  1 apiGroup *string
  2 kind string
  3 name string
core.TypedObjectReference
  1 apiGroup *string
  2 kind string
  3 name string
  4 namespace *string ?
core.Volume
  1 name string
  2 - core.VolumeSource inline
core.VolumeDevice
  1 name string
  2 devicePath string
core.VolumeMount
  1 name string
  2 readOnly bool ?
  3 mountPath string
  4 subPath string ?
  5 mountPropagation *string ?
  6 subPathExpr string ?
  7 recursiveReadOnly *string ?
core.VolumeMountStatus
  1 name string
  2 mountPath string
  3 readOnly bool ?
  4 recursiveReadOnly *string ?
core.VolumeProjection
  1 secret *core.SecretProjection ?
  2 downwardAPI *core.DownwardAPIProjection ?
  3 configMap *core.ConfigMapProjection ?
  4 serviceAccountToken *core.ServiceAccountTokenProjection ?
  5 clusterTrustBundle *core.ClusterTrustBundleProjection ?
  6 podCertificate *core.PodCertificateProjection ?
core.VolumeResourceRequirements
  1 limits {resource.Quantity} ?
  2 requests {resource.Quantity} ?
core.VolumeSource
  1 hostPath *core.HostPathVolumeSource ?
  2 emptyDir *core.EmptyDirVolumeSource ?
  3 gcePersistentDisk *core.GCEPersistentDiskVolumeSource ?
  4 awsElasticBlockStore *core.AWSElasticBlockStoreVolumeSource ?
  5 gitRepo *core.GitRepoVolumeSource ?
  6 secret *core.SecretVolumeSource ?
  7 nfs *core.NFSVolumeSource ?
  8 iscsi *core.ISCSIVolumeSource ?
  9 glusterfs *core.GlusterfsVolumeSource ?
  10 persistentVolumeClaim *core.PersistentVolumeClaimVolumeSource ?
  11 rbd *core.RBDVolumeSource ?
  12 flexVolume *core.FlexVolumeSource ?
  13 cinder *core.CinderVolumeSource ?
  14 cephfs *core.CephFSVolumeSource ?
  15 flocker *core.FlockerVolumeSource ?
  16 downwardAPI *core.DownwardAPIVolumeSource ?
  17 fc *core.FCVolumeSource ?
  18 azureFile *core.AzureFileVolumeSource ?
  19 configMap *core.ConfigMapVolumeSource ?
  20 vsphereVolume *core.VsphereVirtualDiskVolumeSource ?
  21 quobyte *core.QuobyteVolumeSource ?
  22 azureDisk *core.AzureDiskVolumeSource ?
  23 photonPersistentDisk *core.PhotonPersistentDiskVolumeSource ?
  24 portworxVolume *core.PortworxVolumeSource ?
  25 scaleIO *core.ScaleIOVolumeSource ?
  26 projected *core.ProjectedVolumeSource ?
  27 storageos *core.StorageOSVolumeSource ?
  28 csi *core.CSIVolumeSource ?
  29 ephemeral *core.EphemeralVolumeSource ?
  30 image *core.ImageVolumeSource ?
core.VsphereVirtualDiskVolumeSource
  1 volumePath string
  2 fsType string ?
  3 storagePolicyName string ?
  4 storagePolicyID string ?
core.WeightedPodAffinityTerm
  1 weight int32
  2 podAffinityTerm core.PodAffinityTerm
core.WindowsSecurityContextOptions
  1 gmsaCredentialSpecName *string ?
  2 gmsaCredentialSpec *string ?
  3 runAsUserName *string ?
  4 hostProcess *bool ?
core.WorkloadReference
  1 name string
  2 podGroup string
  3 podGroupReplicaKey string ?
meta.Condition
  1 type string
  2 status string
  3 observedGeneration int64 ?
  4 lastTransitionTime meta.Time
  5 reason string
  6 message string
meta.DeleteOptions
  1 gracePeriodSeconds *int64 ?
  2 preconditions *meta.Preconditions ?
  3 orphanDependents *bool ?
  4 propagationPolicy *string ?
  5 dryRun []string ?
  6 ignoreStoreReadErrorWithClusterBreakingPotential *bool ?
meta.FieldSelectorRequirement
  1 key string
  2 operator string
  3 values []string ?
meta.LabelSelector
  1 matchLabels {string} ?
  2 matchExpressions []meta.LabelSelectorRequirement ?
meta.LabelSelectorRequirement
  1 key string
  2 operator string
  3 values []string ?
meta.ListMeta
  1 selfLink string ?
  2 resourceVersion string ?
  3 continue string ?
  4 remainingItemCount *int64 ?
meta.ManagedFieldsEntry
  1 manager string ?
  2 operation string ?
  3 apiVersion string ?
  4 time *meta.Time ?
  6 fieldsType string ?
  7 fieldsV1 *meta.FieldsV1 ?
  8 subresource string ?
meta.ObjectMeta
  1 name string ?
  2 generateName string ?
  3 namespace string ?
  4 selfLink string ?
  5 uid string ?
  6 resourceVersion string ?
  7 generation int64 ?
  8 creationTimestamp meta.Time ? ^
  9 deletionTimestamp *meta.Time ?
  10 deletionGracePeriodSeconds *int64 ?
  11 labels {string} ?
  12 annotations {string} ?
  13 ownerReferences []meta.OwnerReference ?
  14 finalizers []string ?
  17 managedFields []meta.ManagedFieldsEntry ?
meta.OwnerReference
  1 kind string
  3 name string
  4 uid string
  5 apiVersion string
  6 controller *bool ?
  7 blockOwnerDeletion *bool ?
meta.Preconditions
  1 uid *string ?
  2 resourceVersion *string ?
meta.Status
  1 metadata meta.ListMeta ?
  2 status string ?
  3 message string ?
  4 reason string ?
  5 details *meta.StatusDetails ?
  6 code int32 ?
meta.StatusCause
  1 reason string ?
  2 message string ?
  3 field string ?
meta.StatusDetails
  1 name string ?
  2 group string ?
  3 kind string ?
  4 causes []meta.StatusCause ?
  5 retryAfterSeconds int32 ?
  6 uid string ?
policy.Eviction
  1 metadata meta.ObjectMeta ?
  2 deleteOptions *meta.DeleteOptions ?
policy.PodDisruptionBudget
  1 metadata meta.ObjectMeta ?
  2 spec policy.PodDisruptionBudgetSpec ?
  3 status policy.PodDisruptionBudgetStatus ?
policy.PodDisruptionBudgetSpec
  1 minAvailable *intstr.IntOrString ?
  2 selector *meta.LabelSelector ?
  3 maxUnavailable *intstr.IntOrString ?
  4 unhealthyPodEvictionPolicy *string ?
policy.PodDisruptionBudgetStatus
  1 observedGeneration int64 ?
  2 disruptedPods {meta.Time} ?
  3 disruptionsAllowed int32
  4 currentHealthy int32
  5 desiredHealthy int32
  6 expectedPods int32
  7 conditions []meta.Condition ?
"""


def _parse_schema(text: str) -> dict[str, dict[int, Field]]:
    schema: dict[str, dict[int, Field]] = {}
    fields: dict[int, Field] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            fields = schema[line.strip()] = {}
            continue
        num, name, typ, *flags = line.split()
        pointer = typ.startswith("*")
        typ = typ.lstrip("*")
        repeated = typ.startswith("[]")
        if repeated:
            typ = typ[2:]
        is_map = typ.startswith("{")
        if is_map:
            typ = typ[1:-1]
        kind, message = (typ, None) if typ in _SCALARS else ("message", typ)
        fields[int(num)] = Field(name, kind, message, repeated, is_map, pointer, "?" in flags, "^" in flags,
                                 "inline" in flags)
    return schema


SCHEMA: dict[str, dict[int, Field]] = _parse_schema(_SCHEMA_TEXT)

# per message, the fields whose absence still shows in the JSON: null for a nil slice, map, pointer
# or []byte without omitempty; the zero value for any other field without omitempty; and every
# struct (omitempty never drops one)
_ABSENT: dict[str, list[tuple[int, Field]]] = {
    name: [(num, f) for num, f in fields.items()
           if not f.omitempty or (f.kind == "message" and not (f.pointer or f.repeated or f.map))]
    for name, fields in SCHEMA.items()
}


# ---- wire level -----------------------------------------------------------------------------

def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    if pos >= end:
        raise ProtobufError("unexpected EOF")
    b = buf[pos]
    if b < 0x80:
        return b, pos + 1
    result = b & 0x7F
    shift = 7
    pos += 1
    while True:
        if pos >= end:
            raise ProtobufError("unexpected EOF")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 70:
            raise ProtobufError("integer overflow")


def _scan(buf: bytes, pos: int, end: int) -> dict[int, list[tuple[int, Any]]]:
    """The fields of one message: number -> [(wire type, int or (start, end))] in wire order."""
    found: dict[int, list[tuple[int, Any]]] = {}
    while pos < end:
        key = buf[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = _varint(buf, pos, end)
        num = key >> 3
        wt = key & 7
        if num <= 0:
            raise ProtobufError(f"illegal tag {num} (wire type {wt})")
        if wt == 2:
            if pos < end and buf[pos] < 0x80:
                length = buf[pos]
                pos += 1
            else:
                length, pos = _varint(buf, pos, end)
            stop = pos + length
            if stop > end:
                raise ProtobufError("unexpected EOF")
            val: Any = (pos, stop)
            pos = stop
        elif wt == 0:
            val, pos = _varint(buf, pos, end)
        elif wt == 1 or wt == 5:
            pos += 8 if wt == 1 else 4
            if pos > end:
                raise ProtobufError("unexpected EOF")
            val = None  # no fixed-width fields in these APIs: only ever skipped
        else:
            raise ProtobufError(f"illegal wire type {wt} for field {num}")
        occ = found.get(num)
        if occ is None:
            found[num] = [(wt, val)]
        else:
            occ.append((wt, val))
    return found


def _int32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - 0x100000000 if v & 0x80000000 else v


def _int64(v: int) -> int:
    return v - 0x10000000000000000 if v & 0x8000000000000000 else v


def _wrong(name: str, wt: int) -> ProtobufError:
    return ProtobufError(f"proto: wrong wireType = {wt} for field {name}")


def _scalar(kind: str, name: str, buf: bytes, wt: int, val: Any) -> Any:
    if kind == "string" or kind == "bytes":
        if wt != 2:
            raise _wrong(name, wt)
        raw = buf[val[0]:val[1]]
        return raw.decode("utf-8", "replace") if kind == "string" else base64.b64encode(raw).decode("ascii")
    if wt != 0:
        raise _wrong(name, wt)
    if kind == "int32":
        return _int32(val)
    if kind == "int64":
        return _int64(val)
    return val != 0  # bool


_ZERO = {"string": "", "bool": False, "int32": 0, "int64": 0}


# ---- messages -------------------------------------------------------------------------------

def _decode(name: str, buf: bytes, start: int, end: int) -> Any:
    special = _SPECIAL.get(name)
    if special is not None:
        return special(buf, start, end)
    fields = SCHEMA[name]
    found = _scan(buf, start, end) if start < end else {}
    out: dict[str, Any] = {}
    for num, occ in found.items():
        f = fields.get(num)
        if f is None:
            continue  # a field this schema does not know: skipped, as newer clients may send them
        if f.repeated or f.map:
            value = _map(f, buf, occ) if f.map else _list(f, buf, occ)
            if value:
                out[f.json] = value
            elif not f.omitempty:
                out[f.json] = None
            continue
        value = _single(f, buf, occ)
        if f.pointer:
            out[f.json] = value  # set: kept even when it is the zero value
        elif f.inline:
            for k, v in value.items():
                out.setdefault(k, v)
        elif f.omitempty and f.kind != "message" and not value:
            continue
        elif f.omitzero and value == _zero_json(f):
            continue
        else:
            out[f.json] = value
    for num, f in _ABSENT[name]:
        if num in found:
            continue
        if f.repeated or f.map or f.pointer or f.kind == "bytes":
            out[f.json] = None  # a nil slice, map, pointer or []byte without omitempty
            continue
        value = _decode(f.message, b"", 0, 0) if f.kind == "message" else _ZERO[f.kind]
        if f.inline:
            for k, v in value.items():
                out.setdefault(k, v)
        elif not (f.omitzero and value == _zero_json(f)):
            out[f.json] = value
    return out


def _zero_json(f: Field) -> Any:
    return _decode(f.message, b"", 0, 0) if f.kind == "message" else _ZERO.get(f.kind, "")


def _single(f: Field, buf: bytes, occ: list[tuple[int, Any]]) -> Any:
    if f.kind != "message":
        wt, val = occ[-1]  # the last one wins
        return _scalar(f.kind, f.json, buf, wt, val)
    for wt, _ in occ:
        if wt != 2:
            raise _wrong(f.json, wt)
    if len(occ) == 1:
        s, e = occ[0][1]
        return _decode(f.message, buf, s, e)
    # a message repeated on the wire is merged, which is decoding the concatenation
    joined = b"".join(buf[s:e] for _, (s, e) in occ)
    return _decode(f.message, joined, 0, len(joined))


def _list(f: Field, buf: bytes, occ: list[tuple[int, Any]]) -> list[Any]:
    kind = f.kind
    items: list[Any] = []
    if kind == "message":
        msg = f.message
        for wt, val in occ:
            if wt != 2:
                raise _wrong(f.json, wt)
            items.append(_decode(msg, buf, val[0], val[1]))
    elif kind == "string" or kind == "bytes":
        for wt, val in occ:
            items.append(_scalar(kind, f.json, buf, wt, val))
    else:
        for wt, val in occ:
            if wt == 2:  # packed
                p, e = val
                while p < e:
                    v, p = _varint(buf, p, e)
                    items.append(_scalar(kind, f.json, buf, 0, v))
            else:
                items.append(_scalar(kind, f.json, buf, wt, val))
    return items


def _map(f: Field, buf: bytes, occ: list[tuple[int, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for wt, val in occ:
        if wt != 2:
            raise _wrong(f.json, wt)
        entry = _scan(buf, val[0], val[1])
        key = ""
        if 1 in entry:
            kwt, kval = entry[1][-1]
            key = _scalar("string", f.json, buf, kwt, kval)
        if 2 in entry:
            if f.kind == "message":
                value = _single(f, buf, entry[2])
            else:
                vwt, vval = entry[2][-1]
                value = _scalar(f.kind, f.json, buf, vwt, vval)
        elif f.kind == "message":
            value = _decode(f.message, b"", 0, 0)
        else:
            value = _ZERO.get(f.kind, "")  # bytes: an empty, non-nil []byte is ""
        out[key] = value
    return out


# ---- apimachinery types with their own wire and JSON forms ------------------------------------

def _last_int(found: dict[int, list[tuple[int, Any]]], num: int, name: str) -> int:
    occ = found.get(num)
    if not occ:
        return 0
    wt, val = occ[-1]
    if wt != 0:
        raise _wrong(name, wt)
    return _int64(val)


def _last_bytes(found: dict[int, list[tuple[int, Any]]], num: int, name: str, buf: bytes) -> bytes | None:
    occ = found.get(num)
    if not occ:
        return None
    wt, val = occ[-1]
    if wt != 2:
        raise _wrong(name, wt)
    return buf[val[0]:val[1]]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ZERO_TIME = -62135596800  # Unix seconds of Go's zero time.Time, 0001-01-01T00:00:00Z


def _timestamp(buf: bytes, start: int, end: int, micro: bool) -> str | None:
    if start == end:
        return None  # Time.Marshal writes nothing for the zero time; JSON says null
    found = _scan(buf, start, end)
    seconds = _last_int(found, 1, "seconds")
    nanos = _int32(_last_int(found, 2, "nanos"))
    seconds += nanos // 1_000_000_000
    nanos %= 1_000_000_000
    if seconds == _ZERO_TIME and nanos == 0:
        return None
    try:
        t = _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)
    except OverflowError:
        raise ProtobufError("Time.MarshalJSON: year outside of range [0,9999]") from None
    if micro:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(buf: bytes, start: int, end: int) -> str | None:
    return _timestamp(buf, start, end, False)


def _micro_time(buf: bytes, start: int, end: int) -> str | None:
    return _timestamp(buf, start, end, True)


def go_duration(ns: int) -> str:
    """Go's time.Duration.String(): "0s", "1.5s", "1m30s", "2h0m0s", "250ms"."""
    neg = ns < 0
    u = -ns if neg else ns

    def frac(v: int, prec: int) -> tuple[int, str]:
        q, r = divmod(v, 10 ** prec)
        digits = str(r).rjust(prec, "0").rstrip("0") if prec else ""
        return q, ("." + digits if digits else "")

    if u < 1_000_000_000:
        if u == 0:
            return "0s"
        unit, prec = ("ns", 0) if u < 1000 else ("µs", 3) if u < 1_000_000 else ("ms", 6)
        q, fs = frac(u, prec)
        out = f"{q}{fs}{unit}"
    else:
        secs, fs = frac(u, 9)
        hours, rem = divmod(secs, 3600)
        minutes, s = divmod(rem, 60)
        out = f"{s}{fs}s"
        if secs >= 60:
            out = f"{minutes}m{out}"
        if secs >= 3600:
            out = f"{hours}h{out}"
    return "-" + out if neg else out


def _duration(buf: bytes, start: int, end: int) -> str:
    return go_duration(_last_int(_scan(buf, start, end), 1, "duration"))


def _quantity(buf: bytes, start: int, end: int) -> str:
    raw = _last_bytes(_scan(buf, start, end), 1, "string", buf)
    if raw is None:
        return "0"  # the zero Quantity
    if not raw:
        raise ProtobufError("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    # the client writes Quantity.String(), already the canonical form the JSON would carry
    return raw.decode("utf-8", "replace")


def _int_or_string(buf: bytes, start: int, end: int) -> int | str:
    found = _scan(buf, start, end)
    typ = _last_int(found, 1, "type")
    if typ == 0:
        return _int32(_last_int(found, 2, "intVal"))
    if typ == 1:
        raw = _last_bytes(found, 3, "strVal", buf)
        return raw.decode("utf-8", "replace") if raw is not None else ""
    raise ProtobufError(f"impossible IntOrString.Type {typ}")


def _embedded_json(raw: bytes, what: str) -> Any:
    if raw.startswith(MAGIC):
        return decode_object(raw)
    try:
        return json.loads(raw)
    except ValueError as e:
        raise ProtobufError(f"{what} is not valid JSON: {e}") from None


def _fields_v1(buf: bytes, start: int, end: int) -> Any:
    raw = _last_bytes(_scan(buf, start, end), 1, "Raw", buf)
    return None if raw is None else _embedded_json(raw, "fieldsV1")


def _raw_extension(buf: bytes, start: int, end: int) -> Any:
    raw = _last_bytes(_scan(buf, start, end), 1, "raw", buf)
    return None if raw is None else _embedded_json(raw, "RawExtension")


_SPECIAL: dict[str, Callable[[bytes, int, int], Any]] = {
    "meta.Time": _time,
    "meta.MicroTime": _micro_time,
    "meta.Duration": _duration,
    "resource.Quantity": _quantity,
    "intstr.IntOrString": _int_or_string,
    "meta.FieldsV1": _fields_v1,
    "runtime.RawExtension": _raw_extension,
}


# ---- the envelope ---------------------------------------------------------------------------

def message_for(api_version: str, kind: str) -> str | None:
    """The schema message for an object's apiVersion and kind, or None when it is not registered."""
    alias = GROUP_VERSIONS.get(api_version)
    if alias is None:
        return None
    if kind in KINDS.get(alias, ()):
        return f"{alias}.{kind}"
    if kind in META_KINDS:
        return f"meta.{kind}"
    return None


def decode_object(body: bytes) -> dict[str, Any]:
    """One Kubernetes protobuf object (``k8s\\x00`` + runtime.Unknown) -> its JSON-shaped dict."""
    body = bytes(body)
    if not body.startswith(MAGIC):
        raise ProtobufError("provided data does not appear to be a protobuf message, expected prefix "
                            "[107 56 115 0]")
    try:
        env = _scan(body, len(MAGIC), len(body))
        api_version = kind = ""
        tm = _last_bytes(env, 1, "typeMeta", body)
        if tm is not None:
            meta = _scan(tm, 0, len(tm))
            api_version = (_last_bytes(meta, 1, "apiVersion", tm) or b"").decode("utf-8", "replace")
            kind = (_last_bytes(meta, 2, "kind", tm) or b"").decode("utf-8", "replace")
        raw = _last_bytes(env, 2, "raw", body) or b""
        # contentEncoding (3) and contentType (4) are ignored, as the apiserver's serializer does
        if not kind:
            raise ProtobufError("Object 'Kind' is missing in the protobuf envelope")
        if not api_version:
            raise ProtobufError("Object 'apiVersion' is missing in the protobuf envelope")
        message = message_for(api_version, kind)
        if message is None:
            raise ProtobufError(f'no kind "{kind}" is registered for version "{api_version}"')
        obj = _decode(message, raw, 0, len(raw))
    except ProtobufError:
        raise
    except (IndexError, ValueError, OverflowError, RecursionError) as e:
        raise ProtobufError(f"malformed protobuf body: {e}") from None
    return {"kind": kind, "apiVersion": api_version, **obj}
