"""The Dask clusters the pipeline runs on: a local one, an existing scheduler, a GPU node, SLURM.

``python -m overparam run`` is serial by default and needs no Dask. With one of

- ``--workers N``: a ``distributed.LocalCluster`` of N worker processes on this machine, listening on
  127.0.0.1 only, with the dashboard off (``--dashboard`` puts it on 127.0.0.1 too);
- ``--scheduler tcp://HOST:PORT`` or ``tls://HOST:PORT``: a cluster someone started
  (``dask scheduler`` / ``dask worker``), with TLS files from the config below for ``tls://``;
- ``--cluster cuda``: a ``dask_cuda.LocalCUDACluster``, one worker per visible GPU, each chapter's
  ``device`` set to its worker's GPU (``pip install -e '.[cuda]'``);
- ``--cluster slurm``: a ``dask_jobqueue.SLURMCluster`` from the config below;

the chapters run as Dask tasks (``overparam.book.dask_run``) and the sweeps inside them
(``overparam.runtime.parallel.map``) shard over the same cluster.

Every worker offers the resource ``chapter=1``; a chapter task asks for it, so a worker runs at most
one chapter at a time, and then secedes from the worker's thread pool while its kernel runs, so the
sweep tasks the chapter sends can use that worker's thread: one worker cannot deadlock.

The config file (``--cluster-config PATH``, default ``overparam-cluster.toml`` at the repository
root; every key optional)::

    [slurm]                  # dask_jobqueue.SLURMCluster
    queue = "gpu"            # partition
    account = "myproject"
    jobs = 4                 # SLURM jobs (one worker each)
    cores = 8                # CPU cores per job (the worker's threads)
    memory = "64GB"          # per job
    gpus_per_job = 1         # adds #SBATCH --gres=gpu:N
    walltime = "04:00:00"
    interface = "ib0"        # the network the scheduler and workers talk on
    job_script_prologue = ["module load cuda", "source .venv/bin/activate"]

    [tls]                    # certificates for tls:// (distributed.Security)
    ca_file = "/path/ca.pem"
    cert = "/path/client-cert.pem"
    key = "/path/client-key.pem"

Under SLURM the scheduler (on this login node) is reached by compute nodes over the cluster's network:
give ``[tls]`` files (the scheduler then listens on ``tls://``), or run it only on a trusted network.
A plain ``tcp://`` scheduler runs any pickled function anyone who reaches it sends.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from ..runtime.parallel import SCHEDULER_ENV, TLS_ENV
from .cache import PipelineError

__all__ = ["CLUSTERS", "CONFIG_FILE", "ClusterSpec", "connect", "exposure_warning", "load_config", "local_cluster",
           "security", "slurm_cluster"]

CLUSTERS = ("local", "cuda", "slurm")
"""Cluster kinds of ``--cluster`` (``local`` is what ``--workers N`` starts)."""
CONFIG_FILE = "overparam-cluster.toml"
"""The default cluster config, at the repository root."""
RESOURCES = {"chapter": 1}
"""What each worker offers: one chapter at a time (sweep tasks ask for nothing)."""
NO_MALLOC_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
"""Dask config that keeps the nanny from setting ``MALLOC_TRIM_THRESHOLD_`` in its workers: fixing glibc's
trim threshold also freezes its mmap threshold, and the trainers' many short-lived tensors then cost a
page fault each (Figure 2's blocks ran 2.5-4x slower in a worker than in this process)."""


@dataclass(frozen=True)
class ClusterSpec:
    """How a run reaches its cluster.

    Parameters
    ----------
    kind : str
        ``local``, ``cuda`` or ``slurm`` (ignored when ``scheduler`` is given).
    workers : int
        Worker processes of a local cluster (``cuda``: at most one per GPU; 0 there means every GPU).
    threads : int
        Threads per worker.
    scheduler : str, optional
        An existing scheduler's address (``tcp://`` or ``tls://``).
    dashboard : bool
        Serve the dashboard (on 127.0.0.1 for a local cluster).
    config : dict
        The parsed config file (``load_config``).
    """

    kind: str = "local"
    workers: int = 1
    threads: int = 1
    scheduler: str | None = None
    dashboard: bool = False
    config: dict[str, Any] = field(default_factory=dict)


def load_config(path: str | Path | None, root: Path | None = None) -> dict[str, Any]:
    """Read the cluster config (TOML, see the module docstring).

    Parameters
    ----------
    path : str or Path, optional
        The file; None reads ``CONFIG_FILE`` under ``root`` when it exists.
    root : Path, optional
        The repository root.

    Returns
    -------
    dict
        Empty when there is no file.

    Raises
    ------
    PipelineError
        A named file that is missing or not valid TOML, or an unknown section or key.
    """
    if path is None:
        if root is None or not (root / CONFIG_FILE).exists():
            return {}
        path = root / CONFIG_FILE
    p = Path(path)
    if not p.exists():
        raise PipelineError(f"cluster config {p} does not exist")
    try:
        cfg = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise PipelineError(f"cluster config {p} is not valid TOML: {e}") from None
    known = {"slurm": {"queue", "account", "jobs", "cores", "memory", "gpus_per_job", "walltime", "interface",
                       "job_script_prologue"},
             "tls": {"ca_file", "cert", "key"}}
    for section, keys in cfg.items():
        if section not in known:
            raise PipelineError(f"unknown section [{section}] in {p}; valid: {', '.join(known)}")
        bad = set(keys) - known[section]
        if bad:
            raise PipelineError(f"unknown key(s) {', '.join(sorted(bad))} in [{section}] of {p}; "
                                f"valid: {', '.join(sorted(known[section]))}")
    return cfg


def security(config: dict[str, Any]) -> Any:
    """A ``distributed.Security`` from the config's ``[tls]`` files, or None without them.

    Parameters
    ----------
    config : dict

    Returns
    -------
    distributed.Security or None

    Raises
    ------
    PipelineError
        A ``[tls]`` section without all three files, or a file that does not exist.
    """
    tls = config.get("tls")
    if not tls:
        return None
    missing = [k for k in ("ca_file", "cert", "key") if not tls.get(k)]
    absent = [tls[k] for k in ("ca_file", "cert", "key") if tls.get(k) and not Path(tls[k]).exists()]
    if missing or absent:
        raise PipelineError(f"[tls] needs ca_file, cert and key that exist; missing: {missing}, absent: {absent}")
    from distributed import Security

    return Security(tls_ca_file=tls["ca_file"], tls_client_cert=tls["cert"], tls_client_key=tls["key"],
                    tls_scheduler_cert=tls["cert"], tls_scheduler_key=tls["key"], tls_worker_cert=tls["cert"],
                    tls_worker_key=tls["key"], require_encryption=True)


def local_cluster(workers: int, threads: int = 1, dashboard: bool = False, **kw: Any) -> Any:
    """A LocalCluster of worker processes on 127.0.0.1, each offering ``chapter=1``.

    Parameters
    ----------
    workers : int
        Worker processes.
    threads : int
        Threads per worker.
    dashboard : bool
        Serve the dashboard on 127.0.0.1 (a free port); off by default.
    **kw
        Passed on to ``distributed.LocalCluster``.

    Returns
    -------
    distributed.LocalCluster
    """
    import logging

    import dask
    from distributed import LocalCluster

    # The scheduler's HTTP server (health and info routes, and the dashboard when asked) would otherwise
    # take port 8787; it binds 127.0.0.1 on a free port, with the dashboard's pages only when asked.
    with dask.config.set(NO_MALLOC_TRIM):
        return LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True, host="127.0.0.1",
                            protocol="tcp", dashboard_address="127.0.0.1:0", worker_dashboard_address=None,
                            scheduler_kwargs={"dashboard": dashboard, "dashboard_address": "127.0.0.1:0"},
                            resources=dict(RESOURCES), silence_logs=logging.ERROR, **kw)


