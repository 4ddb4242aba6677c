"""Cluster construction without a cluster: the config, TLS, SLURM's batch script, dask-cuda only when asked."""

import subprocess
import sys

import pytest

from overparam.book import cluster
from overparam.book.cache import PipelineError
from overparam.book.cli import main

pytest.importorskip("distributed")

SLURM = """
[slurm]
queue = "gpu"
account = "overparam"
jobs = 3
cores = 8
memory = "64GB"
gpus_per_job = 2
walltime = "04:00:00"
job_script_prologue = ["module load cuda", "source .venv/bin/activate"]
"""


def test_config_is_read_and_checked(tmp_path):
    assert cluster.load_config(None, tmp_path) == {}
    (tmp_path / cluster.CONFIG_FILE).write_text(SLURM)
    assert cluster.load_config(None, tmp_path)["slurm"]["gpus_per_job"] == 2
    bad = tmp_path / "bad.toml"
    for text, msg in [("[slrum]\nqueue = 'x'\n", "unknown section [slrum]"),
                      ("[slurm]\ngpus = 2\n", "unknown key(s) gpus in [slurm]"),
                      ("[slurm\n", "not valid TOML")]:
        bad.write_text(text)
        with pytest.raises(PipelineError, match=msg.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            cluster.load_config(bad)
    with pytest.raises(PipelineError, match="does not exist"):
        cluster.load_config(tmp_path / "missing.toml")


def test_slurm_job_script_without_a_cluster(tmp_path):
    """dask-jobqueue writes the batch script each job runs; no SLURM is needed to read it."""
    (tmp_path / "c.toml").write_text(SLURM)
    config = cluster.load_config(tmp_path / "c.toml")
    slurm = cluster.slurm_cluster(config, scale=False)  # no sbatch here: nothing is submitted
    try:
        script = slurm.job_script()
        assert "#SBATCH -p gpu" in script and "#SBATCH -A overparam" in script
        assert "#SBATCH --gres=gpu:2" in script and "#SBATCH -t 04:00:00" in script
        assert "#SBATCH --cpus-per-task=8" in script and "module load cuda" in script
        assert "--resources chapter=1" in script and "--nthreads 8" in script
        assert "export DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON=\"{'MALLOC_TRIM_THRESHOLD_': None}\"" in script
    finally:
        slurm.close()


def test_tls_needs_all_three_files_that_exist(tmp_path):
    assert cluster.security({}) is None
    with pytest.raises(PipelineError, match="missing: \\['key'\\]"):
        cluster.security({"tls": {"ca_file": "a", "cert": "b"}})
    files = {k: tmp_path / f"{k}.pem" for k in ("ca_file", "cert", "key")}
    with pytest.raises(PipelineError, match="absent"):
        cluster.security({"tls": {k: str(v) for k, v in files.items()}})
    for f in files.values():
        f.write_text("x")
    sec = cluster.security({"tls": {k: str(v) for k, v in files.items()}})
    assert sec.require_encryption and sec.tls_ca_file == str(files["ca_file"])
    env = cluster.kernel_env("tls://head:8786", {"tls": {k: str(v) for k, v in files.items()}})
    assert env == {"OVERPARAM_SCHEDULER": "tls://head:8786", "OVERPARAM_TLS_CA": str(files["ca_file"]),
                   "OVERPARAM_TLS_CERT": str(files["cert"]), "OVERPARAM_TLS_KEY": str(files["key"])}


def test_a_tls_scheduler_without_certificates_is_refused():
    with pytest.raises(PipelineError, match="tls:// scheduler needs a \\[tls\\] section"), \
            cluster.connect(cluster.ClusterSpec(scheduler="tls://127.0.0.1:1")):
        pass


def test_dask_cuda_is_imported_only_when_asked():
    code = ("import sys; import overparam.book.cluster, overparam.book.dask_run, overparam.runtime.parallel; "
            "print([m for m in ('dask_cuda', 'dask_jobqueue', 'distributed') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_cuda_cluster_without_dask_cuda_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask_cuda", None)  # as if it were not installed
    with pytest.raises(PipelineError, match=r"pip install -e '\.\[cuda\]'"):
        cluster.cuda_cluster(0)


@pytest.mark.parametrize("argv,msg", [
    (["run", "--cluster", "mars"], "unknown cluster 'mars'; valid: local, cuda, slurm"),
    (["run", "--scheduler", "http://h:1"], "expected tcp://HOST:PORT or tls://HOST:PORT"),
    (["run", "--scheduler", "tcp://h:1", "--workers", "2"], "--scheduler uses an existing cluster; drop --workers"),
    (["run", "--workers", "0"], "must be positive"),
    (["run", "--dashboard"], "need --workers, --scheduler or --cluster"),
    (["run", "--workers", "1", "--cluster-config", "/nonexistent.toml"], "does not exist"),
])
def test_cluster_options_are_checked_before_anything_starts(tmp_path, monkeypatch, capsys, argv, msg):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "lib" / "overparam").mkdir(parents=True)
    (tmp_path / "chapters" / "a.md").write_text("# a\n")
    monkeypatch.setenv("OVERPARAM_ROOT", str(tmp_path))
    assert main(argv) == 2
    assert msg in capsys.readouterr().err
    assert not (tmp_path / "book" / "chapters").exists()


