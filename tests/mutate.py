"""Hostile input for the property and fuzz tests: the word rule that every
scanner result is checked against, C-like fragments to build garbage from,
and byte-level mutations of files and mboxes."""

from __future__ import annotations

import os
import random
import re
import subprocess
from pathlib import Path

# git grep -w: a word character is [A-Za-z0-9_]; any other byte (NUL, \r,
# UTF-8 continuation bytes...) ends a word.
WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def git_tokens(top: Path, rev: str | None, symbol: str, no_index: bool = False
               ) -> set[tuple[str, int, int]]:
    """Every SYMBOL/_SYMBOL token of a tree state: the files and lines are
    git grep -w's; the columns are counted here, because git's ``-o --column``
    is wrong for the second match on a line (git 2.39: ``a X X`` gives 3, 15)."""
    lines: set[tuple[str, int]] = set()
    for token in (symbol, "_" + symbol):
        where = ["--no-index"] if no_index else []
        out = subprocess.run(["git", "-C", str(top), "-c", "grep.fullName=true", "grep",
                              *where, "-a", "-n", "-z", "-w", "-F", "-e", token,
                              *([rev] if rev else []), "--"], capture_output=True)
        assert out.returncode in (0, 1), out.stderr
        for hit in out.stdout.split(b"\n")[:-1]:  # a line may hold \r: not splitlines()
            path, number, _ = hit.split(b"\0", 2)
            if rev:
                path = path.removeprefix(rev.encode() + b":")
            lines.add((os.fsdecode(path), int(number)))
    paths = sorted({p for p, _ in lines})
    if rev:  # one cat-file for all blobs; paths with a newline are not generated
        out = subprocess.run(["git", "-C", str(top), "cat-file", "--batch"], check=True,
                             capture_output=True,
                             input=b"".join(f"{rev}:{p}\n".encode() for p in paths)).stdout
        contents, at = {}, 0
        for path in paths:
            header_end = out.index(b"\n", at)
            size = int(out[at:header_end].split()[2])
            contents[path] = out[header_end + 1: header_end + 1 + size]
            at = header_end + 1 + size + 1
    else:
        contents = {p: (top / p).read_bytes() for p in paths}
    found = set()
    for path, data in contents.items():
        found |= {(path, line, column) for line, column in word_tokens(data, symbol)}
    assert {(p, n) for p, n, _ in found} == lines, "the word rule and git grep -w disagree"
    return found


def word_tokens(data: bytes, symbol: str) -> set[tuple[int, int]]:
    """(line, column) of every SYMBOL and _SYMBOL token, as ``git grep -w``
    finds them: lines end at ``\\n`` only, columns are 1-based byte offsets.
    Written without regular expressions, to be independent of the scanner."""
    found = set()
    for token in (symbol.encode(), b"_" + symbol.encode()):
        start = data.find(token)
        while start >= 0:
            end = start + len(token)
            if ((start == 0 or data[start - 1] not in WORD_BYTES)
                    and (end == len(data) or data[end] not in WORD_BYTES)):
                line_start = data.rfind(b"\n", 0, start) + 1
                found.add((data.count(b"\n", 0, start) + 1, start - line_start + 1))
            start = data.find(token, start + 1)
    return found


def plain_tokens(root: Path, symbol: str) -> set[tuple[str, int, int]]:
    """The word rule over a plain directory: regular files only, symlinks
    neither followed nor read (as ``git grep`` treats a work tree)."""
    found = set()
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in names:
            full = os.path.join(folder, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            with open(full, "rb") as f:
                data = f.read()
            found |= {(rel, line, column) for line, column in word_tokens(data, symbol)}
    return found


# Pieces of C, cpp and assembly that the readers must survive in any order.
C_FRAGMENTS: tuple[bytes, ...] = (
    b"#if 1\n", b"#if defined(CONFIG_X) && \\\n !defined(CONFIG_Y)\n", b"#ifdef CONFIG_X\n",
    b"#ifndef _ASM_X_H\n", b"#elif 0\n", b"#else\n", b"#endif\n", b"# endif /* X */\n",
    b"#define ", b"#  define\t", b"#define TIF_A 3\n", b"#define _TIF_A (1 << TIF_A)\n",
    b"#define TIF_MEMDIE 18\n", b"#define _TIF_MEMDIE\t_BITUL(TIF_MEMDIE)\n", b"#undef TIF_A\n",
    b"#include <asm-generic/thread_info_tif.h>\n", b"TIF_", b"_TIF_", b"TIF_A", b"TIF_MEMDIE",
    b"_TIF_MEMDIE", b"/*", b"*/", b"//", b'"', b"'", b"\\", b"\\\n", b"\\\r\n", b"\n", b"\r\n",
    b"\r", b"\x00", b"\xff", b"\xc3\xa9", b"\xe9", b"\xef\xbb\xbf", b" ", b"\t", b"(", b")",
    b"{", b"}", b"[", b"]", b";", b",", b"<<", b">>", b"|", b"&", b"~", b"-", b"+", b"*", b"/",
    b"!", b"@", b"#", b"$", b"%", b"0", b"1", b"7", b"0x1f", b"1UL", b"_AC(1,UL)", b"UL(",
    b"struct thread_info {\n", b"\tunsigned long flags;\n", b"\t__u32 flags;\n", b"};\n",
    b"int f(void)\n{\n", b"\treturn ", b"test_thread_flag(", b"set_tsk_thread_flag(p, ",
    b"DEFINE(", b"asm volatile(", b"\ttst r1, #", b"\ttestl $", b"if (", b"else ",
    b"select HAVE_GENERIC_TIF_BITS\n", b"x" * 300,
)


def fragments(rng: random.Random, count: int) -> bytes:
    return b"".join(rng.choice(C_FRAGMENTS) for _ in range(count))


# --- file mutations: each takes the bytes and returns the new bytes ------------------


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    noise = bytes(rng.choice(b"\x00\r\n\xff\\/*\"'#()TIF_MEMDIE \t") for _ in range(
        rng.randint(1, 40)))
    return splice(rng, data, noise)


def delete_bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 200):]


