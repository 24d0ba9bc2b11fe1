"""Learners, not paths: learner ids from folders, LMS downloads and rosters; one class gradebook
across exercises; the Canvas and Moodle exports (their documented columns)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from sgdteach.__main__ import main as cli
from sgdteach.grading.classbook import CANVAS, MOODLE
from sgdteach.grading.learners import Roster, learner_id
from sgdteach.grading.report.escape import csv_cell, csv_value
from sgdteach.grading.report.gradebook import write_rows


@pytest.mark.parametrize("path, root, expected", [
    ("submissions/alice/02_sgd.ipynb", None, "alice"),
    ("submissions/alice/02_sgd.ipynb", "submissions", "alice"),
    ("submissions/alice/work/02_sgd.ipynb", "submissions", "alice"),       # nested under root
    ("dl/lastname_12345_67890_02_sgd.ipynb", "dl", "lastname_12345"),      # Canvas
    ("dl/lastname_LATE_12345_67890_02_sgd-1.ipynb", None, "lastname_12345"),  # Canvas, late
    ("dl/Ada Lovelace_4242_assignsubmission_file_02_sgd.ipynb", "dl", "Ada Lovelace"),  # Moodle
    ("dl/Ada Lovelace_4242_assignsubmission_file/02_sgd.ipynb", "dl", "Ada Lovelace"),  # folders
])
def test_learner_id_from_each_form(path, root, expected):
    assert learner_id(path, root) == expected


def test_a_bare_file_without_a_learner_is_refused():
    with pytest.raises(ValueError, match="learner_id: 'path' must be in a learner's folder"):
        learner_id("submissions/02_sgd.ipynb", "submissions")


def test_the_roster_wins_by_folder_file_name_or_parsed_id(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,id,name,email\n"
                      "alice,s001,Alice A,alice@uni.edu\n"
                      "bob.ipynb,s002,Bob B,bob@uni.edu\n"
                      "lastname_12345,s003,Carol L,carol@uni.edu\n", encoding="utf-8")
    r = Roster.read(roster)
    assert learner_id("subs/alice/02_sgd.ipynb", "subs", r) == "s001"
    assert learner_id("subs/bob.ipynb", "subs", r) == "s002"
    carol = r.learner("dl/lastname_LATE_12345_67890_02_sgd.ipynb", "dl")
    assert (carol.id, carol.get("email"), carol.get("canvas_id")) == ("s003", "carol@uni.edu",
                                                                        "12345")
    assert learner_id("subs/dave/02_sgd.ipynb", "subs", r) == "dave"    # not listed: the folder


def test_csv_cell_neutralises_formulas_and_round_trips():
    for text in ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\tx"):
        assert csv_cell(text).startswith("'") and csv_value(csv_cell(text)) == text
    assert csv_cell("alice") == "alice" and csv_value("'quoted") == "'quoted"
    assert csv_cell("\rx") == "'\nx"   # a lone CR would split the row: written as LF
    assert [csv_cell(n) for n in ("-1", "+1", "2.5")] == ["-1", "+1", "2.5"]   # numbers stay


def gradebook(path: Path, scores: dict[str, tuple[float, str, str]], max_score: float) -> str:
    """A gradebook as grade writes it (the real writer), one test cell ``q``."""
    rows = {key: {"submission": key, "status": status, "tampered": tampered,
                  "score": f"{s:g}", "max_score": f"{max_score:g}", "q": f"{s:g}",
                  "flags": "", "sandbox": "bwrap"}
            for key, (s, status, tampered) in scores.items()}
    write_rows(path, rows, ["q"])
    return str(path)


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture
def klass(tmp_path):
    """Exercise 02 (5 points): alice 5, bob 3 (tampered), =evil 0; exercise 03 (4 points):
    alice 4, =evil 2, no bob; carol on the roster submitted nothing."""
    ok = ("ok", "no")
    ex02 = gradebook(tmp_path / "02_sgd.csv", {
        "subs/alice/02_sgd.ipynb": (5, *ok), "subs/bob/02_sgd.ipynb": (3, "ok", "yes"),
        "subs/=evil/02_sgd.ipynb": (0, *ok)}, 5)
    ex03 = gradebook(tmp_path / "g3.csv", {
        "subs/alice/03_minibatches.ipynb": (4, *ok),
        "subs/=evil/03_minibatches.ipynb": (2, "timeout", "no")}, 4)
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,id,name,email,canvas_id,sis_user_id,sis_login_id,section\n"
                      "alice,alice,Alice A,alice@uni.edu,101,S1,alice_a,Sec 1\n"
                      "carol,carol,Carol C,carol@uni.edu,103,S3,carol_c,Sec 2\n",
                      encoding="utf-8")
    return tmp_path, ex02, f"03_minibatches={ex03}", roster


def test_class_gradebook_one_row_per_learner_empty_where_missing(klass, capsys):
    tmp, ex02, ex03, roster = klass
    out = tmp / "class.csv"
    assert cli(["gradebook", ex02, ex03, "--out", str(out), "--roster", str(roster)]) == 0
    header, *rows = read(out)
    assert header == ["learner", "name", "email", "02_sgd", "03_minibatches", "total", "max",
                      "missing", "notes"]
    by = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert sorted(by) == ["'=evil", "alice", "bob", "carol"]      # a formula is neutralised
    assert [by["alice"][c] for c in ("02_sgd", "03_minibatches", "total", "max", "missing")] \
        == ["5", "4", "9", "9", ""]
    assert [by["bob"][c] for c in ("02_sgd", "03_minibatches", "total", "missing")] \
        == ["3", "", "3", "03_minibatches"]                       # empty, not 0
    assert by["bob"]["notes"] == "02_sgd: tampered"
    assert by["'=evil"]["notes"] == "03_minibatches: status timeout"
    assert by["carol"]["missing"] == "02_sgd; 03_minibatches" and by["carol"]["total"] == "0"
    err = capsys.readouterr().err
    assert "bob has no submission for 03_minibatches" in err and "carol" in err


def test_canvas_and_moodle_exports_have_the_documented_columns(klass):
    tmp, ex02, ex03, roster = klass
    canvas, moodle = tmp / "canvas.csv", tmp / "moodle.csv"
    assert cli(["gradebook", ex02, ex03, "--out", str(tmp / "c.csv"), "--roster", str(roster),
                "--canvas", str(canvas), "--moodle", str(moodle)]) == 0
    header, *rows = read(canvas)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "02_sgd",
                      "03_minibatches"] == CANVAS + ["02_sgd", "03_minibatches"]
    by = {r[0]: r for r in rows}
    assert by["Alice A"] == ["Alice A", "101", "S1", "alice_a", "Sec 1", "5", "4"]
    assert by["bob"] == ["bob", "", "", "", "", "3", ""]
    assert by["'=evil"][5:] == ["0", "2"]
    header, *rows = read(moodle)
    assert header == MOODLE + ["02_sgd", "03_minibatches"]
    assert ["alice", "Alice A", "alice@uni.edu", "5", "4"] in rows
    assert ["carol", "Carol C", "carol@uni.edu", "", ""] in rows


def test_canvas_ids_come_from_a_canvas_download(tmp_path):
    ex = gradebook(tmp_path / "02_sgd.csv", {
        "dl/lastname_12345_67890_02_sgd.ipynb": (5, "ok", "no"),
        "dl/other_LATE_555_1_02_sgd.ipynb": (1, "ok", "no")}, 5)
    canvas = tmp_path / "canvas.csv"
    assert cli(["gradebook", ex, "--out", str(tmp_path / "c.csv"), "--canvas", str(canvas)]) == 0
    _, *rows = read(canvas)
    assert sorted(r[:2] + r[5:] for r in rows) == [["lastname_12345", "12345", "5"],
                                                   ["other_555", "555", "1"]]


def test_two_submissions_of_one_learner_are_refused(tmp_path, capsys):
    ex = gradebook(tmp_path / "02_sgd.csv", {"subs/alice/02_sgd.ipynb": (5, "ok", "no"),
                                            "subs/alice/02_sgd_copy.ipynb": (0, "ok", "no")}, 5)
    assert cli(["gradebook", ex, "--out", str(tmp_path / "c.csv")]) == 2
    assert "one submission per learner and exercise" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()


def test_a_file_that_is_no_gradebook_is_refused(tmp_path, capsys):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert cli(["gradebook", str(bad), "--out", str(tmp_path / "c.csv")]) == 2
    assert "must be a gradebook written by grade" in capsys.readouterr().err


def test_an_output_never_overwrites_an_input(klass, capsys):
    tmp, ex02, ex03, roster = klass
    before = Path(ex02).read_bytes()
    assert cli(["gradebook", ex02, ex03, "--out", ex02]) == 2
    assert cli(["gradebook", ex02, "--out", str(tmp / "c.csv"), "--roster", str(roster),
                "--canvas", str(roster)]) == 2
    assert cli(["gradebook", ex02, "--out", str(tmp / "c.csv"), "--moodle", str(tmp / "c.csv")]) \
        == 2
    assert "must be a new file" in capsys.readouterr().err
    assert Path(ex02).read_bytes() == before and not (tmp / "c.csv").exists()
