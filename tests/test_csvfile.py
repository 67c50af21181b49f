"""A CSV file to import: integration.imports.csvfile, free of Django."""

import csv
import io
import re
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integration.imports.csvfile import (
    BadRow,
    CsvError,
    CsvReader,
    Row,
    convert_row,
    guess_type,
    import_key,
    infer_columns,
    parse_number,
)

pytestmark = pytest.mark.no_db


def reader(text: str, **options):
    return CsvReader(io.BytesIO(text.encode("utf-8")), **options)


def rows_of(text: str, **options) -> list[Row | BadRow]:
    return list(reader(text, **options))


def guesses(text: str, **options) -> dict[str, str]:
    csvfile = reader(text)
    found = infer_columns(csvfile.header, csvfile, decimal=csvfile.decimal, **options)
    return {guess.name: guess.type for guess in found}


def column(*values: str, decimal: str = ".") -> str:
    return guess_type([value for value in values if value.strip()], decimal=decimal)


# Reading


def test_a_file_with_a_byte_order_mark_reads_as_one_without():
    with_bom = CsvReader(io.BytesIO(b"\xef\xbb\xbfName,Age\r\nAda,36\r\n"))
    without = CsvReader(io.BytesIO(b"Name,Age\r\nAda,36\r\n"))
    assert with_bom.header == without.header == ("Name", "Age")
    assert list(with_bom) == list(without) == [Row(2, ("Ada", "36"))]


def test_the_delimiter_is_a_comma_or_a_semicolon_whichever_splits_the_header():
    assert reader("Name,Age\nAda,36\n").delimiter == ","
    semicolons = reader("Name;Age\nAda;36,5\n")
    assert semicolons.delimiter == ";"
    assert semicolons.decimal == ","
    assert list(semicolons) == [Row(2, ("Ada", "36,5"))]


def test_a_header_of_one_column_is_read_with_a_comma():
    assert reader("Name\nAda\n").delimiter == ","


def test_quoted_fields_keep_their_newlines_and_delimiters_and_rows_start_on_their_own_line():
    text = 'Name,Notes\n"Ada","one\ntwo, three\nfour"\nBob,"a ""quote"""\r\n"C\r\nD",x\rE,y\n'
    assert rows_of(text) == [
        Row(2, ("Ada", "one\ntwo, three\nfour")),
        Row(5, ("Bob", 'a "quote"')),
        Row(6, ("C\r\nD", "x")),
        Row(8, ("E", "y")),
    ]


def test_a_header_with_a_newline_in_a_quoted_name_still_sniffs_its_delimiter():
    csvfile = reader('"Full\nname";Age\nAda;36\n')
    assert csvfile.delimiter == ";"
    assert csvfile.header == ("Full\nname", "Age")
    assert list(csvfile) == [Row(3, ("Ada", "36"))]


def test_blank_lines_are_skipped_but_counted():
    assert rows_of("Name\n\nAda\n\n\nBob") == [Row(3, ("Ada",)), Row(6, ("Bob",))]


def test_the_size_limit_stops_reading_in_the_middle_of_the_file():
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            chunk = super().read(size)
            self.read_bytes += len(chunk)
            return chunk

    file = Counting(b"Name,Age\n" + b"Ada,36\n" * 1_000_000)  # 7 MB
    rows = 0
    with pytest.raises(CsvError, match=r"larger than the limit of 100,000 bytes \(stopped at line \d+"):
        for _ in CsvReader(file, limit=100_000):
            rows += 1
    assert 5_000 < rows < 14_285  # the chunk that passes the limit is refused whole
    assert file.read_bytes <= 100_001


def test_a_file_exactly_at_the_size_limit_is_read():
    data = b"Name\nAda\n"
    assert list(CsvReader(io.BytesIO(data), limit=len(data))) == [Row(2, ("Ada",))]


