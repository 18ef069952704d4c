"""Reading an XLIFF file written on one line (minified), whole and a part at a time, in seconds:
``python bench/one_line_xml.py`` (300,000 units, about 40 MB) or ``--units 10000``."""

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Write the file into a temporary folder, read it both ways, print the times and segment counts."""
    from tqcheck.readers import xliff
    from tqcheck.readers.inputs import read_raw

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300_000)
    units = parser.parse_args().units
    body = "".join(f'<trans-unit id="{k}"><source>Quelle {k}</source><target>They waited at the border of the '
                   f'striptease {k}.</target></trans-unit>' for k in range(units))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "one-line.xlf"
        path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:'
                        'xliff:document:1.2"><file source-language="de" target-language="en" datatype="plaintext" '
                        f'original="a"><body>{body}</body></file></xliff>\n', encoding="utf-8")
        began = time.perf_counter()
        whole = len(xliff.read(str(path), read_raw(str(path))).segments)
        middle = time.perf_counter()
        parts = sum(len(part.segments) for part in xliff.iter_parts(str(path)))
        end = time.perf_counter()
        size = path.stat().st_size / 1e6
    print(f"{units:,} units, {size:.1f} MB on one line: whole {middle - began:.1f} s ({whole:,} segments), "
          f"in parts {end - middle:.1f} s ({parts:,} segments)")


if __name__ == "__main__":
    main()
