"""Readers: each format parsed from small strings, detection, .gz, de-duplication, and the fail/skip error policy."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from kgbuild.errors import ReaderError, UnknownFormatError
from kgbuild.models import paper_id_for_title
from kgbuild.readers import READERS, ReadReport, detect_format, read_papers, sample_path
from kgbuild.readers.arxiv import parse_arxiv
from kgbuild.readers.csv_table import parse_csv
from kgbuild.readers.daily import parse_daily, parse_listing_date
from kgbuild.readers.json_array import parse_json
from kgbuild.readers.jsonl import parse_jsonl
from kgbuild.readers.openalex import parse_openalex
from kgbuild.readers.txtdir import parse_txtdir

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
SHARED_CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"

# Long enough (25+ words, ending in a full stop) to count as abstracts in a listing dump.
ABSTRACT_A = ("We fuse the attention and projection kernels of a decoder block into a single launch, which on small "
              "batches decodes noticeably faster than the unfused baseline on one GPU.")
ABSTRACT_B = ("Routing every request to the replica whose prefix cache already holds its prompt halves the median "
              "latency of a serving cluster under a realistic chat workload.")
ABSTRACT_C = ("Adapters trained on a few thousand examples match full fine-tuning on our classification tasks while "
              "storing less than one percent of the parameters of the model.")


def collect(errors: list[ReaderError]):
    """An error handler that keeps what it is given, as `on_error="skip"` does."""
    return errors.append


def gzip_copy(source: Path, target: Path) -> Path:
    with open(source, "rb") as raw, gzip.open(target, "wb") as packed:
        shutil.copyfileobj(raw, packed)
    return target


# --- daily -----------------------------------------------------------------------------------------------------


def test_daily_pairs_titles_with_abstracts_amid_noise_and_dates() -> None:
    text = "\n".join([
        "new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
        "byAK and the research community", "Sep 3", "Fused Kernels", "Upvote", "12", ABSTRACT_A,
        "Submitted by someone", "Mar 14", "Cache-Aware Routing", ABSTRACT_B,
    ])
    papers = list(parse_daily(text, "dump.txt"))
    assert [(p.title, p.date, p.source) for p in papers] == [
        ("Fused Kernels", "--09-03", "dump.txt:7"),
        ("Cache-Aware Routing", "--03-14", "dump.txt:13"),
    ]
    assert papers[0].id == paper_id_for_title("Fused Kernels")
    assert papers[0].abstract == ABSTRACT_A


def test_daily_strips_glued_subscribe_and_needs_no_blank_lines() -> None:
    text = f"Get trending papers in your email inbox once a day!\nSubscribeText-To-Things (and Back)\n{ABSTRACT_A}\n"
    assert [p.title for p in parse_daily(text)] == ["Text-To-Things (and Back)"]


def test_daily_takes_a_long_unpunctuated_line_ending_in_a_url_as_an_abstract() -> None:
    abstract = ABSTRACT_A + " " + ABSTRACT_B + " Code is at https://example.org/repo"
    assert [p.abstract for p in parse_daily(f"Title\n{abstract}")] == [abstract]


def test_daily_short_sentence_is_a_title_candidate_not_an_abstract() -> None:
    errors: list[ReaderError] = []
    papers = list(parse_daily("A Title\nWe show it works.\n" + ABSTRACT_A, "d.txt", collect(errors)))
    # "We show it works." is too short for an abstract, so it becomes the title and "A Title" is an orphan.
    assert [p.title for p in papers] == ["We show it works."]
    assert [str(e) for e in errors][0].startswith("d.txt:1: title with no abstract")


def test_daily_orphan_title_raises_with_file_and_line() -> None:
    text = f"Good Title\n\n{ABSTRACT_A}\n\nLonely Title\n\nNext Title\n\n{ABSTRACT_B}\n"
    papers = parse_daily(text, "listing.txt")
    assert next(papers).title == "Good Title"
    with pytest.raises(ReaderError) as info:
        next(papers)
    assert str(info.value).startswith("listing.txt:5: title with no abstract: 'Lonely Title'")
    assert (info.value.source, info.value.line) == ("listing.txt", 5)


def test_daily_skip_keeps_papers_before_and_after_each_defect() -> None:
    text = "\n".join(["One", ABSTRACT_A, ABSTRACT_B, "Two", "Orphan", "Three", ABSTRACT_C, "Dangling"])
    errors: list[ReaderError] = []
    titles = [p.title for p in parse_daily(text, "x.txt", collect(errors))]
    assert titles == ["One", "Three"]
    assert [(e.line, e.reason) for e in errors] == [
        (3, "abstract with no title"), (4, "title with no abstract"), (5, "title with no abstract"),
        (8, "title with no abstract"),
    ]


def test_daily_empty_input_yields_nothing() -> None:
    assert list(parse_daily("")) == []
    assert list(parse_daily("\n\nnew\nSubscribe\n")) == []


@pytest.mark.parametrize(
    ("line", "year", "expected"),
    [
        ("Sep 3", None, "--09-03"),
        ("Mar 14", None, "--03-14"),
        ("Sept 30", None, "--09-30"),
        ("December 1", 2023, "2023-12-01"),
        ("Jan 5, 2024", None, "2024-01-05"),
        ("Feb 29", None, "--02-29"),
        ("Feb 29", 2023, None),
        ("Apr 31", None, None),
        ("Mamba 2", None, None),
        ("Fused Kernels", None, None),
    ],
)
def test_parse_listing_date(line: str, year: int | None, expected: str | None) -> None:
    assert parse_listing_date(line, year) == expected


def test_daily_year_makes_full_iso_dates() -> None:
    assert next(parse_daily(f"Sep 3\nT\n{ABSTRACT_A}", year=2024)).date == "2024-09-03"


# --- JSON Lines, JSON, CSV -------------------------------------------------------------------------------------


def test_jsonl_fields_defaults_and_whitespace() -> None:
    papers = list(parse_jsonl((FIXTURES / "records.jsonl").read_text(), "records.jsonl"))
    assert [p.id for p in papers] == [paper_id_for_title("Fused Kernels for Small Batches"), "custom-7",
                                      paper_id_for_title("Adapters Everywhere")]
    assert papers[0].date == "2024-02-01" and papers[0].categories == ["cs.LG", "cs.DC"]
    assert papers[1].abstract == "Routing by cache hits halves latency."
    assert papers[2].categories == ["cs.CL", "cs.LG"] and papers[2].source == "records.jsonl:4"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"title": "T", "abstract": ', "bad.jsonl:2: invalid JSON: Expecting value at column 28"),
        ('{"abstract": "x"}', "bad.jsonl:2: missing or empty 'title'"),
        ('{"title": "T", "abstract": "  "}', "bad.jsonl:2: missing or empty 'abstract'"),
        ('{"title": 5, "abstract": "x"}', "bad.jsonl:2: 'title' is not a string: got int"),
        ('{"title": "T", "abstract": "x", "categories": 3}', "bad.jsonl:2: 'categories' is not a list of strings"),
        ('{"title": "T", "abstract": "x", "date": "yesterday"}', "bad.jsonl:2: 'date' is not an ISO date"),
        ('["T", "x"]', "bad.jsonl:2: expected a JSON object: got list"),
    ],
)
def test_jsonl_errors_name_file_line_and_problem(line: str, message: str) -> None:
    text = f'{{"title": "Good", "abstract": "Fine."}}\n{line}\n{{"title": "After", "abstract": "Fine."}}\n'
    with pytest.raises(ReaderError, match="^" + message.replace("(", r"\(").replace("[", r"\[")):
        list(parse_jsonl(text, "bad.jsonl"))
    errors: list[ReaderError] = []
    assert [p.title for p in parse_jsonl(text, "bad.jsonl", collect(errors))] == ["Good", "After"]
    assert len(errors) == 1 and " — " in str(errors[0])  # every message also says what to do


def test_json_array_gives_record_numbers_and_lines() -> None:
    papers = list(parse_json((FIXTURES / "records.json").read_text(), "records.json"))
    assert [(p.title, p.date, p.source) for p in papers] == [
        ("Fused Kernels for Small Batches", None, "records.json:2"),
        ("Cache-Aware Routing", "2023-11", "records.json:3"),
    ]
    text = '[\n{"title": "A", "abstract": "x"},\n\n{"title": "B", "abstract": 7},\n{"title": "C", "abstract": "z"}\n]'
    errors: list[ReaderError] = []
    assert [p.title for p in parse_json(text, "r.json", collect(errors))] == ["A", "C"]
    assert str(errors[0]).startswith("r.json:4: record 2: 'abstract' is not a string: got int")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"title": "A", "abstract": "x"}', "r.json:1: expected a JSON array of records"),
        ('[{"title": "A", "abstract": "x"},\n {"title": "B" "abstract": "y"}]', "r.json:2: record 2: invalid JSON"),
        ('[{"title": "A", "abstract": "x"}', "r.json:1: invalid JSON: the array is not closed"),
        ('[{"title": "A", "abstract": "x"} {"title": "B"}]', "r.json:1: invalid JSON: expected ',' or ']'"),
    ],
)
def test_json_array_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(ReaderError) as info:
        list(parse_json(text, "r.json"))
    assert str(info.value).startswith(message)


def test_json_array_empty_forms() -> None:
    assert list(parse_json("")) == [] and list(parse_json("  [ ]\n")) == []


def test_csv_header_case_multiline_fields_and_start_lines() -> None:
    papers = list(parse_csv((FIXTURES / "records.csv").read_text(), "records.csv"))
    assert [(p.title, p.source, p.date, p.categories) for p in papers] == [
        ("Fused Kernels for Small Batches", "records.csv:2", "2024-02-01", ["cs.LG", "cs.DC"]),
        ("Cache-Aware Routing", "records.csv:3", None, []),
    ]
    assert papers[1].abstract == "Routing by cache hits, over two lines, halves latency."


def test_csv_errors() -> None:
    with pytest.raises(ReaderError, match=r"^t\.csv:1: CSV header lacks required columns: abstract"):
        list(parse_csv("title,summary\nA,b\n", "t.csv"))
    text = 'title,abstract\nA,"one\ntwo"\nB,x,extra\nC,\nD,fine\n'
    errors: list[ReaderError] = []
    assert [p.title for p in parse_csv(text, "t.csv", collect(errors))] == ["A", "D"]
    assert [str(e).split(" — ")[0] for e in errors] == [
        "t.csv:4: row has more fields than the header: 3 fields, 2 columns",
        "t.csv:5: missing or empty 'abstract'",
    ]


# --- arXiv, OpenAlex, txtdir -----------------------------------------------------------------------------------


def test_arxiv_keeps_id_collapses_latex_whitespace() -> None:
    papers = list(parse_arxiv((FIXTURES / "arxiv_snapshot.jsonl").read_text(), "a.jsonl"))
    assert [(p.id, p.title, p.date, p.categories) for p in papers] == [
        ("2401.01234", "Fused Kernels for Small Batches", "2024-01-09", ["cs.LG", "cs.DC"]),
        ("hep-th/9901001", "An Old-Style Identifier", "2008-11-13", ["hep-th"]),
    ]
    assert papers[0].abstract == "We fuse three kernels and decode 1.4x faster on an A100."


def test_openalex_rebuilds_abstract_and_reports_missing_one() -> None:
    errors: list[ReaderError] = []
    text = (FIXTURES / "openalex_works.jsonl").read_text()
    papers = list(parse_openalex(text, "w.jsonl", collect(errors)))
    assert [(p.id, p.title, p.abstract, p.date) for p in papers] == [
        ("W4391234567", "Fused Kernels for Small Batches", "We fuse three kernels and decode 1.4x faster.",
         "2024-01-02"),
        ("W2000000001", "Cache-Aware Routing", "Routing by cache hits halves latency.", "2023-11-20"),
    ]
    assert [str(e).split(":")[:3] for e in errors] == [["w.jsonl", "3", " work has no abstract"]]
    bad = '{"id": "W1", "title": "T", "abstract_inverted_index": {"a": "zero"}}'
    with pytest.raises(ReaderError, match="bad 'abstract_inverted_index'"):
        list(parse_openalex(bad))


def test_txtdir_reads_txt_and_gz_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Second Paper\nIts abstract\nspans lines.\n")
    gzip_copy_target = tmp_path / "a.txt.gz"
    with gzip.open(gzip_copy_target, "wt", encoding="utf-8") as handle:
        handle.write("\nFirst Paper\nShort abstract.\n")
    (tmp_path / "notes.md").write_text("Not A Paper\nignored\n")
    (tmp_path / "empty.txt").write_text("")
    papers = list(read_papers(tmp_path))
    assert [(p.title, p.abstract, Path(p.source).name) for p in papers] == [
        ("First Paper", "Short abstract.", "a.txt.gz:2"),
        ("Second Paper", "Its abstract spans lines.", "b.txt:1"),
    ]
    with pytest.raises(ReaderError, match="t.txt:1: title with no abstract"):
        list(parse_txtdir("Only A Title\n\n", "t.txt"))


# --- detection, registry, read_papers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", "title,abstract\n", "csv"),
        ("a.CSV.gz", None, "csv"),
        ("a.json", "[]", "json"),
        ("a.txt", "", "daily"),
        ("a.txt.gz", None, "daily"),
        ("a.jsonl", '{"title": "T", "abstract": "x"}\n', "jsonl"),
        ("a.ndjson", '\n{"id": "1", "update_date": "2024-01-01"}\n', "arxiv"),
        ("a.jsonl", '{"submitter": "x"}\n', "arxiv"),
        ("a.jsonl", '{"id": "https://openalex.org/W1", "abstract_inverted_index": null}\n', "openalex"),
        ("a.jsonl", "not json\n", "jsonl"),
        ("a.jsonl", "", "jsonl"),
    ],
)
def test_detect_format(tmp_path: Path, name: str, content: str | None, expected: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    assert detect_format(path) == expected


def test_detect_format_sniffs_gzipped_json_lines_and_folders(tmp_path: Path) -> None:
    assert detect_format(gzip_copy(FIXTURES / "openalex_works.jsonl", tmp_path / "w.jsonl.gz")) == "openalex"
    assert detect_format(gzip_copy(FIXTURES / "arxiv_snapshot.jsonl", tmp_path / "s.jsonl.gz")) == "arxiv"
    assert detect_format(tmp_path) == "txtdir"


def test_unknown_extension_and_format_name_list_the_valid_names() -> None:
    with pytest.raises(UnknownFormatError, match="notes.pdf.*arxiv, csv, daily, json, jsonl, openalex, txtdir"):
        detect_format("notes.pdf")
    with pytest.raises(UnknownFormatError, match="unknown reader format 'bibtex' — choose one of: arxiv, csv"):
        list(read_papers([FIXTURES / "listing.txt"], format="bibtex"))
    assert isinstance(UnknownFormatError("x"), ValueError)


def test_aliases_and_format_override(tmp_path: Path) -> None:
    assert READERS.canonical("hf") == READERS.canonical("daily_papers") == "daily"
    assert READERS.canonical("NDJSON") == "jsonl"
    disguised = tmp_path / "records.txt"  # would be detected as a listing dump
    shutil.copy(FIXTURES / "records.jsonl", disguised)
    assert len(list(read_papers([disguised], format="ndjson"))) == 3


@pytest.mark.parametrize(
    "name",
    ["records.jsonl", "records.json", "records.csv", "arxiv_snapshot.jsonl", "openalex_works.jsonl", "listing.txt"],
)
def test_gz_reads_the_same_as_plain(tmp_path: Path, name: str) -> None:
    packed = gzip_copy(FIXTURES / name, tmp_path / (name + ".gz"))
    plain = [(p.id, p.title, p.abstract, p.date) for p in read_papers([FIXTURES / name], on_error="skip")]
    assert plain and plain == [(p.id, p.title, p.abstract, p.date) for p in read_papers([packed], on_error="skip")]


def test_read_papers_deduplicates_by_id_keeping_the_first() -> None:
    report = ReadReport()
    paths = [FIXTURES / "listing.txt", FIXTURES / "records.jsonl", FIXTURES / "records.csv"]
    papers = list(read_papers(paths, report=report))
    # "Fused Kernels…" is in all three files; "Cache-Aware Routing" has a custom id in the JSONL file.
    assert [Path(p.source).name for p in papers] == ["listing.txt:9", "listing.txt:17", "records.jsonl:2",
                                                     "records.jsonl:4"]
    assert (report.read, report.duplicates, report.skipped) == (4, 3, 0)


def test_fail_keeps_what_was_yielded_then_raises(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"title": "A", "abstract": "x"}\n{"title": "B"}\n{"title": "C", "abstract": "z"}\n')
    seen = []
    with pytest.raises(ReaderError) as info:
        for paper in read_papers([path]):
            seen.append(paper.title)
    assert seen == ["A"]
    assert str(info.value) == f"{path}:2: missing or empty 'abstract' — add a non-empty abstract"


def test_skip_counts_reasons_and_keeps_records_around_the_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"title": "A", "abstract": "x"}\n{"title": "B"}\nnot json\n{"title": "C", "abstract": "z"}\n'
                    '{"title": "D"}\n')
    report = ReadReport()
    titles = [p.title for p in read_papers([path, tmp_path / "missing.csv"], on_error="skip", report=report)]
    assert titles == ["A", "C"]
    assert (report.read, report.skipped) == (2, 4)
    assert report.reasons == {"missing or empty 'abstract'": 2, "invalid JSON": 1, "no such file": 1}
    assert report.messages[0].startswith(f"{path}:2: ") and report.messages[1].startswith(f"{path}:3: ")
    assert report.messages[3].startswith(f"{tmp_path / 'missing.csv'}: no such file")
    assert "skipped 4" in report.summary()


def test_missing_file_fails_with_a_reader_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="no such file"):
        list(read_papers([tmp_path / "absent.txt"]))
    with pytest.raises(ValueError, match="on_error"):
        list(read_papers([tmp_path / "absent.txt"], on_error="ignore"))  # type: ignore[arg-type]


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"title": "Caf\xe9 Kernels", "abstract": "Na\xefve but fast."}\n\xff\xfe{"broken\n')
    report = ReadReport()
    papers = list(read_papers([path], on_error="skip", report=report))
    assert [p.title for p in papers] == ["Caf\ufffd Kernels"]
    assert (report.replaced, report.skipped) == (1, 1)
    corrupt = tmp_path / "corrupt.txt.gz"
    corrupt.write_bytes(gzip.compress(("T\n" + ABSTRACT_A + "\n").encode())[:-12])  # truncated stream
    with pytest.raises(ReaderError, match="corrupt.txt.gz"):
        list(read_papers([corrupt]))


@pytest.mark.parametrize("name", ["e.txt", "e.jsonl", "e.json", "e.csv", "e.txt.gz"])
def test_empty_files_yield_nothing(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(b""))
    else:
        path.write_text("")
    report = ReadReport()
    assert list(read_papers([path], report=report)) == [] and report.skipped == 0


# --- corpora ---------------------------------------------------------------------------------------------------


def test_sample_corpus_parses_with_its_defects_reported() -> None:
    report = ReadReport()
    papers = list(read_papers([sample_path()], on_error="skip", report=report))
    assert len(papers) >= 28 and report.read == len(papers)
    assert report.reasons == {"title with no abstract": 1, "abstract with no title": 1}
    assert all(":" in m.split(" ")[0] and m.split(":")[1].isdigit() for m in report.messages)
    assert {p.date for p in papers} >= {"--03-14", "--09-03"}
    assert not any(p.title.startswith("Subscribe") for p in papers)
    assert len({p.id for p in papers}) == len(papers)
    with pytest.raises(ReaderError, match="daily_papers_sample.txt:\\d+: title with no abstract"):
        list(read_papers([sample_path()]))


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason=f"shared corpus not found at {SHARED_CORPUS}")
def test_shared_corpus_holds_497_distinct_papers() -> None:
    report = ReadReport()
    papers = list(read_papers(sorted(SHARED_CORPUS.glob("*.txt")), report=report))
    assert len(papers) == len({p.id for p in papers}) == 497
    assert report.skipped == 0 and report.duplicates == 66
    assert {p.date for p in papers} == {"--09-03", "--03-14", "--09-04", "--03-13", None}  # one file has no date line
    assert all(p.title and len(p.abstract.split()) >= 25 for p in papers)
    assert not any(p.title.startswith("Subscribe") for p in papers)


def test_a_folder_of_listing_dumps_reads_each_file_as_a_dump(tmp_path):
    from kgbuild.readers import read_papers, sample_path

    (tmp_path / "a.txt").write_text(sample_path().read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.txt").write_text("One paper title\nAn abstract of a single paper.\n", encoding="utf-8")
    papers = list(read_papers(tmp_path, on_error="skip"))
    assert len(papers) >= 28  # the dump's papers, not one paper per file
