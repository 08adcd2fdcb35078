"""``fortnox-bridge sie ...`` and ``fortnox-bridge paxml ...`` as a user runs them.

A few runs go through a real subprocess (the command as typed); the rest use Typer's runner
in-process, which exercises the same code without paying the interpreter start each time.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app

from .conftest import run_cli

runner = CliRunner()
OFFICIAL = "SIE4_Exempelfil_official_sie.se.SE"
INFO_KEYS = {"sie_type", "company", "accounts", "vouchers", "transactions", "account_totals"}


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _grep_totals(data: bytes) -> tuple[int, dict[str, Decimal]]:
    """#TRANS rows and their sums per account, counted with a plain regular expression."""
    totals: defaultdict[str, Decimal] = defaultdict(Decimal)
    rows = re.findall(rb"^\s*#TRANS\s+(\d+)\s+\{[^}]*\}\s+(-?[\d.]+)", data, re.MULTILINE)
    for account, amount in rows:
        totals[account.decode()] += Decimal(amount.decode())
    return len(rows), dict(totals)


@pytest.mark.reference
def test_sie_info_as_typed_prints_the_keys_tools_rely_on(
    reference_dir: Path, tmp_path: Path
) -> None:
    path = reference_dir / "sie-samples" / OFFICIAL
    result = run_cli("sie", "info", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert set(info) >= INFO_KEYS | {"warnings"}
    rows, totals = _grep_totals(path.read_bytes())
    assert (info["sie_type"], info["company"]) == (4, "Övningsbolaget AB")
    assert (info["accounts"], info["vouchers"], info["transactions"]) == (530, 295, rows)
    assert {k: Decimal(v) for k, v in info["account_totals"].items()} == totals
    assert [w["code"] for w in info["warnings"]] == ["SIE-MIXED-ENCODING"]


@pytest.mark.reference
def test_sie_info_does_not_count_rtrans_and_btrans_as_transactions(reference_dir: Path) -> None:
    path = reference_dir / "sie-samples" / "BL_Administration_2011_BL0001_typ4.SE"
    code, out, _ = _invoke("sie", "info", str(path))
    info = json.loads(out)
    data = path.read_bytes()
    assert code == 0
    assert info["transactions"] == len(re.findall(rb"^#TRANS ", data, re.MULTILINE))
    assert info["added_rows"] == len(re.findall(rb"^#RTRANS ", data, re.MULTILINE)) > 0
    assert info["removed_rows"] == len(re.findall(rb"^#BTRANS ", data, re.MULTILINE)) > 0


def test_sie_info_on_unusable_input_exits_2_saying_what_and_how_to_fix(tmp_path: Path) -> None:
    result = run_cli("sie", "info", "missing.se", cwd=tmp_path)
    assert result.returncode == 2
    assert "missing.se: no such file" in result.stderr
    (tmp_path / "notes.txt").write_text("Hello\n" * 30)
    code, _, err = _invoke("sie", "info", str(tmp_path / "notes.txt"))
    assert code == 2
    assert "SIE-UNUSABLE" in err
    assert "Fix:" in err


@pytest.mark.reference
def test_sie_validate_exit_codes_and_findings_with_lines(reference_dir: Path) -> None:
    samples = reference_dir / "sie-samples"
    code, out, _ = _invoke(
        "sie", "validate", str(samples / "Visma_Compact_6_SIE4_KSUMMA_objects_qty.se")
    )
    assert code == 0
    assert "valid — type 4E, cp437, #KSUMMA verified, 0 errors" in out
    code, out, _ = _invoke(
        "sie", "validate", "--json", str(samples / "fooconomic_unknown_label_MOMSKOD.se")
    )
    report = json.loads(out)
    assert code == 1
    assert report["ok"] is False
    unbalanced = [f for f in report["findings"] if f["code"] == "SIE-UNBALANCED"]
    assert [(f["line"], f["severity"]) for f in unbalanced] == [(22, "error")]


@pytest.mark.reference
def test_sie_validate_strict_stops_at_the_first_violation(reference_dir: Path) -> None:
    path = reference_dir / "sie-samples" / "Sie4j_Quotes_test_unquoted_multiword.si"
    code, out, _ = _invoke("sie", "validate", "--strict", "--encoding", "utf-8", str(path))
    assert code == 1
    assert "line 6, column 8: error SIE-UNQUOTED-TEXT" in out
    code, _, _ = _invoke("sie", "validate", str(path))
    assert code == 0  # lenient: repaired with warnings, no error


@pytest.mark.reference
def test_sie_convert_json_then_write_gives_the_same_file_content(
    reference_dir: Path, tmp_path: Path
) -> None:
    path = reference_dir / "sie-samples" / "Fortnox_Bokforing_2.0.0_Sie4.se"
    json_path, sie_path = tmp_path / "doc.json", tmp_path / "again.se"
    code, _, _ = _invoke("sie", "convert", str(path), "--to", "json", "-o", str(json_path))
    assert code == 0
    document = json.loads(json_path.read_text())
    assert len(document["vouchers"]) == 194
    assert document["company"]["name"] == "Testföretaget AB"
    code, out, _ = _invoke("sie", "write", str(json_path), "-o", str(sie_path), "--checksum")
    assert (code, out.strip()) == (0, f"wrote {sie_path}: 194 vouchers")
    code, out, _ = _invoke("sie", "info", str(sie_path))
    original = json.loads(_invoke("sie", "info", str(path))[1])
    again = json.loads(out)
    assert again["checksum"] == "verified"
    for key in INFO_KEYS:
        assert again[key] == original[key], key


@pytest.mark.reference
def test_sie_convert_csv_has_one_line_per_voucher_row(reference_dir: Path) -> None:
    path = reference_dir / "sie-samples" / "Kontek_Lon_2011_lonekorning_4I.SI"
    code, out, _ = _invoke("sie", "convert", str(path), "--to", "csv")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("series,number,voucher_date,voucher_text,kind,account,objects")
    assert len(lines) - 1 == 25
    assert ",7210,1:100;6:Obj300;20:1234567890,3750.00," in out


def test_sie_write_reports_broken_json_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"vouchers": [\n  {"series": "A",}\n]}')
    code, _, err = _invoke("sie", "write", str(tmp_path / "bad.json"), "-o", str(tmp_path / "x.se"))
    assert code == 2
    assert "line 2, column" in err
    (tmp_path / "wrong.json").write_text('{"vouchers": [{"series": "A", "number": "1"}]}')
    code, _, err = _invoke(
        "sie", "write", str(tmp_path / "wrong.json"), "-o", str(tmp_path / "x.se")
    )
    assert code == 2
    assert ".vouchers[0].date: missing" in err


