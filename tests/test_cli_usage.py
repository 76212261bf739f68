"""What a new analyst meets on the command line: mistakes refused up front in one line, `eval`
errors with their own exit codes, `--db` on either side of the subcommand, no stray lock file,
a quiet run, and `nianbao sql`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from loaders.cli import main
from loaders.lock import lock_path_of
from loaders.warehouse import open_warehouse

from .conftest import ROOT, SAMPLES, SEEDS_GOLD

pytestmark = pytest.mark.warehouse


def nianbao(*args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """The installed command in a process of its own, output not a terminal (as in cron)."""
    return subprocess.run(
        [sys.executable, "-m", "loaders.cli", *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def one_line_error(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---------------------------------------------------------------- mistakes caught up front


@pytest.mark.parametrize("command", ["load", "run"])
def test_a_missing_input_path_is_refused_before_anything_is_opened(command, tmp_path):
    db = tmp_path / "w.duckdb"
    result = nianbao(command, "/nope", "--db", str(db))
    assert result.returncode == 2
    assert "/nope does not exist" in one_line_error(result)
    assert list(tmp_path.iterdir()) == []  # no warehouse, no error row, no lock file


def test_a_db_in_a_missing_folder_is_refused_saying_what_to_do(tmp_path):
    db = tmp_path / "no" / "such" / "dir" / "x.duckdb"
    result = nianbao("load", str(SAMPLES), "--db", str(db))
    assert result.returncode == 2
    assert f"mkdir -p {db.parent}" in one_line_error(result)
    assert list(tmp_path.iterdir()) == []


def test_build_of_a_missing_warehouse_is_refused_and_leaves_no_lock(tmp_path):
    result = nianbao("build", "--db", str(tmp_path / "absent.duckdb"))
    assert result.returncode == 2
    assert "load reports first" in one_line_error(result)
    assert list(tmp_path.iterdir()) == []


def test_db_is_accepted_before_the_subcommand_and_no_lock_file_stays(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "load", str(SAMPLES)]) == 0
    assert main(["load", str(SAMPLES), "--db", str(db)]) == 0  # after it, as before
    assert "unchanged 5" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]
    assert not lock_path_of(db).exists()


def test_the_lock_still_refuses_a_second_writer(tmp_path):
    """The lock file goes when its holder is done, but while held a second command is refused."""
    from loaders.lock import WarehouseBusy, warehouse_lock

    db = tmp_path / "w.duckdb"
    with warehouse_lock(db, "load"):
        second = nianbao("load", str(SAMPLES), "--db", str(db))
        with pytest.raises(WarehouseBusy), warehouse_lock(db, "build"):
            pass
    assert second.returncode == 75
    assert "in use by nianbao load" in one_line_error(second)
    assert not lock_path_of(db).exists() and not db.exists()


# ---------------------------------------------------------------- eval errors


@pytest.fixture(scope="module")
def built_copy(samples_marts, tmp_path_factory):
    db = tmp_path_factory.mktemp("eval") / "w.duckdb"
    shutil.copyfile(samples_marts, db)
    return db


@pytest.mark.parametrize(
    "content, says",
    [
        (None, "does not exist"),
        ("[1,2,3]", "record 0: a record must be a JSON object"),
        ('{"foo":1}', "must be a non-empty JSON list"),
        ("{not json", "is not valid JSON"),
        ('[{"source_file": "a.txt"}]', "record 0: no labelled field"),
        ('[{"agency_name": "某某县人民政府"}]', "record 0: missing field source_file"),
    ],
    ids=["missing", "list of numbers", "object", "bad JSON", "nothing labelled", "no file"],
)
def test_eval_with_a_bad_gold_file_says_so_in_one_line_with_exit_3(
    content, says, built_copy, tmp_path
):
    gold = tmp_path / "gold.json"
    if content is not None:
        gold.write_text(content, encoding="utf-8")
    result = nianbao("eval", str(gold), "--db", str(built_copy))
    assert result.returncode == 3
    assert says in one_line_error(result)


def test_eval_without_a_warehouse_or_marts_exits_4(tmp_path, samples_warehouse):
    absent = nianbao("eval", str(SEEDS_GOLD), "--db", str(tmp_path / "absent.duckdb"))
    assert absent.returncode == 4
    assert "no warehouse at" in one_line_error(absent)
    unbuilt = tmp_path / "raw_only.duckdb"
    shutil.copyfile(samples_warehouse, unbuilt)
    result = nianbao("eval", str(SEEDS_GOLD), "--db", str(unbuilt))
    assert result.returncode == 4
    assert "has no marts yet: run nianbao build" in one_line_error(result)


def test_eval_codes_tell_below_threshold_from_bad_input(built_copy, tmp_path):
    gold = json.loads(SEEDS_GOLD.read_text(encoding="utf-8"))
    gold[0]["report_year"] = 1999  # one metadata field wrong: below the 100% threshold
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    assert nianbao("eval", str(SEEDS_GOLD), "--db", str(built_copy)).returncode == 0
    below = nianbao("eval", str(path), "--db", str(built_copy))
    assert below.returncode == 1 and "below threshold" in below.stdout
    assert "exit status" in nianbao("eval", "--help").stdout


# ---------------------------------------------------------------- a quiet run


def test_a_run_prints_a_short_summary_without_escape_codes_and_logs_dbt(tmp_path):
    db = tmp_path / "w.duckdb"
    result = nianbao("run", str(SAMPLES), "--db", str(db), "--force")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert len(output.splitlines()) <= 20, output
    assert "\x1b[" not in output and "\r" not in output  # no colours, no redrawn progress bar
    [log_line] = [line for line in result.stdout.splitlines() if line.startswith("dbt build ok")]
    log = tmp_path / "w.logs" / "dbt_build.log"
    assert log_line.endswith(f"log: {log}")
    text = log.read_text(encoding="utf-8")
    assert " START test " in text and "Completed successfully" in text and "\x1b[" not in text
    verbose = nianbao("--verbose", "run", str(SAMPLES), "--db", str(db), "--force")
    assert verbose.returncode == 0
    assert " START test " in verbose.stdout and "\x1b[" not in verbose.stdout


# ---------------------------------------------------------------- nianbao sql


def test_sql_runs_statements_read_only_from_c_and_stdin(built_copy):
    result = nianbao(
        "sql", "--db", str(built_copy), "-c", "select count(*) as n from marts.dim_report"
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"│\s+5\s+│", result.stdout)
    piped = subprocess.run(
        [sys.executable, "-m", "loaders.cli", "--db", str(built_copy), "sql", "--csv"],
        cwd=ROOT,
        check=False,
        input="select report_year from marts.dim_report order by 1 limit 2; select 7 as x;",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines() == ["report_year", "2017", "2020", "x", "7"]
    refused = nianbao("sql", "--db", str(built_copy), "-c", "delete from marts.dim_report")
    assert refused.returncode == 1
    assert "read-only" in one_line_error(refused)
    with open_warehouse(built_copy, read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_report").fetchone() == (5,)


def test_sql_waits_for_a_writer_in_another_process_then_answers(built_copy, tmp_path):
    db = tmp_path / "held.duckdb"
    shutil.copyfile(built_copy, db)
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(db=str(db), read_only=False, seconds=3)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        result = nianbao("sql", "--db", str(db), "-c", "select count(*) from raw.documents")
    finally:
        writer.wait(timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"waiting for another process (pid {writer.pid})" in result.stderr


# a process of its own holding the warehouse open, as an analyst's session or a job would
HOLD = """
import sys, time
import duckdb
con = duckdb.connect({db!r}, read_only={read_only})
print("open", flush=True)
time.sleep({seconds})
con.close()
"""


def test_sql_is_an_interactive_shell_on_a_terminal(built_copy, tmp_path):
    """On a real pseudo-terminal: a statement over two lines, a dot command, then .quit."""
    import pty

    leader, follower = pty.openpty()
    shell = subprocess.Popen(
        [sys.executable, "-m", "loaders.cli", "sql", "--db", str(built_copy)],
        cwd=ROOT,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "HOME": str(tmp_path)},  # its history file goes there
    )
    os.close(follower)
    os.write(leader, b"select count(*) as reports\nfrom marts.dim_report;\n.tables\n.quit\n")
    shell.wait(timeout=120)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the shell
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    text = output.decode("utf-8", errors="replace")
    assert shell.returncode == 0, text
    assert "nianbao>" in text and "...>" in text  # the second line continued the statement
    assert re.search(r"│\s+5\s+│", text)
    assert "dim_report" in text and "fct_applications" in text  # .tables
    assert (tmp_path / ".nianbao_sql_history").exists()