def test_a_file_that_is_not_utf8_is_refused_with_its_line_and_byte():
    data = "Name,City\nAda,London\nBob,Köln\n".encode("latin-1")
    with pytest.raises(CsvError, match=r"Line 3, byte 27 of the file is not UTF-8 \(0xF6\)"):
        list(CsvReader(io.BytesIO(data)))


def test_a_bad_byte_after_a_byte_order_mark_and_many_chunks_is_placed_exactly():
    data = b"\xef\xbb\xbfName\n" + b"x\n" * 100_000 + b"\xff\n"
    with pytest.raises(CsvError, match=r"Line 100002, byte 200,009 of the file"):
        list(CsvReader(io.BytesIO(data)))


def test_a_character_cut_by_the_end_of_the_file_is_not_utf8():
    with pytest.raises(CsvError, match=r"Line 2, byte 6 of the file is not UTF-8"):
        list(CsvReader(io.BytesIO(b"Name\n\xc3")))


def test_a_file_in_utf16_is_refused_by_name():
    with pytest.raises(CsvError, match="in UTF-16: save it as UTF-8"):
        CsvReader(io.BytesIO("Name\nAda\n".encode("utf-16")))


def test_an_empty_file_is_refused():
    with pytest.raises(CsvError, match="The file is empty"):
        CsvReader(io.BytesIO(b""))
    with pytest.raises(CsvError, match="Line 1 is empty"):
        CsvReader(io.BytesIO(b"\nName\n"))


def test_a_header_with_an_empty_name_is_refused():
    with pytest.raises(CsvError, match="no name for column 2"):
        reader("Name, ,Age\n")


def test_a_header_naming_a_column_twice_is_refused_whatever_the_case():
    with pytest.raises(CsvError, match="names two columns “Age”: each"):
        reader("Name,Age,Age\n")
    with pytest.raises(CsvError, match="names two columns “age” \\(and “Age”\\)"):
        reader("Name,Age,age\n")


def test_a_header_with_more_columns_than_allowed_is_refused_before_any_row_is_read():
    header = ",".join(f"C{n}" for n in range(1, 6))
    file = io.BytesIO(f"{header}\n".encode() + b"x,x,x,x,x\n" * 100_000)

    with pytest.raises(CsvError, match=r"^The header \(line 1\) names 5 columns; at most 4 can be imported"):
        CsvReader(file, max_columns=4)

    assert file.tell() < 64 * 1024 + 1  # the first chunk, not the file


def test_a_header_with_as_many_columns_as_allowed_is_read():
    assert len(reader("A,B,C,D\n1,2,3,4\n", max_columns=4).header) == 4


def test_rows_with_too_many_or_too_few_fields_are_bad_rows_and_reading_goes_on():
    assert rows_of('Name,Age\nAda,36,extra\nBob\n"C\nD",1\n') == [
        BadRow(2, None, "3 fields where the header has 2: too many."),
        BadRow(3, None, "1 field where the header has 2: too few."),
        Row(4, ("C\nD", "1")),
    ]


def test_an_unclosed_quote_stops_reading_at_its_line():
    with pytest.raises(CsvError, match=r"Line 3: field larger than field limit .* a quote is not closed"):
        list(reader('Name\nAda\n"Bob\n' + "x\n" * 100_000))


# The property test: what the csv module writes, read back exactly, line numbers included.

names = st.text(st.characters(codec="utf-8", exclude_characters=',;"\r\n'), min_size=1, max_size=8).map(
    str.strip
)
cells = st.text(st.characters(codec="utf-8"), max_size=12)


@st.composite
def tables(draw) -> tuple[list[str], list[list[str]]]:
    header = draw(st.lists(names.filter(bool), min_size=1, max_size=5, unique_by=str.casefold))
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=8))
    return header, [row for row in rows if row != [""] * len(header) or len(header) == 1]


def breaks(text: str) -> int:
    return len(re.findall(r"\r\n|\r|\n", text))


