import json
import subprocess
import sys
from pathlib import Path

import pytest

import facekit
from facekit.cli import main


@pytest.mark.parametrize(
    "command",
    [[], ["data"], ["data", "import-lfw"], ["data", "pairs"], ["data", "stats"], ["data", "chips"],
     ["train", "baseline"], ["train", "pretrained"], ["train", "sface"], ["evaluate", "baseline"],
     ["evaluate", "pretrained"], ["evaluate", "sface"],
     ["evaluate", "scratch"], ["serve"], ["app"], ["people"], ["people", "add"], ["people", "list"],
     ["people", "remove"], ["identify"]],
)
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(command + ["--help"])
    assert exit_info.value.code == 0
    assert "usage: facekit" in capsys.readouterr().out


def test_errors_exit_2_with_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["data", "pairs", "--data-dir", str(tmp_path)]) == 2
    assert "import-lfw" in capsys.readouterr().err
    assert main(["train", "baseline", "--data-dir", str(tmp_path), "--models-dir", str(tmp_path)]) == 2
    assert "facekit data pairs" in capsys.readouterr().err
    code = main(["evaluate", "baseline", "--data-dir", str(tmp_path), "--models-dir", str(tmp_path),
                 "--lfw-pairs", str(tmp_path / "p.txt"), "--lfw-dir", str(tmp_path)])
    assert code == 2 and "No LFW pairs file" in capsys.readouterr().err
    assert main(["data", "import-lfw", str(tmp_path / "missing.tgz"), "--data-dir", str(tmp_path)]) == 2