def test_output_files_are_named_with_output_and_the_old_out_still_works(tmp_path: Path) -> None:
    sie = tmp_path / "a.se"
    sie.write_bytes(b'#FLAGGA 0\r\n#SIETYP 4\r\n#FNAMN "A AB"\r\n#RAR 0 20260101 20261231\r\n')
    for option in ("--output", "-o", "--out"):
        target = tmp_path / f"a{option}.json"
        code, out, _ = _invoke("sie", "convert", str(sie), "--to", "json", option, str(target))
        assert (code, out) == (0, "")
        assert json.loads(target.read_text())["company"]["name"] == "A AB"
    code, _, err = _invoke("sie", "write", str(tmp_path / "a--out.json"))
    assert code == 2
    assert "give the SIE file to write with --output FILE (-o FILE)" in err
    code, _, err = _invoke(
        "sie", "convert", str(sie), "--to", "csv", "-o", "x.csv", "--out", "y.csv"
    )
    assert code == 2
    assert "disagree" in err


DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_a_broken_voucher_head_reads_as_the_formats_guide_shows(tmp_path: Path) -> None:
    guide = (DOCS / "formats.md").read_text()
    shown = guide.split("$ fortnox-bridge sie validate februari.se\n", 1)[1].split("```", 1)[0]
    text = (
        '#FLAGGA 0\r\n#PROGRAM "Lön" 1.0\r\n#FORMAT PC8\r\n#GEN 20240301\r\n#SIETYP 4\r\n'
        '#FNAMN "Bygg AB"\r\n#VER A 1 20240231 "Februarilöner"\r\n{\r\n'
        "#TRANS 7010 {} 42000.00\r\n#TRANS 1930 {} -42000.00\r\n}\r\n"
    )
    (tmp_path / "februari.se").write_bytes(text.encode("cp437"))
    result = run_cli("sie", "validate", "februari.se", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == shown
    info = json.loads(run_cli("sie", "info", "februari.se", cwd=tmp_path).stdout)
    assert (info["vouchers"], info["transactions"]) == (1, 2)  # kept, with its rows


def test_sie_convert_refuses_an_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "a.se").write_text("#FLAGGA 0\n")
    code, _, err = _invoke("sie", "convert", str(tmp_path / "a.se"), "--to", "xml")
    assert code == 2
    assert "use --to json or --to csv" in err


@pytest.mark.reference
def test_paxml_validate_as_typed_with_the_official_xsd(reference_dir: Path, tmp_path: Path) -> None:
    folder = reference_dir / "paxml"
    xsd = folder / "paxml-2.0-2012-12.xsd"
    ok = run_cli(
        "paxml",
        "validate",
        str(folder / "Workify_time_export_ARB.xml"),
        "--xsd",
        str(xsd),
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "valid (with XSD), 0 errors" in ok.stdout
    bad = folder / "jongotlin_php_generator_expected_10digit_persnr.xml"
    code, out, _ = _invoke("paxml", "validate", str(bad), "--xsd", str(xsd), "--json")
    report = json.loads(out)
    assert code == 1
    assert report["schema_checked"] is True
    codes = {(f["code"], f["line"]) for f in report["findings"]}
    assert ("PAXML-PERSNR", 7) in codes
    assert any(f["code"] == "PAXML-XSD" and "persnr" in f["message"] for f in report["findings"])


@pytest.mark.reference
def test_paxml_info_counts_the_sections(reference_dir: Path) -> None:
    path = reference_dir / "paxml" / "PAXml_2.0_official_example.pax"
    code, out, _ = _invoke("paxml", "info", str(path))
    info = json.loads(out)
    assert code == 0
    assert (info["version"], info["format"], info["encoding"]) == ("2.0", "LÖNIN", "iso-8859-1")
    assert (info["persons"], info["time_transactions"], info["salary_transactions"]) == (1, 2, 1)
    assert (info["schedules"], info["schedule_days"]) == (1, 3)
    assert info["other_sections"] == ["resetransaktioner"]


def test_paxml_on_broken_xml_exits_2_with_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "broken.xml").write_text("<paxml>\n<header><version>2.0</header>\n</paxml>")
    code, _, err = _invoke("paxml", "info", str(tmp_path / "broken.xml"))
    assert code == 2
    assert "line 2, column" in err
    assert "PAXML-XML" in err
    code, _, err = _invoke("paxml", "validate", str(tmp_path / "broken.xml"))
    assert code == 2
    assert "PAXML-XML" in err
