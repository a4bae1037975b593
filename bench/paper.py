"""The paper ballot reader, measured: wrong reads, lines sent to a person, and sheets per second.

Runs on its own (`.venv/bin/python bench/paper.py [SHEETS] [FIRST_SEED]`, 600 sheets from seed 0 by
default). No database: the reader is pure. Each sheet comes from its seed (tests/ratings/paper/
corpus.py): a ballot of 2 to 14 cadres in full (5 criteria) or quick mode, Chinese or Uyghur, 0 to 5
nomination boxes, one page of it rendered at 150 or 200 dpi and marked line by line (55% a clear tick,
cross, filled box or circle; 20% blank; 10% two clear marks; 15% a faint mark, a dot, a mark over
two boxes, a circle round a box or a line between boxes), stray ink outside the grid on 30% of
sheets, then damaged as a scan (white surround, PNG or JPEG) or a phone photo (perspective up to 4%,
a table behind, light falling off by up to 50%, downscaled): a quarter turn, a tilt of up to 10°,
blur, noise, a fold on 30%, JPEG at quality 30 on 40% of sheets.

Generating the sheets is timed apart; "sheets per second" is reading only (decoding the bytes
included), one process, on this machine. A line read wrong is a clear mark read as another grade or
as blank, a blank line read as a mark, or an unclear line read as a grade or as blank; it must be 0.
"""

import os
import sys
import time
from collections import Counter
from pathlib import Path

SHEETS = 600
ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"  # the upload limits the reader checks
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    import django

    django.setup()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else SHEETS
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    setup()
    import cv2

    from ratings.paper import reader
    from tests.ratings.paper import corpus

    started = time.perf_counter()
    sheets = [corpus.make_sheet(seed) for seed in range(first, first + count)]
    generated = time.perf_counter() - started
    megabytes = sum(len(s.content) for s in sheets) / 1e6
    print(
        f"corpus: {count} sheets (seeds {first}–{first + count - 1}), {megabytes:.0f} MB of PNG/JPEG, "
        f"generated in {generated:.0f} s; OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads"
    )

    verdict = corpus.Verdict()
    unreadable: Counter = Counter()
    sheets_for_a_person = nominations_wrong = sent = 0
    truths: Counter = Counter()
    started = time.perf_counter()
    for seed, sheet in enumerate(sheets, start=first):
        [result] = reader.read_file(sheet.content, sheet.layout)
        if result.error is not None:
            unreadable[type(result.error).__name__] += 1
            print(f"  seed {seed}: {type(result.error).__name__} damage={sheet.damage}")
            sheets_for_a_person += 1
            continue
        truths.update(
            "person" if t == corpus.PERSON else "blank" if t == corpus.BLANK else "mark" for t in sheet.truth
        )
        sent += sum(line.needs_person for line in result.reading.lines)
        before = verdict.wrong
        corpus.judge(sheet.truth, result.reading, verdict)
        if verdict.wrong > before:
            print(f"  seed {seed}: {verdict.wrong_lines[before:]} damage={sheet.damage}")
        sheets_for_a_person += result.reading.needs_person
        nominations_wrong += [n.written for n in result.reading.nominations] != sheet.written
    reading = time.perf_counter() - started

    lines = verdict.right + verdict.flagged_without_need + verdict.wrong
    print(
        f"lines read: {lines} ({truths['mark']} clear marks, {truths['blank']} blank, "
        f"{truths['person']} for a person) on {count - sum(unreadable.values())} readable sheets"
    )
    print(f"wrong lines:                 {verdict.wrong}  (error rate {verdict.wrong / max(lines, 1):.4%})")
    print(
        f"lines sent to a person:      {sent} ({sent / max(lines, 1):.1%}); of them without need: "
        f"{verdict.flagged_without_need} ({verdict.flagged_without_need / max(lines, 1):.2%} of all lines)"
    )
    print(
        f"sheets sent to a person:     {sheets_for_a_person} ({sheets_for_a_person / count:.1%}), "
        f"of which unreadable: {sum(unreadable.values())} {dict(unreadable) or ''}"
    )
    print(f"nomination boxes misjudged:  on {nominations_wrong} sheets (written or blank)")
    print(
        f"reading: {reading:.1f} s, {count / reading:.1f} sheets per second "
        f"({1000 * reading / count:.0f} ms each)"
    )


if __name__ == "__main__":
    main()
