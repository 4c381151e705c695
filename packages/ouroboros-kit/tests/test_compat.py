import tomllib
import warnings
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import ouroboros.kit
from ouroboros.kit import IncompatibleModuleWarning, check_compatibility, compatibility_table, module_statuses
from ouroboros.kit._compat import describe_incompatible

REPO = Path(__file__).resolve().parents[3]


def test_table_names_every_package_in_the_repository():
    manifests = [*REPO.glob("packages/*/pyproject.toml"), *REPO.glob("argus/pyproject.toml")]
    on_disk = {tomllib.loads(p.read_text())["project"]["name"] for p in manifests} - {"ouroboros-kit"}
    assert set(compatibility_table()) == on_disk


def _requirements(extra: str | None) -> dict[str, SpecifierSet]:
    """The kit's installed metadata: requirement name -> range, for one extra."""
    found = {}
    for raw in metadata.requires("ouroboros-kit") or []:
        req = Requirement(raw)
        env = {"extra": extra or ""}
        if (req.marker is None and extra is None) or (req.marker is not None and req.marker.evaluate(env)):
            found[req.name] = req.specifier
    return found


def test_extras_are_generated_from_the_table():
    table = compatibility_table()
    base = _requirements(None)
    assert base["ouroboros-core"] == SpecifierSet(table["ouroboros-core"])
    modules = {n: s for n, s in table.items() if n != "ouroboros-core"}
    everything = {}
    for name, spec in modules.items():
        extra = _requirements(name.removeprefix("ouroboros-"))
        assert extra[name] == SpecifierSet(spec), (name, extra)
        everything[name] = SpecifierSet(spec)
    assert {k: v for k, v in _requirements("all").items() if k in modules} == everything


def test_installed_kit_modules_are_compatible():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_compatibility() == []
    core = next(s for s in module_statuses() if s.distribution == "ouroboros-core")
    assert core.installed == metadata.version("ouroboros-core")
    assert core.compatible


def _fake_distribution(root: Path, name: str, version: str) -> None:
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_incompatible_module_is_named_with_its_fix(tmp_path, monkeypatch):
    # A real distribution on sys.path, found by importlib.metadata like any other.
    _fake_distribution(tmp_path, "ouroboros-kv", "9.3.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(IncompatibleModuleWarning) as record:
        bad = check_compatibility()
    assert [s.distribution for s in bad] == ["ouroboros-kv"]
    message = str(record[0].message)
    assert "ouroboros-kv 9.3.0 (supported: >=0.1,<0.2)" in message
    assert "fix: pip install 'ouroboros-kv>=0.1,<0.2'" in message


def test_unparseable_version_counts_as_incompatible(tmp_path, monkeypatch):
    _fake_distribution(tmp_path, "ouroboros-tasks", "not-a-version")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(IncompatibleModuleWarning, match="ouroboros-tasks not-a-version"):
        check_compatibility()


def test_describe_lists_each_module():
    statuses = [s for s in module_statuses() if s.distribution in {"ouroboros-http", "ouroboros-api"}]
    text = describe_incompatible(statuses)
    assert text.count("fix: pip install") == 2
    assert ouroboros.kit.__version__ == metadata.version("ouroboros-kit")
