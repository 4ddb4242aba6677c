"""The sweep map: thousands of independent runs, in this process or sharded over a Dask cluster.

An experiment with many independent pieces (one per (activation, n, realization) block of Figure 2, one
per width of a sweep) calls ``map(fn, items)`` instead of a loop. Without a cluster it is exactly the
loop, in this process, and needs no Dask. With a cluster (the ``scheduler`` argument, or the
``OVERPARAM_SCHEDULER`` environment variable that the pipeline sets in every chapter's kernel when it runs
on Dask) each item is one task, and the results come back in the order of ``items``.

Rules that make the two modes give identical numbers:

- ``fn`` is a module-level function (it is pickled by reference) and every item carries all it needs:
  its data or a recipe for it, and its own seed, derived by name from the chapter's stream with
  ``overparam.runtime.derive_seed(seed, name, *chunk_key)`` (``chunk_seeds``), never from a counter
  that depends on which process runs it.
- A task runs with its worker's thread share (Dask sets torch's, OpenMP's and BLAS's threads to the
  worker's ``nthreads``); a floating-point reduction can depend on the thread count, so results are
  bitwise equal when the serial run uses as many threads (the quick profile uses one everywhere).
- A task's result is moved to the CPU (``to_cpu``: torch tensors inside tuples, lists, dicts and
  dataclasses), in both modes, so no CUDA tensor crosses a process and serial results equal distributed
  ones.
- Each item travels pickled as one object (Dask would otherwise serialize every tensor on its own), so
  tensors shared inside an item (Figure 2's input groups) stay shared and batched on the worker.
- A task gets one retry when its worker dies (Dask's ``retries``); a task that raises fails the map with
  its own exception, raised here.

A task that itself waits on a sweep (a chapter run as a task, or ``map`` called from inside a task)
must not hold the only worker slot: inside a task ``map`` uses ``distributed.worker_client``, which
secedes from the worker's thread pool while it waits and rejoins after; the pipeline's chapter tasks
secede likewise (``overparam.book.cluster``). Security: a ``tls://`` address needs certificates, which
``OVERPARAM_TLS_CA``, ``OVERPARAM_TLS_CERT`` and ``OVERPARAM_TLS_KEY`` name (set by the pipeline from its
cluster config, ``overparam.book.cluster``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = ["SCHEDULER_ENV", "TLS_ENV", "chunk_seeds", "close_clients", "map", "scheduler_address", "security_from_env",
           "to_cpu"]

T = TypeVar("T")
R = TypeVar("R")

SCHEDULER_ENV = "OVERPARAM_SCHEDULER"
"""Environment variable with the address of the Dask scheduler the sweeps use (unset: serial)."""
TLS_ENV = {"ca": "OVERPARAM_TLS_CA", "cert": "OVERPARAM_TLS_CERT", "key": "OVERPARAM_TLS_KEY"}
"""Environment variables naming the TLS files a ``tls://`` scheduler needs (CA, client cert, its key)."""