def test_stats_json_on_an_empty_folder(tmp_path, capsys):
    assert main(["data", "stats", "--json", "--data-dir", str(tmp_path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["folders"] == {"anchor": 0, "positive": 0, "negative": 0}
    assert stats["pairs"] == {"same": 0, "different": 0}


def test_data_dir_from_the_environment(tmp_path):
    (tmp_path / "anchor").mkdir()
    (tmp_path / "anchor" / "ann_1.jpg").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "facekit.cli", "data", "stats", "--json"],
        env={"FACEKIT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["folders"]["anchor"] == 1


@pytest.mark.parametrize("threshold", ["2", "nan", "-0.1", "half"])
def test_verify_refuses_a_threshold_that_is_not_a_probability(threshold, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "a.jpg", "b.jpg", "--threshold", threshold])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "probability between 0 and 1" in error or "not a number" in error


def test_an_unreadable_photo_is_one_line_and_exit_2_not_a_traceback(tmp_path):
    """/proc/self/mem passes is_file() but fails to read (OSError): a message, never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "facekit.cli", "verify", "/proc/self/mem", str(tmp_path / "x.jpg")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "error: " in result.stderr
    assert "The first photo: could not read mem" in result.stderr


@pytest.mark.parametrize("host, warned", [("127.0.0.1", False), ("localhost", False), ("0.0.0.0", True), ("::1", False)])
def test_serve_warns_when_open_to_the_network_without_keys(host, warned, monkeypatch, capsys, tmp_path):
    from facekit.service import supervisor

    monkeypatch.setenv("FACEKIT_DATA_DIR", str(tmp_path))  # serve opens the gallery there first
    started = {}
    monkeypatch.setattr(supervisor, "serve", lambda host, port, workers: started.update(host=host, workers=workers))
    monkeypatch.delenv("FACEKIT_API_KEYS", raising=False)
    monkeypatch.delenv("FACEKIT_ADMIN_KEYS", raising=False)
    assert main(["serve", "--host", host, "--port", "8123", "--workers", "2"]) == 0
    assert started == {"host": host.strip("[]"), "workers": 2}
    assert ("WARNING: serving on" in capsys.readouterr().err) == warned
    monkeypatch.setenv("FACEKIT_API_KEYS", "secret")
    main(["serve", "--host", host])
    assert "WARNING" not in capsys.readouterr().err


def test_train_siamese_options_reach_the_config(monkeypatch, tmp_path, capsys):
    from facekit.model import train

    trained = {}

    def record_of(config, *args, **options):
        trained.update(size=config.siamese_size, augmentation=config.augmentation, crop=config.siamese_crop)
        raise train.DataError("stop here")  # the flags reached the config; no need to train

    monkeypatch.setattr(train, "train_siamese", record_of)
    folders = ["--data-dir", str(tmp_path), "--models-dir", str(tmp_path)]
    assert main(["train", "siamese", "--size", "80", "--augmentation", "light", "--crop", "1", *folders]) == 2
    assert trained == {"size": 80, "augmentation": "light", "crop": 1.0} and "stop here" in capsys.readouterr().err
    for wrong in (["--augmentation", "heavy"], ["--crop", "0.2"], ["--crop", "1.5"]):
        with pytest.raises(SystemExit):
            main(["train", "siamese", *wrong, *folders])


def test_verify_help_gives_each_exit_code_its_meaning(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "2 error (an unreadable photo, no face, no model), 3 not sure" in text
    assert "--model {sface,pretrained,scratch}" in text


def test_verify_prints_its_answer_and_nothing_from_tensorflow():
    """Six TensorFlow start-up lines used to come with every answer; a person now reads just the answer."""
    examples = Path(__file__).resolve().parent.parent / "facekit" / "examples"
    done = subprocess.run([sys.executable, "-m", "facekit.cli", "verify", str(examples / "obama.jpg"),
                           str(examples / "obama1.jpg")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("Same person: P(same) = ")
    assert done.stderr == ""


def test_every_folder_of_the_package_is_installed_as_a_package():
    """Installing warned that facekit.examples (the shipped photos) was not a package; every folder is one now."""
    import setuptools

    folders = {".".join(p.relative_to(Path(facekit.__file__).parent.parent).parts)
               for p in Path(facekit.__file__).parent.rglob("*") if p.is_dir() and p.name != "__pycache__"}
    folders |= {"facekit"}
    assert folders <= set(setuptools.find_packages(where=str(Path(facekit.__file__).parent.parent), include=["facekit*"]))


def _doc_block(page: str, starting: str) -> str:
    """The ```bash block of ``page`` (README.md, docs/cli.md) whose first line starts with ``starting``."""
    text = (Path(__file__).resolve().parent.parent / page).read_text()
    start = text.index(f"```bash\n{starting}") + len("```bash\n")
    return text[start : text.index("```", start)]


def _run_block(block: str, data_dir: Path) -> dict[str, tuple[int, str, str]]:
    """Each ``facekit`` line of a bash block run alone after the block's ``cd``, with a data folder
    of its own: line -> (exit status, stdout, stderr)."""
    import os

    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "FACEKIT_DATA_DIR": str(data_dir), "PATH": f"{venv_bin}:{os.environ['PATH']}"}
    lines = [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith(("cd ", "facekit "))]
    said = {}
    for line in (line for line in lines if line.startswith("facekit ")):
        done = subprocess.run(["bash", "-c", f"{lines[0]} && {line}"], cwd=Path(__file__).resolve().parent.parent,
                              env=env, capture_output=True, text=True, timeout=300)
        said[line] = (done.returncode, done.stdout, done.stderr)
    return said


def test_the_documented_commands_work_as_written(tmp_path):
    """docs/cli.md's `facekit verify`, `people` and `identify` examples, then the README's, run by
    bash as written: each line's answer is what its comment says."""
    verify = _doc_block("docs/cli.md", "cd facekit/examples                       #")
    said = _run_block(verify + _doc_block("docs/cli.md", "cd facekit/examples\nfacekit people"), tmp_path / "data")
    code, out, err = said["facekit verify obama.jpg obama1.jpg"]
    assert code == 0 and out.startswith("Same person: P(same) = ") and not err  # nothing else on the screen
    assert f'# "{out.strip()}"' in verify  # the comment says what it prints
    assert said["facekit verify obama.jpg biden.jpg --model scratch"][0] in (1, 3)  # different, or not sure
    assert said['facekit people list'][1].splitlines() == ["Barack Obama: 3 photos", "Joe Biden: 1 photo"]
    faces = said["facekit identify two_people.jpg"][1].splitlines()
    assert faces[0].startswith("two_people.jpg: face 1 of 2 at [") and "Barack Obama · sure" in faces[0]
    assert "Joe Biden · sure" in faces[1]
    photos = [json.loads(line) for line in said["facekit identify --json obama.jpg biden2.jpg"][1].splitlines()]
    assert [p["faces"][0]["person"] for p in photos] == ["Barack Obama", "Joe Biden"]
    assert said['facekit people remove "Joe Biden"'][0] == 0 and all(code != 2 for code, _, _ in said.values())
    readme = _doc_block("README.md", "cd facekit/examples\nfacekit verify")
    said = _run_block(readme, tmp_path / "readme_data")
    assert f'# "{said["facekit verify obama.jpg obama1.jpg"][1].split(" (")[0]} (...)"' in readme
    assert "Barack Obama · sure" in said["facekit identify two_people.jpg"][1]
    assert "Group 1 (Barack Obama): 5 faces" in said["facekit group ."][1] and all(code != 2 for code, _, _ in said.values())