@settings(max_examples=300, deadline=None)
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    bom=st.booleans(),
)
def test_any_table_the_csv_module_writes_reads_back_exactly_with_its_line_numbers(
    table, delimiter, quoting, bom
):
    header, rows = table
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting)
    writer.writerow(header)
    expected, line = [], 1 + breaks(out.getvalue())
    for row in rows:
        start = len(out.getvalue())
        writer.writerow(row)
        expected.append(Row(line, tuple(row)))
        line += breaks(out.getvalue()[start:])
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")

    # One column can't show its delimiter: a comma is guessed, so that one is given.
    csvfile = CsvReader(io.BytesIO(data), delimiter=None if len(header) > 1 else delimiter)

    assert (csvfile.delimiter, csvfile.header) == (delimiter, tuple(header))
    assert list(csvfile) == expected


# Memory


def test_reading_100000_rows_keeps_memory_flat(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Name", "Amount", "Notes"])
        for number in range(100_000):
            writer.writerow([f"Row {number}", f"{number}.5", "a note,\nover two lines"])
    assert path.stat().st_size > 4_000_000

    with path.open("rb") as file:
        tracemalloc.start()
        try:
            last = None
            for last in CsvReader(file):  # noqa: B007
                pass
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert last == Row(200_000, ("Row 99999", "99999.5", "a note,\nover two lines"))
    print(f"peak traced memory reading 100,000 rows: {peak:,} bytes")
    assert peak < 2_000_000


# Guessing types


def test_integers_and_decimals_with_a_point_are_numbers_in_a_comma_file():
    assert column("1", "-2", "+3.25", "0.5", "1,234,567.89", "1 234") == "number"


def test_a_semicolon_file_takes_a_decimal_comma_and_a_point_between_thousands():
    assert column("3,5", "1.234,5", "-0,25", decimal=",") == "number"
    assert parse_number("1.234.567,8", ",") == "1234567.8"
    assert parse_number("1\u00a0234,5", ",") == "1234.5"


def test_a_point_is_not_a_decimal_separator_in_a_semicolon_file():
    assert parse_number("3.5", ",") is None
    assert parse_number("3.500", ",") == "3500"


def test_badly_grouped_thousands_codes_with_leading_zeros_and_exponents_are_not_numbers():
    for text in ("1,23", "12,3456", "1,234 567", "007", "01.5", "1e3", "$5", "5%", "1_000", "inf", "."):
        assert parse_number(text) is None, text
    assert column("007", "012", "123") == "rich_text"


def test_a_column_of_only_0_and_1_is_a_number():
    assert column("0", "1", "1", "0") == "number"


def test_true_false_or_yes_no_in_any_case_is_a_checkbox_but_not_the_two_mixed():
    assert column("true", "FALSE", "True") == "checkbox"
    assert column("yes", "No", "no") == "checkbox"
    assert column("yes", "false", "yes") == "select"


def test_iso_dates_and_datetimes_are_dates_but_not_day_first_or_impossible_ones():
    assert column("2026-12-01", "2026-12-01T09:30", "2026-12-01 09:30:15.5+01:00", "2026-01-31T00:00Z") == (
        "date"
    )
    assert column("2026-02-30") != "date"
    assert column("01/12/2026", "13/12/2026") == "rich_text"
    assert column("20261201") == "number"


def test_emails_and_http_links_are_emails_and_urls():
    assert column("ada@example.com", "bob@example.org") == "email"
    assert column("https://example.com/a", "http://example.org") == "url"
    assert column("ada@example.com", "not an email") == "rich_text"
    assert column("ftp://example.com/a") == "rich_text"


def test_a_few_repeated_values_are_a_select_with_their_options_in_order():
    csvfile = reader("Name,Status\na,Todo\nb,Done\nc,Todo\nd,\n")
    found = infer_columns(csvfile.header, csvfile)
    assert found[1].type == "select"
    assert found[1].options == ("Todo", "Done")
    assert found[1].distinct == 2
    assert found[1].samples == ("Todo", "Done")


def test_values_that_never_repeat_or_are_too_many_are_not_a_select():
    assert column("a", "b", "c") == "rich_text"
    assert column(*[str(n) + "x" for n in range(11)] * 2) == "rich_text"


def test_a_value_with_a_comma_keeps_a_column_from_being_a_select():
    assert column("red, blue", "green", "green") == "rich_text"


def test_empty_cells_are_ignored_and_a_column_of_only_empties_is_text():
    assert column("", "  ", "42", "", "7") == "number"
    assert guesses("Name,Empty\nAda,\nBob, \n") == {"Name": "title", "Empty": "rich_text"}


def test_the_title_is_the_first_column_unless_another_is_named():
    text = "Id,Name\n1,Ada\n2,Bob\n"
    assert guesses(text) == {"Id": "title", "Name": "rich_text"}
    assert guesses(text, title=1) == {"Id": "number", "Name": "title"}


def test_the_title_may_be_named():
    assert guesses("Id,Name\n1,Ada\n", title="Name") == {"Id": "number", "Name": "title"}


def test_guessing_reads_no_row_past_the_sample():
    rows = iter([Row(2, ("a",)), BadRow(3, None, "bad"), Row(4, ("b",)), Row(5, ("c",))])
    infer_columns(["Name"], rows, sample=2)
    assert next(rows) == Row(5, ("c",))


def test_a_quote_inside_an_unquoted_header_name_is_a_quote():
    csvfile = reader('Size 5",Name\n1,a\n')
    assert csvfile.header == ('Size 5"', "Name")
    assert list(csvfile) == [Row(2, ("1", "a"))]


def test_a_header_opening_a_quote_it_never_closes_is_refused_at_line_1():
    with pytest.raises(CsvError, match="Line 1: field larger than field limit"):
        reader('"Size,Name\n' + "1,a\n" * 50_000)


def test_only_the_first_good_rows_of_the_sample_are_looked_at():
    text = "Name,Age\nx,1\nx,2\nx,3\nbad\ny,old\n"
    assert guesses(text, sample=3) == {"Name": "title", "Age": "number"}
    assert guesses(text, sample=4) == {"Name": "title", "Age": "rich_text"}


# Converting rows


def convert(text: str, types: dict[str, str]) -> list[dict | list[BadRow]]:
    csvfile = reader(text)
    properties = {name: {"type": kind, kind: {}} for name, kind in types.items()}
    return [convert_row(csvfile.header, row, properties, decimal=csvfile.decimal) for row in csvfile]


def test_a_row_becomes_the_page_values_notion_takes():
    text = "Name;Price;Done;When;Tag\nA;1.234,5;yes;2026-12-01;x\nB;2;no;;x\n"
    sample = reader(text)
    found = infer_columns(sample.header, sample, decimal=sample.decimal)
    assert [guess.type for guess in found] == ["title", "number", "checkbox", "date", "select"]
    csvfile = reader(text)
    properties = {guess.name: {"type": guess.type, guess.type: {}} for guess in found}
    first, second = (convert_row(csvfile.header, row, properties, decimal=",") for row in csvfile)
    assert first == {
        "Name": {"title": [{"type": "text", "text": {"content": "A"}}]},
        "Price": {"number": 1234.5},
        "Done": {"checkbox": True},
        "When": {"date": {"start": "2026-12-01"}},
        "Tag": {"select": {"name": "x"}},
    }
    assert set(second) == {"Name", "Price", "Tag"}


def test_a_column_not_in_the_schema_is_left_out():
    assert convert("Name,Other\nAda,x\n", {"Name": "title"}) == [
        {"Name": {"title": [{"type": "text", "text": {"content": "Ada"}}]}}
    ]


def test_a_number_that_is_not_a_number_is_a_bad_row_with_its_line():
    assert convert('Name,Age\n"A\nB",36\nBob,old\n', {"Age": "number"}) == [
        {"Age": {"number": 36}},
        [BadRow(4, "Age", "“old” is not a number, such as 1234.5 or 1,234.5.")],
    ]


def test_a_date_that_is_not_a_date_is_a_bad_row_with_its_line():
    assert convert("Name,When\nA,2026-13-01\n", {"When": "date"}) == [
        [BadRow(2, "When", "“2026-13-01” is not a date, such as 2026-12-01 or 2026-12-01T09:30.")]
    ]


def test_a_checkbox_that_is_neither_checked_nor_not_is_a_bad_row():
    assert convert("Name,Done\nA,1\nB,maybe\n", {"Done": "checkbox"}) == [
        {"Done": {"checkbox": True}},
        [BadRow(3, "Done", "“maybe” is not a checkbox’s value: true/false, yes/no or 1/0.")],
    ]


def test_a_title_over_2000_utf16_units_is_a_bad_row():
    fits, too_long = "😀" * 1000, "😀" * 1000 + "x"  # 2000 and 2001 UTF-16 units
    assert convert(f"Name\n{fits}\n", {"Name": "title"})[0] == {
        "Name": {"title": [{"type": "text", "text": {"content": fits}}]}
    }
    assert convert(f"Name\n{too_long}\n", {"Name": "title"}) == [
        [BadRow(2, "Name", "A title has at most 2,000 characters (this has 2,001).")]
    ]


def test_an_email_or_url_over_notions_limits_is_a_bad_row_and_each_bad_cell_is_named():
    email, url = "a" * 190 + "@example.com", "https://example.com/" + "a" * 1981
    (bad,) = convert(f"Name,Mail,Link\nA,{email},{url}\n", {"Mail": "email", "Link": "url"})
    assert bad == [
        BadRow(2, "Mail", "Notion takes at most 200 characters here (this has 202)."),
        BadRow(2, "Link", "Notion takes at most 2,000 characters here (this has 2,001)."),
    ]


def test_an_option_with_a_comma_is_a_bad_row():
    assert convert('Name,Tag\nA,"x, y"\n', {"Tag": "select"}) == [
        [BadRow(2, "Tag", "An option’s name can't contain a comma.")]
    ]


# Import keys


def test_the_import_key_is_stable_and_ignores_the_order_of_columns_and_spaces():
    key = import_key(["Name", "Age"], ["Ada", "36"], source="file-1")
    assert import_key(["Name", "Age"], ["Ada", "36"], source="file-1") == key
    assert import_key(["Age", "Name"], ["36", " Ada "], source="file-1") == key
    # Keys are stored with the pages: a change of scheme would import every row again.
    assert key == "562f36e386b81dea2f3c9e52d8aaa837"


def test_the_import_key_changes_with_a_value_a_column_or_the_source():
    key = import_key(["Name", "Age"], ["Ada", "36"], source="file-1")
    assert import_key(["Name", "Age"], ["Ada", "37"], source="file-1") != key
    assert import_key(["Name", "Years"], ["Ada", "36"], source="file-1") != key
    assert import_key(["Name", "Age"], ["Ada", "36"], source="file-2") != key
    assert import_key(["A", "B"], ["x,y", ""]) != import_key(["A", "B"], ["x", "y"])


def rows_with_keys(text: str) -> Iterator[str]:
    csvfile = reader(text)
    for row in csvfile:
        assert isinstance(row, Row)
        yield import_key(csvfile.header, row.values, source="f")


def test_the_same_file_read_twice_gives_the_same_keys():
    text = "Name,Age\nAda,36\nBob,41\n"
    assert list(rows_with_keys(text)) == list(rows_with_keys(text))
    assert len(set(rows_with_keys(text))) == 2
