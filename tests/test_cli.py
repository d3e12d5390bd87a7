"""The ocbench CLI as a user meets it: list, run --json, leaderboard, check, regress, errors."""

from __future__ import annotations

import json
import subprocess

import pytest

from oneclass_bench.cli.app import main


@pytest.fixture(autouse=True)
def toys(monkeypatch):
    monkeypatch.setenv("OCBENCH_PLUGINS", "toy_plugins")


def run_json(capsys, tmp_path, *args):
    rc = main(["run", "--out", str(tmp_path), "--json", "--quiet", *args])
    out = capsys.readouterr()
    return rc, [json.loads(line) for line in out.out.splitlines() if line.strip()], out.err


def test_list_shows_detectors_and_datasets(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "toy-center" in out and "toy-gauss" in out and "iforest" in out


def test_list_only_datasets(capsys):
    assert main(["list", "datasets"]) == 0
    out = capsys.readouterr().out
    assert "toy-gauss" in out and "toy-center" not in out


def test_run_json_prints_one_object_per_cell(capsys, tmp_path):
    rc, cells, _ = run_json(capsys, tmp_path, "--detector", "toy-center,toy-slow", "--dataset",
                            "toy-gauss", "--seeds", "0,1", "--param", "toy-slow.delay=0.01")
    assert rc == 0
    assert len(cells) == 4
    assert {(c["detector"], c["seed"]) for c in cells} == {
        ("toy-center", 0), ("toy-center", 1), ("toy-slow", 0), ("toy-slow", 1)}
    for c in cells:
        assert c["status"] == "ok" and c["metrics"]["auroc"] > 0.9
    assert [c["detector_params"]["delay"] for c in cells if c["detector"] == "toy-slow"] == [
        0.01, 0.01]


def test_failed_cell_gives_exit_1_and_names_it(capsys, tmp_path):
    rc, cells, err = run_json(capsys, tmp_path, "-d", "toy-center,toy-nan", "-D", "toy-gauss",
                              "--seeds", "0")
    assert rc == 1
    assert {c["detector"]: c["status"] for c in cells} == {"toy-center": "ok",
                                                           "toy-nan": "failed"}
    assert "1 of 2 cell(s) failed: toy-nan × toy-gauss seed 0" in err


@pytest.mark.parametrize("args,message", [
    (["run", "-d", "nope", "-D", "toy-gauss"], "unknown detector 'nope'; known detectors:"),
    (["run", "-d", "toy-center", "-D", "nope"], "unknown dataset 'nope'; known datasets:"),
    (["run", "-d", "toy-center", "-D", "toy-gauss", "--param", "toy-center.bad=1"],
     "toy-center: unknown parameter(s) bad; valid: power"),
    (["run", "-d", "toy-center", "-D", "toy-gauss", "--seeds", "a"], "expected integers"),
    (["run", "-d", "fluxmut", "-D", "toy-gauss", "--param", "fluxmut.flow=xyz"],
     "fluxmut: flow='xyz'; expected one of maf, rqs"),
    (["leaderboard", "--results", "/nonexistent/dir"], "no results store at"),
    (["regress", "--baseline", "/nonexistent.json"], "baseline file /nonexistent.json not found"),
    (["check", "nope"], "unknown dataset 'nope'"),
])
def test_user_mistakes_give_one_line_and_exit_2(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_console_script_has_no_traceback(tmp_path, cli_env, ocbench_cmd):
    proc = subprocess.run([*ocbench_cmd, "run", "-d", "nope", "-D", "toy-gauss", "--out",
                           str(tmp_path)], capture_output=True, text=True, env=cli_env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("ocbench: error: unknown detector 'nope'")
    assert "Traceback" not in proc.stderr


def test_leaderboard_formats(capsys, tmp_path):
    run_json(capsys, tmp_path, "-d", "toy-center,toy-slow,toy-supervised", "-D",
             "toy-gauss,toy-quantile", "--seeds", "0,1", "--param", "toy-slow.delay=0")
    assert main(["leaderboard", "--results", str(tmp_path)]) == 0
    md = capsys.readouterr().out
    assert "## toy-gauss" in md and "## Overall" in md and "toy-supervised†" in md
    assert "± " in md and "ocbench run" in md  # mean ± std and the command in provenance
    assert main(["leaderboard", "--results", str(tmp_path), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["detector"]: r for r in data["tasks"]["toy-gauss"]}
    assert rows["toy-center"]["seeds"] == 2
    assert 0.9 < rows["toy-center"]["metrics"]["auroc"]["mean"] <= 1
    assert main(["leaderboard", "--results", str(tmp_path), "-o", str(tmp_path / "t.csv")]) == 0
    csv = (tmp_path / "t.csv").read_text().splitlines()
    assert csv[0].startswith("task,detector,seeds,auroc")
    assert main(["leaderboard", "--results", str(tmp_path), "-f", "xml"]) == 2
    assert main(["leaderboard", "--results", str(tmp_path), "-o", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    # per task: ROC, SIC and one panel grid of score histograms
    assert page.count("<img src=\"data:image/png;base64,") == 2 * 3
    assert "<h2>toy-quantile</h2>" in page and "provenance hash" in page
    assert "src=\"http" not in page and "<script" not in page  # self-contained
    assert main(["leaderboard", "--results", str(tmp_path), "--plots", str(tmp_path / "p")]) == 0
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        f"{t}_{k}.png" for t in ("toy-gauss", "toy-quantile") for k in ("roc", "scores", "sic")]


def test_regress_passes_on_itself_and_fails_on_doctored_baseline(capsys, tmp_path):
    run_json(capsys, tmp_path, "-d", "toy-center", "-D", "toy-gauss", "--seeds", "0")
    main(["leaderboard", "--results", str(tmp_path), "-o", str(tmp_path / "base.json")])
    capsys.readouterr()
    assert main(["regress", "--baseline", str(tmp_path / "base.json"), "--results",
                 str(tmp_path)]) == 0
    base = json.loads((tmp_path / "base.json").read_text())
    row = base["tasks"]["toy-gauss"][0]
    row["metrics"]["auroc"]["mean"] += 0.05  # the baseline claims better than we now get
    row["metrics"]["max_sic"]["mean"] += 0.001  # within tolerance
    base["tasks"]["toy-gauss"].append({"detector": "gone", "metrics": {"auroc": {"mean": 0.9}}})
    (tmp_path / "doctored.json").write_text(json.dumps(base))
    rc = main(["regress", "--baseline", str(tmp_path / "doctored.json"), "--results",
               str(tmp_path), "--tolerance", "auroc=0.01", "--tolerance", "max_sic=0.01"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "toy-gauss / toy-center / auroc" in err and "tolerance 0.01" in err
    assert "toy-gauss / gone / auroc: missing" in err
    assert "max_sic" not in err
    assert main(["regress", "--baseline", str(tmp_path / "doctored.json"), "--results",
                 str(tmp_path), "--tolerance", "auroc"]) == 2


def test_malformed_baseline_is_a_clear_error(capsys, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    assert main(["regress", "--baseline", str(tmp_path / "bad.json")]) == 2
    assert "not a leaderboard JSON baseline" in capsys.readouterr().err


def test_check_command(capsys):
    assert main(["check", "toy-center"]) == 0
    assert "checks passed" in capsys.readouterr().out
    assert main(["check", "toy-nan"]) == 1
    assert "FAIL scores_finite_shape" in capsys.readouterr().out
    assert main(["check", "toy-gauss"]) == 0
    assert main(["check", "toy-leaky"]) == 1
    assert "FAIL train_reference_only" in capsys.readouterr().out
