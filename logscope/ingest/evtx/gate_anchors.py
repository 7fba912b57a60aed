"""Which byte of each form the compiled chunk gate scan looks for first (its *anchor*).

Why: ``_chunk_gate_scan`` tests 32 chunk bytes at a time for the anchor bytes (two nibble
lookups, whatever their number); where one is, the ``width`` bytes around it (the form's
*window*) are looked up in a filter of the forms' windows, and only a form whose window is
there is compared. So the cost is a filter test per chunk byte equal to an anchor byte (per
shift of the window it stands at): each form takes a byte that is rare in real evtx chunks
(``data/evtx_byte_freq.yml``) or that other forms already take at the same shift.
Measured on the corpus and the generated host log (benchmarks/bench_chunk_gate.py): giving
a form's window no weight of its own beats steering forms away from shared windows.
"""

from __future__ import annotations

from functools import cache

from ... import datafiles

#: What one more anchor byte value costs beyond its hits, as hits in a 64 KiB chunk: past 8
#: distinct high nibbles the nibble test lets other bytes through too
NEW_BYTE_COST = 100
#: How many of its rarest byte values each form may be anchored on (the choice's cost grows
#: with the options; the rarest bytes are where the good anchors are)
RAREST = 3


@cache
def _frequency() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Each byte value's hits in a chunk, and a letter's with its other case added."""
    rows = datafiles.table("evtx_byte_freq.yml")["frequency"]
    freq = tuple(int(v) for row in rows for v in row)
    if len(freq) != 256:
        raise ValueError(f"data/evtx_byte_freq.yml: {len(freq)} values, not 256")
    return freq, tuple(f + (freq[b - 32] if 97 <= b <= 122 else 0) for b, f in enumerate(freq))


def pick_anchors(entries: list[tuple[bytes, bool]], width: int
                 ) -> list[tuple[int, int, tuple[int, ...]]]:
    """Per (form, exact): (its window's offset in the form, its anchor's offset in the form;
    the byte values that stand for the anchor: a letter of a form found ignoring ASCII case,
    both cases). Forms are at least ``width`` long.

    A greedy set cover over each form's ``RAREST`` rarest bytes: each round takes the
    (anchor byte, shift in the window) that finds the most forms not yet placed at the least
    cost a form (the byte's hits in a chunk, and one more byte value), and places them."""
    freq, folded = _frequency()
    # a key is (anchor byte, both cases?, shift in the window) as one int:
    # key -> form index -> (window, anchor), the first place the form has it
    options: dict[int, dict[int, tuple[int, int]]] = {}
    for index, (form, exact) in enumerate(entries):
        if len(form) < width:
            raise ValueError(f"a form shorter than {width} bytes")
        last = len(form) - width
        for byte in sorted(set(form), key=(freq if exact else folded).__getitem__)[:RAREST]:
            cased = 8 if not exact and 97 <= byte <= 122 else 0
            anchor = form.find(byte)
            while anchor >= 0:
                for window in range(max(0, anchor - width + 1), min(anchor, last) + 1):
                    place = options.get(byte * 16 + cased + anchor - window)
                    if place is None:
                        place = options[byte * 16 + cased + anchor - window] = {}
                    if index not in place:
                        place[index] = (window, anchor)
                anchor = form.find(byte, anchor + 1)
    count = {key: len(place) for key, place in options.items()}
    keys_of: list[list[int]] = [[] for _ in entries]
    for key, place in options.items():
        for index in place:
            keys_of[index].append(key)
    chosen: set[int] = set()
    picked: dict[int, tuple[int, int, tuple[int, ...]]] = {}
    while count:
        best_key, best = -1, 0.0
        for key, n in count.items():
            byte = key >> 4
            cost = freq[byte] + (0 if byte in chosen else NEW_BYTE_COST)
            if key & 8:
                cost += freq[byte - 32] + (0 if byte - 32 in chosen else NEW_BYTE_COST)
            if best_key < 0 or cost < best * n:
                best_key, best = key, cost / n
        byte = best_key >> 4
        values = (byte, byte - 32) if best_key & 8 else (byte,)
        for index, (window, anchor) in options[best_key].items():
            if index not in picked:
                picked[index] = (window, anchor, values)
                for key in keys_of[index]:
                    count[key] -= 1
                    if not count[key]:
                        del count[key]
        chosen.update(values)
    return [picked[i] for i in range(len(entries))]