def insert_nuls(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 5)):
        data = splice(rng, data, b"\x00" * rng.randint(1, 3))
    return data


def to_crlf(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def lone_cr(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", b"\r", rng.randint(1, 10))


def long_line(rng: random.Random, data: bytes) -> bytes:
    # "/*/*/*..." and "((((" cost time quadratic in their length (tree-sitter
    # nodes with 50 000 siblings or depth 100 000: seconds per token), so
    # they are kept short here; the report of that slowness is elsewhere.
    filler, size = rng.choice([(b"a", 100_000), (b" ", 100_000), (b"x | ", 100_000),
                               (b"\x00", 100_000), (b"/*", 10_000)])
    line = filler * (size // len(filler)) + b" TIF_MEMDIE _TIF_MEMDIE " + filler * 20
    return splice_line(rng, data, line + b"\n")


def deep_parentheses(rng: random.Random, data: bytes) -> bytes:
    depth = rng.randint(100, 2000)
    return splice(rng, data, b"(" * depth + b"TIF_MEMDIE" + b")" * rng.randint(0, depth))


def nested_ifs(rng: random.Random, data: bytes) -> bytes:
    depth = 200
    closing = b"#endif\n" * (depth if rng.random() < 0.5 else rng.randrange(depth))
    body = b"#define TIF_NESTED 3\nint x = TIF_MEMDIE;\n"
    return splice_line(rng, data, b"#if defined(CONFIG_A)\n" * depth + body + closing)


def unbalanced_endif(rng: random.Random, data: bytes) -> bytes:
    return splice_line(rng, data, b"#endif\n#else\n#endif /* nothing open */\n")


def insert_fragments(rng: random.Random, data: bytes) -> bytes:
    return splice(rng, data, fragments(rng, rng.randint(1, 30)))


def open_comment(rng: random.Random, data: bytes) -> bytes:
    return splice(rng, data, b"/* never closed TIF_MEMDIE ")


FILE_MUTATIONS = (flip_bytes, insert_bytes, delete_bytes, insert_nuls, to_crlf, lone_cr,
                  long_line, deep_parentheses, nested_ifs, unbalanced_endif, insert_fragments,
                  open_comment)


def splice(rng: random.Random, data: bytes, piece: bytes) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + piece + data[at:]


def splice_line(rng: random.Random, data: bytes, lines: bytes) -> bytes:
    """Insert whole lines at a line boundary."""
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
    at = rng.choice(starts)
    return data[:at] + lines + data[at:]


# --- mbox mutations --------------------------------------------------------------------

_MAIL_START = re.compile(rb"(?m)^From [0-9a-f]{40} ")


def split_mails(mbox: bytes) -> list[bytes]:
    starts = [m.start() for m in _MAIL_START.finditer(mbox)] + [len(mbox)]
    return [mbox[a:b] for a, b in zip(starts[:-1], starts[1:], strict=True)]


def truncate(rng: random.Random, mbox: bytes) -> bytes:
    return mbox[:rng.randrange(len(mbox))]


def duplicate_patch(rng: random.Random, mbox: bytes) -> bytes:
    mails = split_mails(mbox)
    if not mails:
        return mbox
    i = rng.randrange(len(mails))
    return b"".join(mails[:i + 1] + [mails[i]] + mails[i + 1:])


def swap_patches(rng: random.Random, mbox: bytes) -> bytes:
    mails = split_mails(mbox)
    if len(mails) < 2:
        return mbox
    i, j = rng.sample(range(len(mails)), 2)
    mails[i], mails[j] = mails[j], mails[i]
    return b"".join(mails)


def drop_base_commit(rng: random.Random, mbox: bytes) -> bytes:
    return b"".join(line for line in mbox.splitlines(True)
                    if not line.startswith(b"base-commit:"))


def drop_patch(rng: random.Random, mbox: bytes) -> bytes:
    mails = split_mails(mbox)
    if mails:
        del mails[rng.randrange(len(mails))]
    return b"".join(mails)


def flip_mbox_bytes(rng: random.Random, mbox: bytes) -> bytes:
    return flip_bytes(rng, mbox)


def mbox_crlf(rng: random.Random, mbox: bytes) -> bytes:
    return to_crlf(rng, mbox)


def mbox_nuls(rng: random.Random, mbox: bytes) -> bytes:
    return insert_nuls(rng, mbox)


MBOX_MUTATIONS = (truncate, flip_mbox_bytes, duplicate_patch, drop_base_commit, swap_patches,
                  drop_patch, mbox_crlf, mbox_nuls, insert_fragments, delete_bytes)