def _certificates(folder):
    """A CA and one certificate it signed (for 127.0.0.1), made with the openssl command."""
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make test certificates")
    run = lambda *a: subprocess.run(["openssl", *a], cwd=folder, check=True, capture_output=True, timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=overparam-test-ca")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "req.pem", "-subj", "/CN=127.0.0.1")
    (folder / "ext.cnf").write_text("subjectAltName = IP:127.0.0.1\n")
    run("x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out",
        "cert.pem", "-days", "1", "-extfile", "ext.cnf")
    return {"ca_file": str(folder / "ca.pem"), "cert": str(folder / "cert.pem"), "key": str(folder / "key.pem")}


def test_a_tls_scheduler_with_certificates_runs_the_sweeps(tmp_path, monkeypatch):
    """The --scheduler tls:// path end to end: a TLS-only loopback cluster, the pipeline's client and the
    kernel-side sweep map both connecting with the config's certificates; without them, no connection."""
    import math

    import dask
    from distributed import LocalCluster

    from overparam.runtime import parallel

    config = {"tls": _certificates(tmp_path)}
    sec = cluster.security(config)
    # NO_MALLOC_TRIM: a nanny otherwise writes its MALLOC_TRIM_THRESHOLD_ into this process's environment,
    # which every later cluster's workers would inherit.
    with dask.config.set(cluster.NO_MALLOC_TRIM), LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", protocol="tls",
                      security=sec, dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                      resources={"chapter": 1}) as tls_cluster:
        address = tls_cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        with cluster.connect(cluster.ClusterSpec(scheduler=address, config=config)) as client:
            assert client.submit(math.sqrt, 16.0).result() == 4.0
        for name, value in cluster.kernel_env(address, config).items():
            monkeypatch.setenv(name, value)  # what a chapter's kernel gets
        try:
            assert parallel.map(math.sqrt, [1.0, 9.0]) == [1.0, 3.0]
        finally:
            parallel.close_clients()
        with pytest.raises(PipelineError, match="tls:// scheduler needs a \\[tls\\] section"), \
                cluster.connect(cluster.ClusterSpec(scheduler=address)):
            pass


def test_a_plain_tcp_scheduler_beyond_this_machine_is_warned_about():
    assert cluster.exposure_warning("tcp://127.0.0.1:8786") is None
    assert cluster.exposure_warning("tls://10.0.0.5:8786") is None
    assert "use tls://" in cluster.exposure_warning("tcp://10.0.0.5:8786")