def cuda_cluster(workers: int, dashboard: bool = False) -> Any:
    """A ``dask_cuda.LocalCUDACluster``: one worker per GPU, on 127.0.0.1, each offering ``chapter=1``.

    Parameters
    ----------
    workers : int
        Workers (GPUs); 0 means every visible GPU.
    dashboard : bool
        Serve the dashboard on 127.0.0.1.

    Returns
    -------
    dask_cuda.LocalCUDACluster

    Raises
    ------
    PipelineError
        dask-cuda is not installed (the message says how to install it).
    """
    try:
        from dask_cuda import LocalCUDACluster
    except ImportError:
        raise PipelineError("--cluster cuda needs dask-cuda: pip install -e '.[cuda]'") from None
    import dask

    kw: dict[str, Any] = {"n_workers": workers} if workers else {}
    with dask.config.set(NO_MALLOC_TRIM):
        return LocalCUDACluster(host="127.0.0.1", protocol="tcp", threads_per_worker=1,
                                dashboard_address="127.0.0.1:0", worker_dashboard_address=None,
                                scheduler_kwargs={"dashboard": dashboard, "dashboard_address": "127.0.0.1:0"},
                                resources=dict(RESOURCES), **kw)


def slurm_cluster(config: dict[str, Any], dashboard: bool = False, scale: bool = True) -> Any:
    """A ``dask_jobqueue.SLURMCluster`` from the config's ``[slurm]`` section, scaled to its ``jobs``.

    Parameters
    ----------
    config : dict
        The parsed config (``load_config``); ``[tls]`` makes the scheduler listen on ``tls://``.
    dashboard : bool
        Serve the scheduler's dashboard.
    scale : bool
        Submit the jobs (``sbatch``); False only builds the cluster (its ``job_script()`` is readable).

    Returns
    -------
    dask_jobqueue.SLURMCluster
        Its ``job_script()`` is the batch script each job runs.
    """
    from dask_jobqueue import SLURMCluster

    s = config.get("slurm", {})
    cores = int(s.get("cores", 1))
    directives = [f"--gres=gpu:{int(s['gpus_per_job'])}"] if s.get("gpus_per_job") else []
    sec = security(config)
    kw: dict[str, Any] = {"security": sec, "protocol": "tls://"} if sec else {}
    cluster = SLURMCluster(
        queue=s.get("queue"), account=s.get("account"), cores=cores, processes=1,
        memory=s.get("memory", "8GB"), walltime=s.get("walltime", "01:00:00"), interface=s.get("interface"),
        job_extra_directives=directives,
        # the workers' nannies leave glibc's malloc thresholds alone (NO_MALLOC_TRIM, as dask config from the environment)
        job_script_prologue=[*s.get("job_script_prologue", []),
                             "export DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON=\"{'MALLOC_TRIM_THRESHOLD_': None}\""],
        worker_extra_args=["--resources", ",".join(f"{k}={v}" for k, v in RESOURCES.items())],
        scheduler_options={"dashboard_address": ":8787" if dashboard else None}, **kw)
    if scale:
        cluster.scale(jobs=int(s.get("jobs", 1)))
    return cluster


