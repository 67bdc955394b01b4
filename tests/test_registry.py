"""The one registry behind metrics, scorers, rule kinds and adapters."""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import assay._util._registry as registry_module
from assay._util import Registry
from assay.errors import ConfigError, ParameterError
from assay.gates import get_rule_kind, list_rule_kinds, register_rule_kind
from assay.metrics import (
    get_metric,
    get_scorer,
    list_metrics,
    list_scorers,
    register_metric,
    register_scorer,
)
from assay.runners import (
    AdapterRebuildError,
    AdapterSpec,
    CallableAdapter,
    SklearnAdapter,
    adapter_names,
    build_adapter,
    get_adapter,
    register_adapter,
)

PLUGIN = """
def shout(text):
    return text.upper()

def whisper(text):
    return text.lower()
"""


def _shout(text: str) -> str:
    return text.upper()


def _whisper(text: str) -> str:
    return text.lower()


def test_register_get_and_names() -> None:
    reg: Registry[object] = Registry("voice", group=None)
    assert reg.register("shout")(_shout) is _shout
    reg.add("whisper", _whisper)
    assert reg.get("shout") is _shout and reg.get("whisper") is _whisper
    assert reg.names() == ["shout", "whisper"]
    assert "shout" in reg and "sing" not in reg


def test_a_taken_name_is_refused_unless_replaced_and_the_same_object_is_a_no_op() -> None:
    reg: Registry[object] = Registry("voice")
    reg.register("shout")(_shout)
    reg.register("shout")(_shout)  # the very same object again: nothing happens
    with pytest.raises(ConfigError, match=r"A voice named 'shout' is already registered"):
        reg.register("shout")(_whisper)
    assert reg.get("shout") is _shout
    reg.register("shout", replace=True)(_whisper)
    assert reg.get("shout") is _whisper
    with pytest.raises(ConfigError, match="already registered"):
        reg.register("shout")(lambda text: text)


def test_a_reloaded_module_registers_again_without_complaint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"registry_reload_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("voice")
    module = importlib.import_module(name)
    first = module.shout
    reg.add("shout", first)
    module = importlib.reload(module)
    assert module.shout is not first
    reg.add("shout", module.shout)  # same module and name: the new definition takes over
    assert reg.get("shout") is module.shout
    with pytest.raises(ConfigError, match="already registered"):
        reg.add("shout", module.whisper)
    sys.modules.pop(name, None)


def test_unknown_names_get_close_matches_and_the_known_list() -> None:
    reg: Registry[object] = Registry("voice")
    for n in ("shout", "whisper", "sing"):
        reg.add(n, object())
    with pytest.raises(ConfigError) as info:
        reg.get("shoutt")
    assert str(info.value) == (
        "No voice is registered as 'shoutt'. Did you mean 'shout'? "
        "Known voices: shout, sing, whisper."
    )
    with pytest.raises(ConfigError) as info:
        reg.get("zzz")
    assert str(info.value) == "No voice is registered as 'zzz'. Known voices: shout, sing, whisper."


def test_names_must_be_non_empty_strings() -> None:
    reg: Registry[object] = Registry("voice", function="register_voice")
    with pytest.raises(ParameterError, match="The 'name' parameter of register_voice must be"):
        reg.register("")
    with pytest.raises(ParameterError, match=r"a non-empty string\. Got 3\."):
        reg.add(3, object())  # type: ignore[arg-type]


def _entry_points(module: str) -> list[EntryPoint]:
    return [
        EntryPoint(name="shout", value=f"{module}:shout", group="assay.voices"),
        EntryPoint(name="quiet", value=f"{module}_quiet", group="assay.voices"),
    ]


def test_the_entry_point_group_is_read_once_on_the_first_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"registry_plugin_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(PLUGIN))
    # a module entry point: importing it registers what it defines, under its own names
    (tmp_path / f"{name}_quiet.py").write_text(
        f"import {name} as plugin\n\nplugin.REGISTRY.add('murmur', plugin.whisper)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    calls: list[str] = []

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        calls.append(group)
        return _entry_points(name)

    monkeypatch.setattr(registry_module, "entry_points", fake_entry_points)
    reg: Registry[object] = Registry("voice", group="assay.voices")
    assert calls == []  # constructing reads nothing
    plugin = importlib.import_module(name)
    plugin.REGISTRY = reg  # where the module entry point registers
    assert reg.get("shout") is plugin.shout
    assert reg.get("murmur") is plugin.whisper
    assert reg.names() == ["murmur", "shout"]
    assert calls == ["assay.voices"]
    with pytest.raises(ConfigError, match="No voice is registered as 'quiet'"):
        reg.get("quiet")
    for module in (name, f"{name}_quiet"):
        sys.modules.pop(module, None)


def test_a_name_registered_in_code_wins_over_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"registry_plugin_b_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    shout_only = _entry_points(name)[:1]
    monkeypatch.setattr(registry_module, "entry_points", lambda *, group: shout_only)
    reg: Registry[object] = Registry("voice", group="assay.voices")
    reg.add("shout", _shout)
    assert reg.get("shout") is _shout
    assert name not in sys.modules  # an entry point whose name is taken is not even imported


def test_a_broken_entry_point_is_named_and_does_not_hide_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"registry_plugin_c_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    points = [
        EntryPoint(name="broken", value="no_such_module_anywhere:thing", group="assay.voices"),
        EntryPoint(name="shout", value=f"{name}:shout", group="assay.voices"),
    ]
    monkeypatch.setattr(registry_module, "entry_points", lambda *, group: points)
    reg: Registry[object] = Registry("voice", group="assay.voices")
    with pytest.raises(ConfigError, match="broken = no_such_module_anywhere:thing"):
        reg.get("shout")
    assert "shout" in reg._entries  # loaded all the same
    points.pop(0)  # the broken package is uninstalled: the next lookup works
    assert reg.get("shout") is importlib.import_module(name).shout
    sys.modules.pop(name, None)