_clients: dict[str, Any] = {}


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler a map uses: ``scheduler`` if given, else ``$OVERPARAM_SCHEDULER``, else None (serial).

    Parameters
    ----------
    scheduler : str, optional
        ``tcp://HOST:PORT`` or ``tls://HOST:PORT``; ``"serial"`` forces the serial loop.

    Returns
    -------
    str or None
    """
    addr = scheduler if scheduler is not None else os.environ.get(SCHEDULER_ENV) or None
    return None if addr in (None, "", "serial") else addr


def security_from_env() -> Any:
    """A ``distributed.Security`` from the ``TLS_ENV`` files, or None when none is set.

    Returns
    -------
    distributed.Security or None

    Raises
    ------
    ValueError
        Some but not all three files are named.
    """
    files = {k: os.environ.get(v) for k, v in TLS_ENV.items()}
    if not any(files.values()):
        return None
    if not all(files.values()):
        raise ValueError(f"TLS needs all of {', '.join(TLS_ENV.values())}; set: "
                         f"{', '.join(TLS_ENV[k] for k, v in files.items() if v)}")
    from distributed import Security

    return Security(tls_ca_file=files["ca"], tls_client_cert=files["cert"], tls_client_key=files["key"],
                    require_encryption=True)


def to_cpu(obj: Any) -> Any:
    """``obj`` with every torch tensor moved to the CPU (inside tuples, lists, dicts and dataclasses).

    Parameters
    ----------
    obj : Any

    Returns
    -------
    Any
        The same structure; objects without tensors are returned as they are.
    """
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu() if obj.device.type != "cpu" else obj
    if isinstance(obj, dict):
        return {k: to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(to_cpu(v) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: to_cpu(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj


def chunk_seeds(seed: int, name: str, keys: Iterable[int | str | tuple]) -> list[int]:
    """One seed per chunk, derived from the chapter seed, the stream's name and the chunk's key.

    Parameters
    ----------
    seed : int
        The root (a chapter's ``ch.seed_for(...)`` or its seed).
    name : str
        The stream's name.
    keys : iterable
        Each chunk's key: an int, a string or a tuple of them, e.g. ``("relu", 100, 3)``.

    Returns
    -------
    list of int
        ``derive_seed(seed, name, *key)`` per key: independent of how the chunks are scheduled.
    """
    from .seeds import derive_seed

    return [derive_seed(seed, name, *(k if isinstance(k, tuple) else (k,))) for k in keys]


def _run_one(fn: Callable[[Any], Any], item: Any) -> Any:
    """One task: ``fn(item)`` with its result on the CPU."""
    return to_cpu(fn(item))


def _run_pickled(fn: Callable[[Any], Any], payload: bytes) -> Any:
    """One Dask task: the item arrives pickled as one object, so tensors it shares keep being shared."""
    import pickle

    return _run_one(fn, pickle.loads(payload))


def _in_worker() -> bool:
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def _client(address: str) -> Any:
    """A client of ``address``, made once per process and reused by every later map."""
    from distributed import Client

    c = _clients.get(address)
    if c is None or c.status not in ("running", "connecting"):
        c = Client(address, security=security_from_env(), set_as_default=False, timeout="30s")
        _clients[address] = c
    return c


def close_clients() -> None:
    """Close the clients ``map`` keeps per scheduler address (before that scheduler goes away).

    Returns
    -------
    None
    """
    while _clients:
        _, client = _clients.popitem()
        client.close()


def map(fn: Callable[[T], R], items: Sequence[T], *, scheduler: str | None = None,
        keys: Sequence[str] | None = None, name: str | None = None, retries: int = 1) -> list[R]:
    """``[fn(x) for x in items]``, serially or as one Dask task per item.

    Parameters
    ----------
    fn : callable
        A module-level function of one item (picklable by reference).
    items : sequence
        The chunks, each with its own seed and data (see the module's rules).
    scheduler : str, optional
        A scheduler address; by default ``$OVERPARAM_SCHEDULER``; none: the plain loop in this process,
        unless ``map`` runs inside a Dask task, where it uses that task's cluster; ``"serial"``: always
        the plain loop.
    keys : sequence of str, optional
        Task names (shown in Dask's dashboard and logs), one per item; unique ones are made from
        ``name`` otherwise.
    name : str, optional
        Prefix of the task names (default: ``fn``'s name).
    retries : int
        Times Dask re-runs a task whose worker died (or that raised).

    Returns
    -------
    list
        ``fn(item)`` per item, in order, with tensors on the CPU.

    Raises
    ------
    Exception
        The first exception a task raised (after its retries).
    """
    items = list(items)
    address = scheduler_address(scheduler)
    inside = scheduler != "serial" and _in_worker()
    if address is None and not inside:
        return [_run_one(fn, x) for x in items]
    import uuid

    prefix = name or getattr(fn, "__name__", "task")
    tag = uuid.uuid4().hex[:8]
    keys = list(keys) if keys is not None else [f"{prefix}-{tag}-{i}" for i in range(len(items))]
    if len(keys) != len(items) or len(set(keys)) != len(keys):
        raise ValueError("keys must be unique, one per item")
    import pickle

    payloads = [pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL) for x in items]
    if inside:
        from distributed import worker_client

        with worker_client() as client:  # secedes while it waits, so one worker cannot deadlock
            futures = client.map(_run_pickled, [fn] * len(items), payloads, key=keys, pure=False, retries=retries)
            return client.gather(futures)
    client = _client(address)
    futures = client.map(_run_pickled, [fn] * len(items), payloads, key=keys, pure=False, retries=retries)
    try:
        return client.gather(futures)
    finally:
        for f in futures:
            f.release()