def kernel_env(address: str, config: dict[str, Any]) -> dict[str, str]:
    """The environment a chapter's kernel needs to send its sweeps to the cluster.

    Parameters
    ----------
    address : str
        The scheduler's address.
    config : dict
        The parsed config (its ``[tls]`` files are passed on).

    Returns
    -------
    dict
        ``OVERPARAM_SCHEDULER`` and, with TLS, the three ``OVERPARAM_TLS_*`` files.
    """
    env = {SCHEDULER_ENV: address}
    tls = config.get("tls") or {}
    for k, name in (("ca_file", TLS_ENV["ca"]), ("cert", TLS_ENV["cert"]), ("key", TLS_ENV["key"])):
        if tls.get(k):
            env[name] = str(tls[k])
    return env


@contextlib.contextmanager
def connect(spec: ClusterSpec) -> Iterator[Any]:
    """A client of the cluster ``spec`` describes, started (and closed after) when it is ours.

    Parameters
    ----------
    spec : ClusterSpec

    Yields
    ------
    distributed.Client
        Connected; ``client.scheduler.address`` is what the kernels get.

    Raises
    ------
    PipelineError
        A ``tls://`` address without the config's ``[tls]`` files, an unknown cluster kind, or a scheduler
        that cannot be reached.
    """
    from distributed import Client

    cluster = None
    sec = security(spec.config)
    if spec.scheduler:
        if spec.scheduler.startswith("tls://") and sec is None:
            raise PipelineError("a tls:// scheduler needs a [tls] section in the cluster config")
        try:
            client = Client(spec.scheduler, security=sec, timeout="20s")
        except OSError as e:
            raise PipelineError(f"cannot reach the scheduler {spec.scheduler}: {e}") from None
    else:
        if spec.kind == "local":
            cluster = local_cluster(spec.workers, spec.threads, spec.dashboard)
        elif spec.kind == "cuda":
            cluster = cuda_cluster(spec.workers, spec.dashboard)
        elif spec.kind == "slurm":
            cluster = slurm_cluster(spec.config, spec.dashboard)
        else:
            raise PipelineError(f"unknown cluster {spec.kind!r}; valid: {', '.join(CLUSTERS)}")
        client = Client(cluster, security=sec)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def exposure_warning(address: str) -> str | None:
    """A warning for a plain ``tcp://`` scheduler beyond this machine, else None.

    Parameters
    ----------
    address : str

    Returns
    -------
    str or None
    """
    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if address.startswith("tcp://") and host not in ("127.0.0.1", "localhost", "::1"):
        return (f"warning: {address} is a plain tcp:// scheduler beyond this machine: anyone who reaches it can run "
                "code as you; use tls:// (a [tls] section in the cluster config) outside a trusted network")
    return None


def worker_threads() -> int:
    """This worker's thread share (1 outside a worker): what a chapter's kernel may use.

    Returns
    -------
    int
    """
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError):
        return max(1, os.cpu_count() or 1)