def test_metrics_use_the_registry() -> None:
    assert "accuracy" in list_metrics()
    with pytest.raises(ConfigError, match=r"Did you mean 'accuracy'\? Known metrics: "):
        get_metric("acuracy")
    with pytest.raises(ConfigError, match="already registered"):
        register_metric("accuracy")(lambda: get_metric("f1"))
    factory = register_metric("accuracy_again_for_registry_tests")(lambda: get_metric("accuracy"))
    register_metric("accuracy_again_for_registry_tests")(factory)  # same object: a no-op
    assert get_metric("accuracy_again_for_registry_tests").name == "accuracy"


def test_the_built_in_metrics_load_on_the_first_use_of_the_registry() -> None:
    # assay.metrics loads its metric definitions (and the statistics) on first use; every
    # use of the registry sees the built-ins, and a plug-in still cannot take their names
    src = str(Path(importlib.import_module("assay").__file__).resolve().parents[1])
    code = textwrap.dedent(
        """
        import sys
        from assay.errors import ConfigError
        from assay.metrics import get_scorer
        assert get_scorer("exact_match")("a", "a") == 1.0
        assert "assay.stats" not in sys.modules
        assert "assay.metrics._classification" not in sys.modules
        from assay.metrics import register_metric
        try:
            register_metric("accuracy")(lambda: None)
        except ConfigError as exc:
            assert "already registered" in str(exc)
        else:
            raise AssertionError("a plug-in took a built-in metric's name")
        from assay.metrics import get_metric, list_metrics
        assert get_metric("accuracy").name == "accuracy" and "bleu" in list_metrics()
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_threads_meeting_the_registry_first_all_find_the_built_in_metrics() -> None:
    # the first thread's imports are slow (a cold disk); a second thread asking meanwhile
    # waits for every built-in rather than seeing a half-filled registry, and a failed
    # import leaves the built-ins to load again on the next use
    src = str(Path(importlib.import_module("assay").__file__).resolve().parents[1])
    code = textwrap.dedent(
        """
        import importlib, threading, time, types
        import assay.metrics._registry as registry
        calls = []
        def slow_import(module):
            calls.append(module)
            if len(calls) == 1:
                raise ImportError("a broken disk")
            time.sleep(0.1)
            return importlib.import_module(module)
        registry.importlib = types.SimpleNamespace(import_module=slow_import)
        try:
            registry.list_metrics()
        except ImportError:
            pass
        else:
            raise AssertionError("the failed import went unnoticed")
        first = threading.Thread(target=registry.get_metric, args=("accuracy",))
        first.start()
        time.sleep(0.05)
        assert registry.get_metric("ter").name == "ter"
        first.join()
        assert calls[1:] == list(registry._BUILT_IN)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_scorers_use_the_registry() -> None:
    assert "exact_match" in list_scorers()
    with pytest.raises(ConfigError, match=r"Did you mean 'exact_match'\? Known scorers: "):
        get_scorer("exact_mach")
    with pytest.raises(ConfigError, match="already registered"):
        register_scorer("exact_match")(lambda o, r: 0.0)


def test_rule_kinds_use_the_registry() -> None:
    assert "non_inferiority" in list_rule_kinds()
    with pytest.raises(ConfigError) as info:
        get_rule_kind("non_inferior")
    assert "Did you mean 'non_inferiority'? Known kinds: budget, " in str(info.value)
    kind = type(get_rule_kind("threshold"))
    register_rule_kind("threshold")(kind)  # the same class again: a no-op
    assert get_rule_kind("threshold") is get_rule_kind("threshold")


def test_adapters_use_the_registry_and_refuse_a_silent_overwrite() -> None:
    assert {"callable", "sklearn", "openai", "hf", "vader"} <= set(adapter_names())
    with pytest.raises(ConfigError, match=r"Did you mean 'openai'\? Known model adapters: "):
        get_adapter("opanai")
    with pytest.raises(ConfigError, match="A model adapter named 'callable' is already"):
        register_adapter("callable")(SklearnAdapter)
    assert isinstance(get_adapter("callable", _shout), CallableAdapter)


def test_an_adapter_spec_is_the_recorded_mapping_and_read_only() -> None:
    spec = CallableAdapter(f"{__name__}:_shout").describe()
    assert isinstance(spec, AdapterSpec)
    assert spec == {"adapter": "callable", "callable": f"{__name__}:_shout", "batched": False}
    assert spec.name == "callable" and spec.settings == {
        "callable": f"{__name__}:_shout",
        "batched": False,
    }
    with pytest.raises(TypeError, match="read-only"):
        spec["batched"] = True  # type: ignore[index]
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert AdapterSpec.from_description(dict(spec)) == spec
    rebuilt = build_adapter(dict(spec))
    assert isinstance(rebuilt, CallableAdapter) and rebuilt.predict(["a"]) == ["A"]
    with pytest.raises(ConfigError, match="registry name under 'adapter'"):
        AdapterSpec.from_description({"callable": "x:y"})
    with pytest.raises(AdapterRebuildError, match="cannot be imported by name"):
        build_adapter({"adapter": "callable", "callable": "<lambda>"})
