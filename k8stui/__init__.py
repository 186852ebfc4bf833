"""k8stui: a keyboard-driven terminal admin console for kubeadm-built Kubernetes clusters."""

__version__ = "0.1.0"
